/// A length of time as written in `kairos-delay`, `kairos-every`, `kairos-window` and
/// `kairos-retry-backoff`, split into calendar months, calendar days and exact milliseconds.
///
/// Accepted spellings (surrounding whitespace ignored):
/// - Short form: one or more `<integer><unit>` parts, largest unit first, each unit at most
///   once, no spaces: units `y` (12 months), `mo` (month), `w` (7 days), `d` (day), `h`, `m`,
///   `s`, `ms`. Examples: `250ms`, `30s`, `15m`, `1h30m`, `2w`, `3mo`, `1y`.
///   Units are lowercase only, so `m` (minute) and `mo` (month) can never be confused.
/// - ISO 8601: `P[nY][nM][nW][nD][T[nH][nM][n[.fff]S]]`, e.g. `PT5M`, `P1D`, `P1Y2M`,
///   `PT0.25S`; letters may be upper or lower case; at most 3 fractional digits on seconds.
///
/// Years and months are kept as months and weeks as days, so `1y` equals `12mo` and `1w`
/// equals `7d`. Whether days are calendar days or 24 hours is up to the consumer:
/// ``fixedMilliseconds`` counts a day as 24 hours, ``IntervalSchedule`` as a calendar day.
public struct ScheduleDuration: Sendable, Hashable, CustomStringConvertible {
    /// Calendar months (a year counts 12).
    public var months: Int64
    /// Calendar days (a week counts 7).
    public var days: Int64
    /// Exact milliseconds (hours, minutes, seconds, milliseconds).
    public var milliseconds: Int64

    /// A duration from its parts.
    public init(months: Int64 = 0, days: Int64 = 0, milliseconds: Int64 = 0) {
        self.months = months
        self.days = days
        self.milliseconds = milliseconds
    }

    /// Parses the short form or ISO 8601; throws a sentence naming the offending text.
    public init(parsing text: String) throws(ScheduleValueError) {
        let trimmed = Substring(text).trimmingSpaces()
        guard !trimmed.isEmpty else {
            throw ScheduleValueError("The duration is empty; write it like 30s, 15m, 1h30m, 1d or PT5M.")
        }
        if trimmed.first == "P" || trimmed.first == "p" {
            self = try ScheduleDuration.parseISO(trimmed, original: text)
        } else {
            self = try ScheduleDuration.parseShort(trimmed, original: text)
        }
    }

    /// Whether any calendar part (days, weeks, months, years) is present.
    public var hasCalendarPart: Bool { months != 0 || days != 0 }

    /// The length in milliseconds counting a day as exactly 24 hours; nil when the duration
    /// has months or years, which have no fixed length, or when it overflows.
    public var fixedMilliseconds: Int64? {
        guard months == 0 else { return nil }
        let (dayMillis, o1) = days.multipliedReportingOverflow(by: 86_400_000)
        let (total, o2) = dayMillis.addingReportingOverflow(milliseconds)
        return o1 || o2 ? nil : total
    }

    /// The short form, e.g. `1y2mo`, `1h30m`, `250ms`, `0s`.
    public var description: String {
        var out = ""
        if months / 12 != 0 { out += "\(months / 12)y" }
        if months % 12 != 0 { out += "\(months % 12)mo" }
        if days != 0 { out += days % 7 == 0 ? "\(days / 7)w" : "\(days)d" }
        var ms = milliseconds
        for (unit, size) in [("h", Int64(3_600_000)), ("m", 60_000), ("s", 1000)] where ms / size != 0 {
            out += "\(ms / size)\(unit)"
            ms %= size
        }
        if ms != 0 { out += "\(ms)ms" }
        return out.isEmpty ? "0s" : out
    }

    // MARK: - Parsing

    private enum Unit: Int, CaseIterable {
        case year, month, week, day, hour, minute, second, millisecond

        var name: String {
            ["years", "months", "weeks", "days", "hours", "minutes", "seconds", "milliseconds"][rawValue]
        }
    }

    private static func parseShort(_ text: Substring, original: String) throws(ScheduleValueError) -> ScheduleDuration {
        let units: [(String, Unit)] = [
            ("ms", .millisecond), ("mo", .month), ("y", .year), ("w", .week), ("d", .day),
            ("h", .hour), ("m", .minute), ("s", .second),
        ]
        var result = ScheduleDuration()
        var lastUnit: Unit?
        var rest = text
        while !rest.isEmpty {
            let digits = rest.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty else {
                throw ScheduleValueError(
                    "The duration '\(original)' has '\(rest)' where a number was expected; write it like 30s, 15m, 1h30m, 2w or PT5M.")
            }
            rest = rest.dropFirst(digits.count)
            guard let (symbol, unit) = units.first(where: { rest.hasPrefix($0.0) }) else {
                let found = rest.isEmpty ? "nothing" : "'\(rest.prefix(while: { !($0.isASCII && $0.isNumber) }))'"
                throw ScheduleValueError(
                    "The duration '\(original)' has \(found) after \(digits) where a unit was expected; units are ms, s, m, h, d, w, mo, y (lowercase).")
            }
            rest = rest.dropFirst(symbol.count)
            if let last = lastUnit, unit.rawValue <= last.rawValue {
                throw ScheduleValueError(
                    "The duration '\(original)' repeats or misorders \(unit.name); write each unit once, largest first (e.g. 1h30m).")
            }
            lastUnit = unit
            guard let value = Int64(digits) else {
                throw ScheduleValueError("The duration '\(original)' has a number too large: \(digits).")
            }
            try result.add(value, unit, original: original)
        }
        return result
    }

