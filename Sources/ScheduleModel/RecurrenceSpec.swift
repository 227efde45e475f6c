/// A recurring schedule as the command gave it, in the form that is stored and replayed: the texts of its headers
/// plus the anchor (the command's timestamp). `recurrence()` rebuilds the same `Recurrence` every time, so a
/// restored schedule computes the same instants, numbers and window offsets.
public struct RecurrenceSpec: Sendable, Hashable {
    /// `kairos-cron` (in the Unix or the Quartz dialect) or `kairos-every`.
    public enum Kind: UInt8, Sendable, Hashable {
        case cron = 0
        case every = 1
        /// `kairos-cron` with `kairos-cron-dialect: quartz`.
        case quartzCron = 2

        /// The cron dialect, nil for `every`.
        public var cronDialect: CronDialect? {
            switch self {
            case .cron: .unix
            case .quartzCron: .quartz
            case .every: nil
            }
        }
    }

    public var kind: Kind
    /// The cron expression or the interval, as written.
    public var expression: String
    /// IANA zone (`kairos-tz`), `UTC` by default.
    public var zone: String
    public var start: EpochMillis?
    public var end: EpochMillis?
    public var limit: Int64?
    /// When the schedule was created: the window start of cron without `kairos-start`, the origin of `every`.
    public var anchor: EpochMillis
    /// nil: fire the latest missed occurrence once, late (`kairos-misfire: fire`); else skip missed occurrences
    /// older than this many milliseconds (`kairos-misfire: skip`).
    public var misfireGraceMillis: Int64?
    /// `kairos-exclude`: local dates, date ranges and yearly dates to skip.
    public var excludedDates: String?
    /// `kairos-exclude-cron`: skip the occurrences whose local reading it matches.
    public var excludedCron: String?

    /// Whether any occurrence may be excluded.
    public var hasExclusions: Bool { excludedDates != nil || excludedCron != nil }

    public init(
        kind: Kind, expression: String, zone: String = "UTC", start: EpochMillis? = nil, end: EpochMillis? = nil,
        limit: Int64? = nil, anchor: EpochMillis, misfireGraceMillis: Int64? = nil
    ) {
        self.kind = kind
        self.expression = expression
        self.zone = zone
        self.start = start
        self.end = end
        self.limit = limit
        self.anchor = anchor
        self.misfireGraceMillis = misfireGraceMillis
    }

    public var misfirePolicy: MisfirePolicy {
        misfireGraceMillis.map { .skip(graceMillis: $0) } ?? .fireOnce
    }

    /// The recurrence, or a sentence saying which part is wrong (zone, expression, interval, window, limit).
    public func recurrence() throws(ScheduleValueError) -> Recurrence {
        let rules: TimeZoneRules
        do {
            rules = try TimeZoneRules.named(zone)
        } catch {
            throw ScheduleValueError("\(error)")
        }
        let pattern: RecurrencePattern
        if let dialect = kind.cronDialect {
            do {
                pattern = .cron(try CronExpression(parsing: expression, dialect: dialect))
            } catch {
                throw ScheduleValueError("\(error)")
            }
        } else {
            pattern = .every(try ScheduleDuration(parsing: expression))
        }
        let exclusions = hasExclusions ? try ExclusionCalendar(dates: excludedDates, cron: excludedCron) : nil
        return try Recurrence(
            pattern: pattern, zone: rules, start: start, end: end, limit: limit, anchor: anchor, exclusions: exclusions)
    }

    /// The recurrence and its first occurrence; throws when it never fires (a cron date that does not exist, a
    /// window that is over, ...). The engine and `kairos next` both decide through this, with the same message.
    public func firstOccurrence() throws(ScheduleValueError) -> (Recurrence, Occurrence) {
        let recurrence = try recurrence()
        guard let first = recurrence.firstOccurrence() else {
            let what = kind == .every ? "interval '\(expression)'" : "cron expression '\(expression)'"
            throw ScheduleValueError(
                "The \(what) in \(zone) has no occurrence"
                    + (end.map { " before the end \(TimestampFormat.format($0))" } ?? "")
                    + " after \(TimestampFormat.format(start ?? anchor)), so it would never fire.")
        }
        return (recurrence, first)
    }
}
