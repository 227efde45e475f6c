/// A parsed cron expression and its next-occurrence arithmetic in any ``TimeZoneRules``.
///
/// Syntax (case-insensitive names, fields separated by whitespace):
/// - 5 fields `minute hour day-of-month month day-of-week`; 6 fields put `second` first;
///   7 fields add a trailing `year` (1970-2299).
/// - Each field is a comma list of `*`, `N`, `A-B`, `*/S`, `A-B/S`, `N/S` (N to the field's
///   maximum). Months `JAN`-`DEC`, weekdays `SUN`-`SAT`; day-of-week 0 and 7 are Sunday,
///   and a range ending on Sunday ends on 7 (`MON-SUN`, `5-0`). Ranges do not wrap: `FRI-MON`
///   is refused with the list to write instead (`FRI-SAT,SUN-MON`).
/// - `?` means "any" in day-of-month and day-of-week.
/// - Day-of-month: `L` (last day), `L-N` (N days before the last), `NW` (weekday nearest
///   day N, never leaving the month), `L-NW` (weekday nearest the day `L-N`), `LW` (last
///   weekday of the month).
/// - Day-of-week: `NL` (last weekday N of the month, e.g. `5L` = last Friday), `N#K`
///   (K-th weekday N, K 1-5, e.g. `MON#2`).
/// - Day-of-week numbers as Unix cron gives them (the default), or 1-7 from Sunday in the
///   Quartz dialect (``CronDialect``).
/// - Macros `@yearly` `@annually` `@monthly` `@weekly` `@daily` `@midnight` `@hourly`.
/// - When day-of-month and day-of-week are both restricted (neither starts with `*` nor is
///   `?`), a day matches if EITHER matches (Vixie cron); otherwise both must match.
///
/// Occurrences are wall-clock readings in the zone, in one of two ways (the contract's time
/// rules):
/// - a **wall-clock appointment** (a fixed hour field: `30 2 * * *`, `0 9,17 * * *`): a
///   reading inside a DST gap fires at the instant the gap ends (once, however many readings
///   fell in the gap); a reading that occurs twice fires at its first instant only;
/// - an **interval-like** expression (`*` or a step in the hour field: `*/15 * * * *`,
///   `0 * * * *`, `0 */2 * * *`) follows elapsed time: it fires at every instant whose
///   reading matches, so nothing fires for the readings a gap removes and a repeated hour
///   fires in both passes.
///
/// An expression whose day-of-month can never occur in its months (`0 0 30 2 *`) is
/// refused by the parser; one that has no occurrence left (a past year) makes
/// ``nextOccurrence(after:in:)`` return nil after a bounded search (at most 400 years).
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The expression as written.
    public let text: String
    /// How the expression is read (day-of-week numbers, fields).
    public let dialect: CronDialect
    /// Whether the expression had a seconds field (6 or 7 fields).
    public let hasSeconds: Bool
    /// Whether it is interval-like (`*` or a step in the hour field) and so follows elapsed time through DST
    /// changes, rather than being a wall-clock appointment.
    public let followsElapsedTime: Bool

    let seconds: UInt64
    let minutes: UInt64
    let hours: UInt32
    /// Bits 1-31.
    let daysOfMonth: UInt32
    /// Bit k: `L-k` (k = 0 is `L`).
    let lastDayOffsets: UInt32
    /// Bit n: `nW`.
    let nearestWeekdayDays: UInt32
    /// Bit k: `L-kW` (the weekday nearest to k days before the last day).
    let nearestWeekdayBeforeLast: UInt32
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

    /// Parses `text` in `dialect`; throws a ``CronParseError`` naming the field and token at fault.
    public init(parsing text: String, dialect: CronDialect = .unix) throws(CronParseError) {
        self.text = text
        self.dialect = dialect
        var fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map { String($0).uppercased() }
        let isMacro = fields.count == 1 && fields[0].hasPrefix("@")
        if isMacro, let macro = fields.first {
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
        // The Quartz item each day-of-week item was translated from, to name it in an error.
        var quartzDays: [String: String] = [:]
        if dialect == .quartz && !isMacro {
            guard fields.count >= 6 else {
                throw CronParseError(
                    field: nil, token: text,
                    problem: "has \(fields.count) fields; the Quartz dialect has 6 (second minute hour day-of-month month day-of-week) or 7 (year last)")
            }
            let (dom, dow) = (fields[3], fields[5])
            guard dom.hasPrefix("*") || dom == "?" || dow.hasPrefix("*") || dow == "?" else {
                throw CronParseError(
                    field: .dayOfWeek, token: dow,
                    problem: "is set with day-of-month '\(dom)'; in the Quartz dialect one of them is '?'")
            }
            (fields[5], quartzDays) = try CronDialect.unixDayOfWeek(quartz: dow)
        }
        hasSeconds = fields.count >= 6
        let offset = hasSeconds ? 1 : 0
        seconds = hasSeconds ? try CronExpression.parsePlain(fields[0], .second) : 1
        minutes = try CronExpression.parsePlain(fields[offset], .minute)
        hours = UInt32(truncatingIfNeeded: try CronExpression.parsePlain(fields[offset + 1], .hour))
        followsElapsedTime = fields[offset + 1].hasPrefix("*") || fields[offset + 1].contains("/")
        months = UInt16(truncatingIfNeeded: try CronExpression.parsePlain(fields[offset + 3], .month))
        let dom = try CronExpression.parseDayOfMonth(fields[offset + 2])
        daysOfMonth = dom.plain
        lastDayOffsets = dom.lastOffsets
        nearestWeekdayDays = dom.nearestWeekdays
        nearestWeekdayBeforeLast = dom.nearestWeekdaysBeforeLast
        lastWeekdayOfMonth = dom.lastWeekday
        let dow: (plain: UInt8, last: UInt8, nth: UInt64)
        do {
            dow = try CronExpression.parseDayOfWeek(fields[offset + 4])
        } catch {
            throw CronParseError(field: error.field, token: quartzDays[error.token] ?? error.token, problem: error.problem)
        }
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
        if followsElapsedTime {
            return nextElapsedOccurrence(afterSeconds: t, in: zone).map { $0 * 1000 }
        }
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

    /// The first instant (seconds) after `t` whose reading in `zone` matches: searched one span of constant UTC
    /// offset at a time, each span's readings in order.
    func nextElapsedOccurrence(afterSeconds t: Int64, in zone: TimeZoneRules) -> Int64? {
        var from = t + 1
        let startYear = LocalDateTime(localSeconds: from).date.year
        let horizon = min(startYear + CronExpression.searchHorizonYears, years == nil ? Int.max : CronExpression.lastYear)
        // Two spans a year in a zone with DST: enough for the horizon.
        for _ in 0..<(4 * CronExpression.searchHorizonYears + 8) {
            let offset = Int64(zone.offset(atSeconds: from))
            let spanEnd = zone.nextTransition(afterSeconds: from)
            guard let wall = nextMatch(atOrAfter: from + offset, lastYear: horizon) else { return nil }
            let instant = wall - offset
            guard let end = spanEnd, instant >= end else { return instant }
            from = end
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
        /// The weekday nearest to day `n`, never leaving the month.
        func nearestWeekday(_ n: Int) -> Int {
            let weekday = (firstWeekday + n - 1) % 7
            if weekday == 6 { return n > 1 ? n - 1 : n + 2 }
            if weekday == 0 { return n < length ? n + 1 : n - 2 }
            return n
        }
        var wanted = nearestWeekdayDays
        while wanted != 0 {
            let n = wanted.trailingZeroBitCount
            wanted &= wanted - 1
            if n <= length { dom |= 1 << UInt32(nearestWeekday(n)) }
        }
        var beforeLast = nearestWeekdayBeforeLast
        while beforeLast != 0 {
            let k = beforeLast.trailingZeroBitCount
            beforeLast &= beforeLast - 1
            if length - k >= 1 { dom |= 1 << UInt32(nearestWeekday(length - k)) }
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
}
