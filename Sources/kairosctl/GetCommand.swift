import ArgumentParser
import KairosControl

/// `kairosctl get`: one schedule's state and recent events.
struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Show a schedule's full state (from <prefix>.changelog) and its recent events (<prefix>.events).",
        discussion: """
            Events are searched in the last \(ScheduleInspection.eventScanDepth) records of each events partition. \
            Exit status 1 when there is no live schedule with this id.
            """)

    @Argument(help: "The schedule id.")
    var id: String

    @Option(help: "How many of the latest events to show (0: none).")
    var events: Int = 10

    @OptionGroup(title: "Connection and output options") var connection: ConnectionOptions

    func run() async throws {
        let inspection = ScheduleInspection(id: id, eventCount: events)
        try await connection.run { (cluster) throws(ControlError) in try inspection.run(on: cluster) }
    }
}
