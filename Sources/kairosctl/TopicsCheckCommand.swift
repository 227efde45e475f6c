import ArgumentParser
import KairosControl

/// `kairosctl topics check`.
struct TopicsCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check that the four topics exist and commands and changelog have equal partition counts.",
        discussion: "Exit status 1, naming each problem, when they do not.")

    @OptionGroup(title: "Connection and output options") var connection: ConnectionOptions

    func run() async throws {
        try await connection.run { (cluster) throws(ControlError) in try TopicProvisioning.check(on: cluster) }
    }
}
