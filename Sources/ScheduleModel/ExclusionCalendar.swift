/// The occurrences a recurring schedule skips, as Quartz calendars and Temporal's exclusions offer: local dates, date
/// ranges and yearly dates in the schedule's zone (`kairos-exclude`), and the local readings a cron expression
/// matches (`kairos-exclude-cron`). An excluded occurrence does not fire but keeps its number, as an occurrence the
/// misfire rules skip does, so numbers never depend on the calendar.
public struct ExclusionCalendar: Sendable, Hashable {
    /// `kairos-exclude` as written: a comma list of `YYYY-MM-DD`, `YYYY-MM-DD..YYYY-MM-DD` and `--MM-DD`.
    public let dates: String?
    /// `kairos-exclude-cron`: an occurrence whose local reading matches it is skipped (to the minute for a 5-field
    /// expression: `* * * * SAT,SUN` is the weekends, `* 12 * * *` the noon hour).
    public let cron: CronExpression?
    private let days: Set<Int>
    private let ranges: [ClosedRange<Int>]
    /// month × 100 + day.
    private let yearly: Set<Int>

    /// Items `dates` may hold.
    public static let maxItems = 1_000

    public init(dates: String?, cron: String?) throws(ScheduleValueError) {
        self.dates = dates
        if let cron {
            do {
                self.cron = try CronExpression(parsing: cron)
            } catch {
                throw ScheduleValueError("\(error)")
            }
        } else {
            self.cron = nil
        }
        var days: Set<Int> = []
        var ranges: [ClosedRange<Int>] = []
        var yearly: Set<Int> = []
        let items = (dates ?? "").split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingSpaces() }
        if dates != nil {
            guard items.count <= Self.maxItems else {
                throw ScheduleValueError("There are \(items.count) dates; at most \(Self.maxItems) are allowed.")
            }
            for item in items {
                if item.hasPrefix("--") {
                    guard let (month, day) = Self.monthDay(item.dropFirst(2)) else { throw Self.refusal(item) }
                    yearly.insert(month * 100 + day)
                } else if let (first, last) = Self.range(item) {
                    guard let from = Self.date(first), let to = Self.date(last) else { throw Self.refusal(item) }
                    guard from <= to else {
                        throw ScheduleValueError("The range '\(item)' ends before it starts.")
                    }
                    ranges.append(from...to)
                } else {
                    guard let day = Self.date(item) else { throw Self.refusal(item) }
                    days.insert(day)
                }
            }
        }
        self.days = days
        self.ranges = ranges
        self.yearly = yearly
    }

    /// Whether the occurrence at `instant` is skipped, read in `zone`.
    public func excludes(_ instant: EpochMillis, in zone: TimeZoneRules) -> Bool {
        var local = zone.localDateTime(at: instant)
        if excludesDay(local.date) { return true }
        guard let cron else { return false }
        if !cron.hasSeconds { local.second = 0 }
        return cron.matches(local)
    }

    /// When the local day of `instant` is excluded by a date, a range or a yearly date: the first instant of the
    /// next local day that is not, so that a fine-grained schedule steps over an excluded span at once; `.max` when
    /// none is within 100,000 days. Nil when the day itself is not excluded that way.
    func endOfExcludedDays(at instant: EpochMillis, in zone: TimeZoneRules) -> EpochMillis? {
        var date = zone.localDateTime(at: instant).date
        guard excludesDay(date) else { return nil }
        for _ in 0..<100_000 {
            date = GregorianDate(daysSinceEpoch: date.daysSinceEpoch + 1)
            if !excludesDay(date) { return zone.instant(for: LocalDateTime(date: date)) }
        }
        return .max
    }

    /// Whether a date, a range or a yearly date excludes local day `date`.
    private func excludesDay(_ date: GregorianDate) -> Bool {
        let day = date.daysSinceEpoch
        return days.contains(day) || yearly.contains(date.month * 100 + date.day)
            || ranges.contains(where: { $0.contains(day) })
    }

    private static func refusal(_ item: Substring) -> ScheduleValueError {
        ScheduleValueError(
            "'\(item)' is not a date YYYY-MM-DD, a range YYYY-MM-DD..YYYY-MM-DD or a yearly date --MM-DD.")
    }

    /// The two sides of `A..B`, nil without `..`.
    private static func range(_ item: Substring) -> (Substring, Substring)? {
        var index = item.startIndex
        while index < item.endIndex {
            let next = item.index(after: index)
            if next < item.endIndex, item[index] == ".", item[next] == "." {
                return (item[..<index], item[item.index(after: next)...])
            }
            index = next
        }
        return nil
    }

    /// `YYYY-MM-DD` as days since 1970-01-01, nil when it is not a date.
    private static func date(_ text: Substring) -> Int? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[0].allSatisfy({ $0.isASCII && $0.isNumber }),
            let year = Int(parts[0]), let (month, day) = monthDay(text.dropFirst(5)),
            day <= GregorianDate.daysInMonth(year: year, month: month)
        else { return nil }
        return GregorianDate(year: year, month: month, day: day).daysSinceEpoch
    }

    /// `MM-DD` (February 29 allowed), nil when it is not one.
    private static func monthDay(_ text: Substring) -> (Int, Int)? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let month = Int(parts[0]), let day = Int(parts[1]), (1...12).contains(month),
            (1...GregorianDate.daysInMonth(year: 2000, month: month)).contains(day)
        else { return nil }
        return (month, day)
    }
}
