/// A proleptic Gregorian calendar date with no time zone, plus the arithmetic on it.
///
/// Conversions use Howard Hinnant's days-from-civil algorithms, so they are exact for
/// every year an `Int` can hold and need no lookup tables.
public struct GregorianDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The year, e.g. 2026.
    public var year: Int
    /// The month, 1 (January) through 12 (December).
    public var month: Int
    /// The day of the month, 1 through 31.
    public var day: Int

    /// A date from its parts; the caller guarantees they name a real day.
    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date that lies `daysSinceEpoch` days after 1970-01-01 (negative: before).
    public init(daysSinceEpoch: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d)
    }

    /// Days since 1970-01-01 (negative before it).
    public var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Day of the week: 0 = Sunday, 1 = Monday, ... 6 = Saturday.
    public var weekday: Int { GregorianDate.weekday(daysSinceEpoch: daysSinceEpoch) }

    /// Day of the week of a day number: 0 = Sunday ... 6 = Saturday.
    public static func weekday(daysSinceEpoch days: Int) -> Int {
        // 1970-01-01 was a Thursday (4).
        let w = (days + 4) % 7
        return w < 0 ? w + 7 : w
    }

    /// Whether `year` is a Gregorian leap year.
    public static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// The number of days in `month` (1-12) of `year`.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// This date moved by `months` calendar months, the day clamped to the end of the
    /// target month (Jan 31 + 1 month = Feb 28 or 29).
    public func addingMonths(_ months: Int) -> GregorianDate {
        let zeroBased = year * 12 + (month - 1) + months
        let newYear = zeroBased >= 0 ? zeroBased / 12 : (zeroBased - 11) / 12
        let newMonth = zeroBased - newYear * 12 + 1
        let newDay = min(day, GregorianDate.daysInMonth(year: newYear, month: newMonth))
        return GregorianDate(year: newYear, month: newMonth, day: newDay)
    }

    /// Whether the parts name a real Gregorian day.
    public var isValid: Bool {
        month >= 1 && month <= 12 && day >= 1 && day <= GregorianDate.daysInMonth(year: year, month: month)
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        "\(GregorianDate.pad(year, 4))-\(GregorianDate.pad(month, 2))-\(GregorianDate.pad(day, 2))"
    }

    /// Orders dates chronologically.
    public static func < (lhs: GregorianDate, rhs: GregorianDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(abs(value))
        let padded = String(repeating: "0", count: max(0, width - digits.count)) + digits
        return value < 0 ? "-" + padded : padded
    }
}
