import ArgumentParser
import KairosControl

/// `kairosctl pause|resume|trigger`: writes a lifecycle command for one id.
protocol ActionCommand: AsyncParsableCommand {
    /// `pause`, `resume` or `trigger`.
    static var action: String { get }
    var id: String { get }
    var connection: ConnectionOptions { get }
}

extension ActionCommand {
    func run() async throws {
        let request = ActionRequest(id: id, action: Self.action)
        try await connection.run { (cluster) throws(ControlError) in try await request.submit(on: cluster) }
    }
}
