import ArgumentParser
import KairosControl

/// `kairosctl dlq replay`.
struct DeadLetterReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Write selected dead letters back to <prefix>.commands as the commands they were.",
        discussion: """
            Each dead letter keeps its key, value and headers, minus the ones Kairos added (kairos-error, \
            kairos-error-kind, kairos-source-*, kairos-http-status, kairos-attempts, kairos-id, \
            kairos-scheduled-for, kairos-occurrence, kairos-fired-at). Each is checked as Kairos will check it \
            (every target and host allowed, any size); those Kairos would reject again are skipped unless --force. \
            A replayed command gets a new timestamp, so a kairos-delay counts from the replay.
            """)

    @OptionGroup var selection: DeadLetterSelection

    @Option(
        help: ArgumentHelp("Only dead letters at or after this offset of their dlq partition.", valueName: "offset"))
    var offsetFrom: Int64?

    @Flag(help: "Show what would be replayed; write nothing.")
    var dryRun = false

    @Flag(help: "Replay also the dead letters Kairos would reject again.")
    var force = false

    @OptionGroup(title: "Connection and output options") var connection: ConnectionOptions

    func run() async throws {
        let replay = DeadLetterReplay(
            filter: selection.filter(offsetFrom: offsetFrom),
            dryRun: dryRun, force: force)
        try await connection.run { (cluster) throws(ControlError) in try await replay.run(on: cluster) }
    }
}