    private static func parseISO(_ text: Substring, original: String) throws(ScheduleValueError) -> ScheduleDuration {
        let upper = text.uppercased()
        var rest = Substring(upper).dropFirst()
        var inTime = false
        var result = ScheduleDuration()
        var lastUnit: Unit?
        var sawPart = false
        let hint = "write ISO 8601 durations like PT5M, PT1H30M, P1D, P2W or P1Y2M"
        while !rest.isEmpty {
            if rest.first == "T" {
                guard !inTime else { throw ScheduleValueError("The duration '\(original)' has a second 'T'; \(hint).") }
                inTime = true
                rest = rest.dropFirst()
                guard !rest.isEmpty else {
                    throw ScheduleValueError("The duration '\(original)' ends with 'T' but has no time part after it; \(hint).")
                }
                continue
            }
            let number = rest.prefix(while: { ($0.isASCII && $0.isNumber) || $0 == "." || $0 == "," })
            guard !number.isEmpty else {
                throw ScheduleValueError("The duration '\(original)' has '\(rest)' where a number was expected; \(hint).")
            }
            rest = rest.dropFirst(number.count)
            guard let designator = rest.first else {
                throw ScheduleValueError("The duration '\(original)' ends with the number \(number) but no unit letter; \(hint).")
            }
            rest = rest.dropFirst()
            let unit: Unit
            switch (designator, inTime) {
            case ("Y", false): unit = .year
            case ("M", false): unit = .month
            case ("W", false): unit = .week
            case ("D", false): unit = .day
            case ("H", true): unit = .hour
            case ("M", true): unit = .minute
            case ("S", true): unit = .second
            default:
                let place = inTime ? "after 'T'" : "before 'T'"
                throw ScheduleValueError("The duration '\(original)' has unit '\(designator)' \(place), where it is not allowed; \(hint).")
            }
            if let last = lastUnit, unit.rawValue <= last.rawValue {
                throw ScheduleValueError("The duration '\(original)' repeats or misorders \(unit.name); \(hint).")
            }
            lastUnit = unit
            sawPart = true
            let pieces = number.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "." || $0 == "," })
            if pieces.count == 2, unit == .second {
                let fraction = pieces[1]
                guard !pieces[0].isEmpty, !fraction.isEmpty, fraction.count <= 3,
                    let whole = Int64(pieces[0]), let frac = Int64(fraction)
                else {
                    throw ScheduleValueError(
                        "The duration '\(original)' has seconds '\(number)'; fractions need digits on both sides and at most 3 decimals.")
                }
                let scale: Int64 = fraction.count == 1 ? 100 : fraction.count == 2 ? 10 : 1
                try result.add(whole, .second, original: original)
                result.milliseconds += frac * scale
            } else {
                guard pieces.count == 1, let value = Int64(number) else {
                    throw ScheduleValueError(
                        "The duration '\(original)' has '\(number)' for \(unit.name); only seconds may have a fraction, and numbers must fit 64 bits.")
                }
                try result.add(value, unit, original: original)
            }
        }
        guard sawPart else { throw ScheduleValueError("The duration '\(original)' has no parts after 'P'; \(hint).") }
        return result
    }

    private mutating func add(_ value: Int64, _ unit: Unit, original: String) throws(ScheduleValueError) {
        func scaled(_ factor: Int64) throws(ScheduleValueError) -> Int64 {
            let (product, overflow) = value.multipliedReportingOverflow(by: factor)
            guard !overflow, product < Int64.max / 4 else {
                throw ScheduleValueError("The duration '\(original)' is too large: \(value) \(unit.name).")
            }
            return product
        }
        switch unit {
        case .year: months += try scaled(12)
        case .month: months += try scaled(1)
        case .week: days += try scaled(7)
        case .day: days += try scaled(1)
        case .hour: milliseconds += try scaled(3_600_000)
        case .minute: milliseconds += try scaled(60_000)
        case .second: milliseconds += try scaled(1000)
        case .millisecond: milliseconds += try scaled(1)
        }
        guard milliseconds < Int64.max / 4 else {
            throw ScheduleValueError("The duration '\(original)' is too large.")
        }
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var s = self
        while let first = s.first, first.isWhitespace { s = s.dropFirst() }
        while let last = s.last, last.isWhitespace { s = s.dropLast() }
        return s
    }
}
