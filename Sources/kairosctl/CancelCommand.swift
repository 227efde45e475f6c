import ArgumentParser
import KairosControl

/// `kairosctl cancel`: writes a tombstone for one id.
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a schedule: write a tombstone (null value) for its id to <prefix>.commands.")

    @Argument(help: "The schedule id.")
    var id: String

    @OptionGroup(title: "Connection and output options") var connection: ConnectionOptions

    func run() async throws {
        let request = CancelRequest(id: id)
        try await connection.run { (cluster) throws(ControlError) in try await request.submit(on: cluster) }
    }
}
