import ArgumentParser
import KairosControl

/// `kairosctl list`: live schedules from the changelog.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List live schedules from <prefix>.changelog, by next fire time, a page at a time.")

    @Option(help: "Only this changelog (= commands) partition.")
    var partition: Int32?

    @Option(
        help: ArgumentHelp("Only schedules due at or after this instant (RFC 3339 or epoch ms).", valueName: "time"))
    var dueFrom: String?

    @Option(help: ArgumentHelp("Only schedules due before this instant (RFC 3339 or epoch ms).", valueName: "time"))
    var dueTo: String?

    @Option(help: ArgumentHelp("Only targets (topic or URL) containing this text.", valueName: "substring"))
    var target: String?

    @Option(help: ArgumentHelp("Only ids starting with this text.", valueName: "prefix"))
    var idPrefix: String?

    @Option(help: "Schedules per page.")
    var limit: Int = 50

    @Option(help: ArgumentHelp("Show the page after this cursor (printed by the previous page).", valueName: "cursor"))
    var pageAfter: String?

    @OptionGroup(title: "Connection and output options") var connection: ConnectionOptions

    func run() async throws {
        let listing = ScheduleListing(
            filter: try ScheduleFilter(
                partition: partition, dueFrom: dueFrom, dueTo: dueTo, targetSubstring: target, idPrefix: idPrefix),
            limit: limit,
            pageAfter: try pageAfter.map { (text) throws(ControlError) in try ListCursor(parsing: text) })
        try await connection.run { (cluster) throws(ControlError) in try listing.run(on: cluster) }
    }
}
