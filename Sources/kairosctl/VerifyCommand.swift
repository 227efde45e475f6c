import ArgumentParser
import Foundation
import KairosControl

/// `kairosctl verify`: schedules test firings on a running installation and checks that each arrives once, on time.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Self-test a running installation: schedule test firings, read them back, report what went wrong.",
        discussion: """
            Writes --count one-shots due over --spread and --recurring schedules firing every second --occurrences \
            times, all under a fresh id prefix, to --target (a topic the instances may deliver to). Reads the target \
            back as a read_committed consumer and reports missing, duplicated, early and unexpected firings with \
            lateness percentiles. --chaos runs a shell command halfway through, such as a restart of one instance. \
            Exits 0 when every firing arrived once and on time, 1 otherwise. Schedules that never fired are \
            cancelled at the end.
            """)

    @Option(help: "The topic the test firings go to (it must exist, or be created by the first firing).")
    var target: String

    @Option(help: "One-shot schedules (kairos-at).")
    var count = 100

    @Option(help: "Recurring schedules (kairos-every 1s).")
    var recurring = 5

    @Option(help: "Firings of each recurring schedule (kairos-limit), 1-1000.")
    var occurrences = 5

    @Option(help: ArgumentHelp("The one-shots fall due over this span: 10s, 1m.", valueName: "duration"))
    var spread = "10s"

    @Option(help: ArgumentHelp("How long a firing may be late before it counts as missing.", valueName: "duration"))
    var grace = "30s"

    @Option(help: ArgumentHelp("Prefix of the test's schedule ids (default: verify-<random>-).", valueName: "prefix"))
    var idPrefix: String?

    @Option(help: ArgumentHelp("A shell command run halfway through, e.g. a restart of one instance.", valueName: "command"))
    var chaos: String?

    @OptionGroup(title: "Connection and output options") var connection: ConnectionOptions

    func run() async throws {
        var verification = Verification(target: target, idPrefix: idPrefix)
        verification.oneShots = count
        verification.recurring = recurring
        verification.occurrences = occurrences
        verification.spreadMilliseconds = try Verification.milliseconds(spread, option: "--spread")
        verification.graceMilliseconds = try Verification.milliseconds(grace, option: "--grace")
        verification.chaosCommand = chaos
        try await connection.run { (cluster) throws(ControlError) in try await verification.run(on: cluster) }
    }
}
