/// A parsed cron expression and its next-occurrence arithmetic in any ``TimeZoneRules``.
///
/// Syntax (case-insensitive names, fields separated by whitespace):
/// - 5 fields `minute hour day-of-month month day-of-week`; 6 fields put `second` first;
///   7 fields add a trailing `year` (1970-2299).
/// - Each field is a comma list of `*`, `N`, `A-B`, `*/S`, `A-B/S`, `N/S` (N to the field's
///   maximum). Months `JAN`-`DEC`, weekdays `SUN`-`SAT`; day-of-week 0 and 7 are Sunday.
/// - `?` means "any" in day-of-month and day-of-week.
/// - Day-of-month: `L` (last day), `L-N` (N days before the last), `NW` (weekday nearest
///   day N, never leaving the month), `LW` (last weekday of the month).
/// - Day-of-week: `NL` (last weekday N of the month, e.g. `5L` = last Friday), `N#K`
///   (K-th weekday N, K 1-5, e.g. `MON#2`).
/// - Macros `@yearly` `@annually` `@monthly` `@weekly` `@daily` `@midnight` `@hourly`.
/// - When day-of-month and day-of-week are both restricted (neither starts with `*` nor is
///   `?`), a day matches if EITHER matches (Vixie cron); otherwise both must match.
///
/// Occurrences are wall-clock readings in the zone. A reading inside a DST gap fires at
/// the instant the gap ends (once, however many readings fell in the gap); a reading that
/// occurs twice fires at its first instant only.
///
/// An expression whose day-of-month can never occur in its months (`0 0 30 2 *`) is
/// refused by the parser; one that has no occurrence left (a past year) makes
/// ``nextOccurrence(after:in:)`` return nil after a bounded search (at most 400 years).
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The expression as written.
    public let text: String
    /// Whether the expression had a seconds field (6 or 7 fields).
    public let hasSeconds: Bool

    let seconds: UInt64
    let minutes: UInt64
    let hours: UInt32
    /// Bits 1-31.
    let daysOfMonth: UInt32
    /// Bit k: `L-k` (k = 0 is `L`).
    let lastDayOffsets: UInt32
    /// Bit n: `nW`.
    let nearestWeekdayDays: UInt32
    let lastWeekdayOfMonth: Bool
    /// Bits 1-12.
    let months: UInt16
    /// Bits 0-6 (Sunday = 0).
    let daysOfWeek: UInt8
    /// Bit d: `dL`.
    let lastDaysOfWeek: UInt8
    /// Bit (k-1)*7+d: `d#k`.
    let nthDaysOfWeek: UInt64
    /// Bit (year - firstYear), nil when any year.
    let years: [UInt64]?
    /// Day-of-month and day-of-week combine with AND (one of them starts with `*` or is `?`).
    let daysCombineWithAnd: Bool

    static let firstYear = 1970
    static let lastYear = 2299
    /// The longest stretch searched for a match before giving up.
    public static let searchHorizonYears = 400

    /// Parses `text`; throws a ``CronParseError`` naming the field and token at fault.
    public init(parsing text: String) throws(CronParseError) {
        self.text = text
        var fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map { String($0).uppercased() }
        if fields.count == 1, let macro = fields.first, macro.hasPrefix("@") {
            switch macro {
            case "@YEARLY", "@ANNUALLY": fields = ["0", "0", "1", "1", "*"]
            case "@MONTHLY": fields = ["0", "0", "1", "*", "*"]
            case "@WEEKLY": fields = ["0", "0", "*", "*", "0"]
            case "@DAILY", "@MIDNIGHT": fields = ["0", "0", "*", "*", "*"]
            case "@HOURLY": fields = ["0", "*", "*", "*", "*"]
            default:
                throw CronParseError(
                    field: nil, token: text,
                    problem: "is not a supported macro; use @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly")
            }
        }
        guard (5...7).contains(fields.count) else {
            throw CronParseError(
                field: nil, token: text,
                problem: "has \(fields.count) fields; expected 5 (minute hour day-of-month month day-of-week), 6 (second first) or 7 (second first, year last)")
        }
        hasSeconds = fields.count >= 6
        let offset = hasSeconds ? 1 : 0
        seconds = hasSeconds ? try CronExpression.parsePlain(fields[0], .second) : 1
        minutes = try CronExpression.parsePlain(fields[offset], .minute)
        hours = UInt32(truncatingIfNeeded: try CronExpression.parsePlain(fields[offset + 1], .hour))
        months = UInt16(truncatingIfNeeded: try CronExpression.parsePlain(fields[offset + 3], .month))
        let dom = try CronExpression.parseDayOfMonth(fields[offset + 2])
        daysOfMonth = dom.plain
        lastDayOffsets = dom.lastOffsets
        nearestWeekdayDays = dom.nearestWeekdays
        lastWeekdayOfMonth = dom.lastWeekday
        let dow = try CronExpression.parseDayOfWeek(fields[offset + 4])
        daysOfWeek = dow.plain
        lastDaysOfWeek = dow.last
        nthDaysOfWeek = dow.nth
        if fields.count == 7 {
            var words = [UInt64](repeating: 0, count: (CronExpression.lastYear - CronExpression.firstYear) / 64 + 1)
            let bits = try CronExpression.parseValues(fields[6], .year)
            for year in bits { words[(year - CronExpression.firstYear) / 64] |= 1 << UInt64((year - CronExpression.firstYear) % 64) }
            years = words
        } else {
            years = nil
        }
        let domField = fields[offset + 2]
        let dowField = fields[offset + 4]
        daysCombineWithAnd = domField.hasPrefix("*") || domField == "?" || dowField.hasPrefix("*") || dowField == "?"
        try checkDaysCanOccur(domField: domField)
    }

    /// The expression as written.
    public var description: String { text }

    /// The first instant strictly after `instant` at which the expression fires in `zone`,
    /// or nil when there is none within ``searchHorizonYears`` years (or the year field is
    /// exhausted). Milliseconds of `instant` are honoured: occurrences are whole seconds.
    public func nextOccurrence(after instant: EpochMillis, in zone: TimeZoneRules) -> EpochMillis? {
        let t = TimeZoneRules.floorSeconds(instant)
        var from = zone.latestWallClock(notAfterSeconds: t) + 1
        let startYear = LocalDateTime(localSeconds: from).date.year
        let horizon = min(startYear + CronExpression.searchHorizonYears, years == nil ? Int.max : CronExpression.lastYear)
        // Normally the first match resolves after `t`; the loop only guards odd zone data.
        for _ in 0..<10_000 {
            guard let wall = nextMatch(atOrAfter: from, lastYear: horizon) else { return nil }
            let resolved = zone.resolve(localSeconds: wall)
            if resolved.first > t { return resolved.first * 1000 }
            from = wall + 1
        }
        return nil
    }

    /// Like ``nextOccurrence(after:in:)`` but throws a sentence when there is no occurrence,
    /// for refusing a schedule that would never fire.
    public func requireNextOccurrence(after instant: EpochMillis, in zone: TimeZoneRules) throws(ScheduleValueError) -> EpochMillis {
        guard let next = nextOccurrence(after: instant, in: zone) else {
            throw ScheduleValueError(
                "The cron expression '\(text)' never fires after \(TimestampFormat.format(instant)) in \(zone.identifier) (searched \(CronExpression.searchHorizonYears) years).")
        }
        return next
    }

    /// Whether the wall-clock reading `local` matches every field.
    public func matches(_ local: LocalDateTime) -> Bool {
        guard yearAllowed(local.date.year), months & (1 << UInt16(local.date.month)) != 0,
            matchingDays(year: local.date.year, month: local.date.month) & (1 << UInt32(local.date.day)) != 0,
            hours & (1 << UInt32(local.hour)) != 0, minutes & (1 << UInt64(local.minute)) != 0,
            seconds & (1 << UInt64(local.second)) != 0
        else { return false }
        return true
    }

    // MARK: - Search

    /// The first matching wall-clock second at or after `local`, or nil past `lastYear`.
    func nextMatch(atOrAfter local: Int64, lastYear: Int) -> Int64? {
        var days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        var secondOfDay = Int(local - days * 86_400)
        var date = GregorianDate(daysSinceEpoch: Int(days))
        var year = date.year
        var month = date.month
        var day = date.day
        var startOfDayReset = false
        while true {
            if startOfDayReset {
                startOfDayReset = false
                secondOfDay = 0
            }
            guard year <= lastYear else { return nil }
            if !yearAllowed(year) {
                guard let next = nextAllowedYear(after: year), next <= lastYear else { return nil }
                year = next
                month = 1
                day = 1
                secondOfDay = 0
            }
            // Month.
            let monthMask = months & ~UInt16((1 << month) - 1)
            if monthMask == 0 {
                year += 1
                month = 1
                day = 1
                secondOfDay = 0
                continue
            }
            let nextMonth = monthMask.trailingZeroBitCount
            if nextMonth != month {
                month = nextMonth
                day = 1
                secondOfDay = 0
            }
            // Day.
            let dayMask = matchingDays(year: year, month: month) & ~UInt32((1 << day) - 1)
            if dayMask == 0 {
                month += 1
                day = 1
                secondOfDay = 0
                if month > 12 {
                    month = 1
                    year += 1
                }
                continue
            }
            let nextDay = dayMask.trailingZeroBitCount
            if nextDay != day {
                day = nextDay
                secondOfDay = 0
            }
            // Time of day.
            if let time = nextTime(atOrAfter: secondOfDay) {
                date = GregorianDate(year: year, month: month, day: day)
                days = Int64(date.daysSinceEpoch)
                return days * 86_400 + Int64(time)
            }
            day += 1
            startOfDayReset = true
            if day > GregorianDate.daysInMonth(year: year, month: month) {
                day = 1
                month += 1
                if month > 12 {
                    month = 1
                    year += 1
                }
            }
        }
    }

    /// The first matching second-of-day at or after `secondOfDay`, or nil.
    @inline(__always)
    func nextTime(atOrAfter secondOfDay: Int) -> Int? {
        var hour = secondOfDay / 3600
        var minute = secondOfDay / 60 % 60
        var second = secondOfDay % 60
        while hour < 24 {
            let hourMask = hours & ~UInt32((1 << hour) - 1)
            if hourMask == 0 { return nil }
            let nextHour = hourMask.trailingZeroBitCount
            if nextHour != hour {
                hour = nextHour
                minute = 0
                second = 0
            }
            let minuteMask = minutes & ~((UInt64(1) << UInt64(minute)) - 1)
            if minuteMask == 0 {
                hour += 1
                minute = 0
                second = 0
                continue
            }
            let nextMinute = minuteMask.trailingZeroBitCount
            if nextMinute != minute {
                minute = nextMinute
                second = 0
            }
            let secondMask = seconds & ~((UInt64(1) << UInt64(second)) - 1)
            if secondMask == 0 {
                minute += 1
                second = 0
                if minute == 60 {
                    minute = 0
                    hour += 1
                }
                continue
            }
            second = secondMask.trailingZeroBitCount
            return hour * 3600 + minute * 60 + second
        }
        return nil
    }

    /// Bits 1-31: the days of `month` in `year` that match day-of-month/day-of-week.
    func matchingDays(year: Int, month: Int) -> UInt32 {
        let length = GregorianDate.daysInMonth(year: year, month: month)
        let inMonth = UInt32((UInt64(1) << UInt64(length + 1)) - 2)
        var dom = daysOfMonth & inMonth
        if lastDayOffsets != 0 {
            var offsets = lastDayOffsets
            while offsets != 0 {
                let k = offsets.trailingZeroBitCount
                offsets &= offsets - 1
                if length - k >= 1 { dom |= 1 << UInt32(length - k) }
            }
        }
        let firstWeekday = GregorianDate.weekday(daysSinceEpoch: GregorianDate(year: year, month: month, day: 1).daysSinceEpoch)
        if lastWeekdayOfMonth {
            let lastWeekday = (firstWeekday + length - 1) % 7
            let day = lastWeekday == 6 ? length - 1 : lastWeekday == 0 ? length - 2 : length
            dom |= 1 << UInt32(day)
        }
        if nearestWeekdayDays != 0 {
            var wanted = nearestWeekdayDays
            while wanted != 0 {
                let n = wanted.trailingZeroBitCount
                wanted &= wanted - 1
                guard n <= length else { continue }
                let weekday = (firstWeekday + n - 1) % 7
                var day = n
                if weekday == 6 { day = n > 1 ? n - 1 : n + 2 }
                if weekday == 0 { day = n < length ? n + 1 : n - 2 }
                dom |= 1 << UInt32(day)
            }
        }
        var dow: UInt32 = 0
        if daysOfWeek | lastDaysOfWeek != 0 || nthDaysOfWeek != 0 {
            for weekday in 0..<7 {
                // First day of the month falling on `weekday`.
                let first = 1 + (weekday - firstWeekday + 7) % 7
                if daysOfWeek & (1 << UInt8(weekday)) != 0 {
                    dow |= (CronExpression.weeklyPattern << UInt32(first)) & inMonth
                }
                if lastDaysOfWeek & (1 << UInt8(weekday)) != 0 {
                    dow |= 1 << UInt32(first + (length - first) / 7 * 7)
                }
                if nthDaysOfWeek != 0 {
                    for k in 1...5 where nthDaysOfWeek & (1 << UInt64((k - 1) * 7 + weekday)) != 0 {
                        let day = first + (k - 1) * 7
                        if day <= length { dow |= 1 << UInt32(day) }
                    }
                }
            }
        }
        return daysCombineWithAnd ? dom & dow : dom | dow
    }

    /// Bits 0, 7, 14, 21, 28.
    private static let weeklyPattern: UInt32 = 1 | 1 << 7 | 1 << 14 | 1 << 21 | 1 << 28

    func yearAllowed(_ year: Int) -> Bool {
        guard let years else { return true }
        let index = year - CronExpression.firstYear
        guard index >= 0, index <= CronExpression.lastYear - CronExpression.firstYear else { return false }
        return years[index / 64] & (1 << UInt64(index % 64)) != 0
    }

    func nextAllowedYear(after year: Int) -> Int? {
        guard years != nil else { return year + 1 }
        var candidate = max(year + 1, CronExpression.firstYear)
        while candidate <= CronExpression.lastYear {
            if yearAllowed(candidate) { return candidate }
            candidate += 1
        }
        return nil
    }

    // MARK: - Parsing

    /// Rejects a day-of-month that can never occur in any allowed month.
    private func checkDaysCanOccur(domField: String) throws(CronParseError) {
        // With OR semantics the weekday part always matches somewhere; with a wildcard
        // day-of-month the weekday part decides and every weekday occurs in every month.
        guard daysCombineWithAnd, !(domField.hasPrefix("*") || domField == "?") else { return }
        for month in 1...12 where months & (1 << UInt16(month)) != 0 {
            let longest = month == 2 ? 29 : GregorianDate.daysInMonth(year: 2001, month: month)
            let inMonth = UInt32((UInt64(1) << UInt64(longest + 1)) - 2)
            if daysOfMonth & inMonth != 0 || lastWeekdayOfMonth || nearestWeekdayDays & inMonth != 0
                || lastDayOffsets & UInt32((UInt64(1) << UInt64(longest)) - 1) != 0
            {
                return
            }
        }
        throw CronParseError(
            field: .dayOfMonth, token: domField,
            problem: "never occurs in the months allowed by the month field, so the expression can never fire")
    }

    private static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    private static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    /// A single value: a number or (month, day-of-week) a name.
    private static func value(_ token: Substring, _ field: CronField, item: String) throws(CronParseError) -> Int {
        if field == .month, let index = monthNames.firstIndex(of: String(token)) { return index + 1 }
        if field == .dayOfWeek, let index = dayNames.firstIndex(of: String(token)) { return index }
        guard !token.isEmpty, token.allSatisfy({ $0.isASCII && $0.isNumber }), token.count <= 6, let number = Int(token) else {
            let names = field == .month ? " or a month name JAN-DEC" : field == .dayOfWeek ? " or a day name SUN-SAT" : ""
            throw CronParseError(field: field, token: item, problem: "is not a number\(names)")
        }
        guard number >= field.minimum, number <= field.maximum else {
            throw CronParseError(field: field, token: item, problem: "is out of range \(field.minimum)-\(field.maximum)")
        }
        return number
    }

    /// The plain values of a comma list (`*`, `N`, `A-B`, steps); special tokens are refused.
    private static func parseValues(_ text: String, _ field: CronField) throws(CronParseError) -> [Int] {
        var result: [Int] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            result += try parseItem(item, field)
        }
        return result
    }

    private static func parseItem(_ item: Substring, _ field: CronField) throws(CronParseError) -> [Int] {
        let token = String(item)
        guard !item.isEmpty else { throw CronParseError(field: field, token: token, problem: "is empty (check for a stray comma)") }
        var body = item
        var step = 1
        if let slash = item.firstIndex(of: "/") {
            body = item[..<slash]
            let stepText = item[item.index(after: slash)...]
            guard !stepText.isEmpty, stepText.count <= 6, stepText.allSatisfy({ $0.isASCII && $0.isNumber }), let s = Int(stepText) else {
                throw CronParseError(field: field, token: token, problem: "has step '\(stepText)', which is not a number")
            }
            guard s >= 1 else { throw CronParseError(field: field, token: token, problem: "has step 0; steps start at 1") }
            step = s
        }
        let low: Int
        let high: Int
        if body == "*" || (body == "?" && (field == .dayOfMonth || field == .dayOfWeek)) {
            guard body == "*" || step == 1 else { throw CronParseError(field: field, token: token, problem: "puts a step on '?'") }
            low = field.minimum
            high = field == .dayOfWeek ? 6 : field.maximum
            if field == .dayOfWeek && step > 1 {
                return Array(stride(from: 0, through: 7, by: step)).map { $0 % 7 }
            }
        } else if body == "?" {
            throw CronParseError(field: field, token: token, problem: "uses '?', which only day-of-month and day-of-week accept")
        } else if let dash = body.firstIndex(of: "-"), dash != body.startIndex {
            low = try value(body[..<dash], field, item: token)
            high = try value(body[body.index(after: dash)...], field, item: token)
            guard low <= high else {
                throw CronParseError(field: field, token: token, problem: "is a range whose start is after its end")
            }
        } else {
            low = try value(body, field, item: token)
            high = item.contains("/") ? field.maximum : low
        }
        return stride(from: low, through: high, by: step).map { field == .dayOfWeek ? $0 % 7 : $0 }
    }

    private static func parsePlain(_ text: String, _ field: CronField) throws(CronParseError) -> UInt64 {
        var bits: UInt64 = 0
        for value in try parseValues(text, field) { bits |= 1 << UInt64(value) }
        return bits
    }

    private static func parseDayOfMonth(_ text: String) throws(CronParseError) -> (
        plain: UInt32, lastOffsets: UInt32, nearestWeekdays: UInt32, lastWeekday: Bool
    ) {
        var plain: UInt32 = 0
        var lastOffsets: UInt32 = 0
        var nearest: UInt32 = 0
        var lastWeekday = false
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let token = String(item)
            if item == "L" {
                lastOffsets |= 1
            } else if item == "LW" || item == "WL" {
                lastWeekday = true
            } else if item.hasPrefix("L-") {
                let n = item.dropFirst(2)
                guard !n.isEmpty, n.count <= 2, n.allSatisfy({ $0.isASCII && $0.isNumber }), let offset = Int(n), offset <= 30 else {
                    throw CronParseError(field: .dayOfMonth, token: token, problem: "is not 'L-N' with N from 0 to 30")
                }
                lastOffsets |= 1 << UInt32(offset)
            } else if item.hasSuffix("W") {
                let day = try value(item.dropLast(), .dayOfMonth, item: token)
                nearest |= 1 << UInt32(day)
            } else if item.contains("L") || item.contains("W") || item.contains("#") {
                throw CronParseError(
                    field: .dayOfMonth, token: token, problem: "is not valid; day-of-month accepts L, L-N, NW and LW as special values")
            } else {
                for day in try parseItem(item, .dayOfMonth) { plain |= 1 << UInt32(day) }
            }
        }
        return (plain, lastOffsets, nearest, lastWeekday)
    }

    private static func parseDayOfWeek(_ text: String) throws(CronParseError) -> (plain: UInt8, last: UInt8, nth: UInt64) {
        var plain: UInt8 = 0
        var last: UInt8 = 0
        var nth: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let token = String(item)
            if let hash = item.firstIndex(of: "#") {
                let weekday = try value(item[..<hash], .dayOfWeek, item: token) % 7
                let k = item[item.index(after: hash)...]
                guard k.count == 1, let n = Int(k), (1...5).contains(n) else {
                    throw CronParseError(field: .dayOfWeek, token: token, problem: "has '#\(k)'; the week number after '#' must be 1-5")
                }
                nth |= 1 << UInt64((n - 1) * 7 + weekday)
            } else if item.count > 1, item.hasSuffix("L") {
                let weekday = try value(item.dropLast(), .dayOfWeek, item: token) % 7
                last |= 1 << UInt8(weekday)
            } else if item.contains("L") || item.contains("W") && !dayNames.contains(where: { item.contains($0) }) {
                throw CronParseError(
                    field: .dayOfWeek, token: token, problem: "is not valid; day-of-week accepts NL (last weekday N) and N#K as special values")
            } else {
                for weekday in try parseItem(item, .dayOfWeek) { plain |= 1 << UInt8(weekday) }
            }
        }
        return (plain, last, nth)
    }
}
