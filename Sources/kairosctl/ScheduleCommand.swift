import ArgumentParser
import Foundation
import KairosControl

/// `kairos-misfire` values.
enum MisfireOption: String, ExpressibleByArgument, CaseIterable {
    case fire
    case skip
}

/// `kairosctl schedule`: writes one schedule command after checking it as Kairos will.
struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Create or replace a schedule (checked locally first, then written to <prefix>.commands).",
        discussion: """
            With no --at, --in, --cron or --every the payload is delivered right away. The payload is --payload, \
            --payload-file (- for standard input), or standard input when it is not a terminal; else empty. \
            The command goes to the id's home partition by Kairos's rule (--partitioner), so that replacing and \
            cancelling meet the commands of any other client.
            """)

    @Argument(help: "The schedule id (the record key), 1-256 bytes of UTF-8.")
    var id: String

    @Option(help: "Where to deliver: a topic, kafka:TOPIC, or an http(s) URL (kairos-target).")
    var target: String

    @Option(help: ArgumentHelp("Fire once at this instant: RFC 3339 or epoch ms (kairos-at).", valueName: "time"))
    var at: String?

    @Option(
        name: .customLong("in"),
        help: ArgumentHelp("Fire once this long from now: 30s, 5m, 1h30m, PT5M (kairos-delay).", valueName: "duration"))
    var delay: String?

    @Option(help: ArgumentHelp("Fire on a cron schedule (kairos-cron).", valueName: "expr"))
    var cron: String?

    @Option(
        name: .customLong("cron-dialect"),
        help: ArgumentHelp(
            "How --cron numbers the days of the week: unix (0-7, 0 and 7 Sunday; the default) or quartz (1-7 from "
                + "Sunday, seconds first) (kairos-cron-dialect).", valueName: "dialect"))
    var cronDialect: String?

    @Option(help: ArgumentHelp("Fire at a fixed interval: 15m, 1d, 1mo (kairos-every).", valueName: "interval"))
    var every: String?

    @Option(
        name: .customLong("tz"), help: ArgumentHelp("IANA zone of --cron and --every (kairos-tz).", valueName: "zone"))
    var zone: String?

    @Option(help: ArgumentHelp("No occurrence before this instant (kairos-start).", valueName: "time"))
    var start: String?

    @Option(help: ArgumentHelp("No occurrence after this instant (kairos-end).", valueName: "time"))
    var end: String?

    @Option(help: "At most this many occurrences (kairos-limit).")
    var limit: Int64?

    @Option(
        help: ArgumentHelp(
            "Fire at a random moment within this window after due (kairos-window).", valueName: "duration"))
    var window: String?

    @Option(help: "What to do with occurrences missed while no instance ran (kairos-misfire).")
    var misfire: MisfireOption?

    @Option(
        help: ArgumentHelp(
            "Local dates to skip, comma-separated: YYYY-MM-DD, YYYY-MM-DD..YYYY-MM-DD, --MM-DD yearly (kairos-exclude; "
                + "write --exclude=--12-25 when the list starts with a yearly date).",
            valueName: "dates"))
    var exclude: String?

    @Option(
        help: ArgumentHelp(
            "Skip the occurrences whose local time this cron expression matches (kairos-exclude-cron).",
            valueName: "expr"))
    var excludeCron: String?

    @Option(name: .customLong("key"), help: "Key of the fired record (kairos-target-key; default: the id).")
    var targetKey: String?

    @Option(name: .customLong("partition"), help: "Partition of the fired record (kairos-target-partition).")
    var targetPartition: Int32?

    @Option(help: "HTTP method of an HTTP target (kairos-http-method; default POST).")
    var method: String?

    @Option(
        name: .customLong("header"),
        help: ArgumentHelp("An HTTP request header (kairos-http-header-NAME; repeatable).", valueName: "name=value"))
    var httpHeaders: [String] = []

    @Option(
        name: .customLong("pass-header"),
        help: ArgumentHelp("A header copied to the fired Kafka record (repeatable).", valueName: "name=value"))
    var passThroughHeaders: [String] = []

    @Option(help: "HTTP delivery attempts before the DLQ, 1-100 (kairos-retry-max).")
    var retryMax: Int?

    @Option(help: ArgumentHelp("First HTTP retry delay (kairos-retry-backoff).", valueName: "duration"))
    var retryBackoff: String?

    @Option(help: "The payload, as text.")
    var payload: String?

    @Option(help: ArgumentHelp("Read the payload from this file (- for standard input).", valueName: "path"))
    var payloadFile: String?

    @OptionGroup(title: "Connection and output options") var connection: ConnectionOptions

    func run() async throws {
        let source = try PayloadSource.choose(
            text: payload, file: payloadFile, standardInputIsTerminal: isatty(STDIN_FILENO) != 0)
        var request = ScheduleRequest(id: id, target: target, payload: try source.read())
        request.at = at
        request.delay = delay
        request.cron = cron
        request.cronDialect = cronDialect
        request.every = every
        request.zone = zone
        request.start = start
        request.end = end
        request.limit = limit
        request.window = window
        request.misfire = misfire?.rawValue
        request.exclude = exclude
        request.excludeCron = excludeCron
        request.targetKey = targetKey
        request.targetPartition = targetPartition
        request.method = method
        request.httpHeaders = httpHeaders
        request.passThroughHeaders = passThroughHeaders
        request.retryMax = retryMax
        request.retryBackoff = retryBackoff
        try await connection.run { (cluster) throws(ControlError) in try await request.submit(on: cluster) }
    }
}
