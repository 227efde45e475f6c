import ScheduleModel

/// A schedule's target as reports show it.
public struct TargetView: Encodable, Sendable, Hashable {
    /// `kafka` or `http`.
    public var kind: String
    /// The topic, or the URL.
    public var destination: String
    /// The HTTP method (HTTP targets).
    public var method: String?
    /// The request headers (HTTP targets).
    public var headers: [HeaderView]?

    init(_ target: ScheduleTarget) {
        switch target {
        case .kafka(let topic):
            kind = "kafka"
            destination = topic
        case .http(let http):
            kind = "http"
            destination = http.url
            method = http.method
            headers = http.headers.map { HeaderView(name: $0.name, value: $0.value) }
        }
    }

    /// The topic, or `METHOD URL`.
    var text: String {
        method.map { "\($0) \(destination)" } ?? destination
    }
}

/// How a recurring schedule repeats, as reports show it.
public struct RecurrenceView: Encodable, Sendable, Hashable {
    /// `cron` or `every`.
    public var kind: String
    /// The cron expression or the interval, as written.
    public var expression: String
    /// `quartz` for a cron expression in the Quartz dialect; nil for Unix cron and intervals.
    public var dialect: String?
    /// `kairos-exclude` and `kairos-exclude-cron`.
    public var exclude: String?
    public var excludeCron: String?
    /// The IANA zone.
    public var zone: String
    /// `kairos-start`, epoch milliseconds.
    public var start: Int64?
    /// `kairos-end`, epoch milliseconds.
    public var end: Int64?
    /// `kairos-limit`.
    public var limit: Int64?
    /// `fire` or `skip`.
    public var misfire: String
    /// The command's timestamp: the origin of `every` and the window start of cron without a start.
    public var anchor: Int64

    init(_ spec: RecurrenceSpec) {
        kind = spec.kind == .every ? "every" : "cron"
        dialect = spec.kind.cronDialect == .quartz ? CronDialect.quartz.rawValue : nil
        exclude = spec.excludedDates
        excludeCron = spec.excludedCron
        expression = spec.expression
        zone = spec.zone
        start = spec.start
        end = spec.end
        limit = spec.limit
        misfire = spec.misfireGraceMillis == nil ? "fire" : "skip"
        anchor = spec.anchor
    }

    /// `cron '0 9 * * MON-FRI' Europe/Paris` or `every 15m UTC`, with limit and window when set.
    var text: String {
        var parts = [kind == "cron" ? "cron '\(expression)'" : "every \(expression)", zone]
        if let dialect { parts.insert("(\(dialect))", at: 1) }
        if let start { parts.append("from \(formatInstant(start))") }
        if let end { parts.append("until \(formatInstant(end))") }
        if let limit { parts.append("limit \(limit)") }
        if misfire == "skip" { parts.append("misfire skip") }
        if let exclude { parts.append("except \(exclude)") }
        if let excludeCron { parts.append("except cron '\(excludeCron)'") }
        return parts.joined(separator: " ")
    }
}
