import ScheduleModel

/// How an HTTP answer counts (wire contract: 2xx success; 408, 429, 5xx retried; other statuses permanent failures).
public enum ResponseClass: Sendable, Equatable {
    /// A 2xx answer: the firing is delivered.
    case success
    /// 408, 429 or 5xx: worth another attempt after a delay.
    case retryable
    /// Any other status (1xx, 3xx, other 4xx, or outside 100-599): retrying will not help.
    case permanent

    /// The class of `status`: 200-299 success; 408, 429 and 500-599 retryable; everything else permanent.
    public init(status: Int) {
        switch status {
        case 200...299: self = .success
        case 408, 429, 500...599: self = .retryable
        default: self = .permanent
        }
    }
}

/// Exponential backoff with equal jitter, capped; Retry-After honoured.
///
/// After failed attempt `n` the ceiling is `min(cap, base * 2^(n-1))` and the delay is drawn uniformly from
/// `[ceiling/2, ceiling]`, so consecutive delays grow and are never zero. Values below 1 ms in `baseMillis` or
/// `capMillis` are treated as 1 ms, so a misconfiguration cannot produce a busy retry loop.
public struct RetryPolicy: Sendable, Hashable {
    /// The first retry delay's ceiling in milliseconds (`kairos-retry-backoff` / `KAIROS_HTTP_RETRY_BACKOFF_MS`).
    public var baseMillis: Int64
    /// The ceiling of the exponential term in milliseconds (`KAIROS_HTTP_RETRY_BACKOFF_MAX_MS`); wins over
    /// `baseMillis` when smaller.
    public var capMillis: Int64

    /// The longest a server's Retry-After can stretch a delay when `capMillis` is smaller: one day.
    public static let retryAfterLimitMillis: Int64 = 86_400_000

    /// A policy from its two settings, stored as given.
    public init(baseMillis: Int64, capMillis: Int64) {
        self.baseMillis = baseMillis
        self.capMillis = capMillis
    }

    /// The ceiling of the delay after failed attempt number `attempt` (1-based): `min(cap, base * 2^(attempt-1))`,
    /// overflow-safe for any `attempt`; attempts below 1 count as 1. Always at least 1.
    public func ceiling(afterAttempt attempt: Int) -> Int64 {
        let base = max(1, baseMillis)
        let cap = max(1, capMillis)
        let doublings = max(0, attempt - 1)
        // base * 2^doublings stays within cap exactly when base <= cap >> doublings.
        guard doublings < Int64.bitWidth - 1, base <= cap >> Int64(doublings) else {
            return cap
        }
        return base << Int64(doublings)
    }

    /// The delay in milliseconds before the next attempt after failed attempt `attempt`.
    ///
    /// Uniformly random in `[ceiling/2, ceiling]` (rounded up at the low end, so never zero). When the server
    /// sent Retry-After (`retryAfterMillis`, negative values ignored) the result is the larger of that and the
    /// jittered delay, but never more than `max(capMillis, 86_400_000)`.
    public func delay(
        afterAttempt attempt: Int, retryAfterMillis: Int64?, using generator: inout some RandomNumberGenerator
    ) -> Int64 {
        let ceiling = ceiling(afterAttempt: attempt)
        let jittered = Int64.random(in: (ceiling - ceiling / 2)...ceiling, using: &generator)
        guard let retryAfterMillis, retryAfterMillis > jittered else {
            return jittered
        }
        return min(retryAfterMillis, max(capMillis, RetryPolicy.retryAfterLimitMillis))
    }

    /// Parses a Retry-After value relative to `nowMillis` (epoch ms): delta-seconds (`"120"`) or an HTTP-date in
    /// IMF-fixdate (`"Wed, 21 Oct 2015 07:28:00 GMT"`), RFC 850 (`"Wednesday, 21-Oct-15 07:28:00 GMT"`) or
    /// asctime (`"Wed Oct 21 07:28:00 2015"`) form.
    ///
    /// Surrounding whitespace is ignored; names of days and months are matched case-insensitively; the weekday
    /// must be a real day name but need not agree with the date. A two-digit RFC 850 year is read as the most
    /// recent year with those digits that is not more than 50 years after `nowMillis`. Returns nil when the text
    /// is unreadable or negative; a date in the past gives 0; delta-seconds too large for `Int64` milliseconds
    /// give `Int64.max`.
    public static func retryAfterMillis(_ value: String, nowMillis: Int64) -> Int64? {
        let text = value.trimmingOptionalWhitespace()
        guard !text.isEmpty else {
            return nil
        }
        if text.utf8.allSatisfy(RetryAfterDateParser.isDigit) {
            return deltaSecondsMillis(text)
        }
        var parser = RetryAfterDateParser(text: text, nowMillis: nowMillis)
        guard let dateMillis = parser.parse() else {
            return nil
        }
        let (difference, overflow) = dateMillis.subtractingReportingOverflow(nowMillis)
        if overflow {
            return dateMillis > nowMillis ? Int64.max : 0
        }
        return max(0, difference)
    }

    /// Decimal seconds as milliseconds, saturating at `Int64.max`.
    private static func deltaSecondsMillis(_ digits: Substring) -> Int64 {
        var millis: Int64 = 0
        for byte in digits.utf8 {
            let (times10, overflow1) = millis.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")) * 1_000)
            guard !overflow1, !overflow2 else {
                return Int64.max
            }
            millis = sum
        }
        return millis
    }
}

/// A hand-written reader of the three HTTP-date forms of RFC 9110 section 5.6.7; exact and free of locale state.
private struct RetryAfterDateParser {
    private var rest: Substring.UTF8View
    private let nowMillis: Int64

    init(text: Substring, nowMillis: Int64) {
        self.rest = text.utf8
        self.nowMillis = nowMillis
    }

    static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
    static let longDayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
    static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    static func isDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
    }

    /// Epoch milliseconds of the date, nil when the text is not exactly one of the three forms.
    mutating func parse() -> Int64? {
        let dayName = letters().lowercased()
        if RetryAfterDateParser.dayNames.contains(dayName) {
            if take(",") {
                return imfFixdate()
            }
            return asctime()
        }
        if RetryAfterDateParser.longDayNames.contains(dayName), take(",") {
            return rfc850()
        }
        return nil
    }

    /// `SP DD SP Mon SP YYYY SP hh:mm:ss SP GMT`, after `Day,`.
    private mutating func imfFixdate() -> Int64? {
        guard take(" "), let day = number(digits: 2), take(" "), let month = month(), take(" "),
            let year = number(digits: 4), take(" "), let time = timeOfDay(), take(" GMT"), rest.isEmpty
        else {
            return nil
        }
        return RetryAfterDateParser.epochMillis(year: year, month: month, day: day, time: time)
    }

    /// `SP DD-Mon-YY SP hh:mm:ss SP GMT`, after `Weekday,`.
    private mutating func rfc850() -> Int64? {
        guard take(" "), let day = number(digits: 2), take("-"), let month = month(), take("-"),
            let twoDigitYear = number(digits: 2), take(" "), let time = timeOfDay(), take(" GMT"), rest.isEmpty
        else {
            return nil
        }
        let nowYear = GregorianDate(daysSinceEpoch: Int(RetryAfterDateParser.floorDivide(nowMillis, 86_400_000))).year
        var year = nowYear - RetryAfterDateParser.positiveModulo(nowYear, 100) + twoDigitYear
        if year > nowYear + 50 {
            year -= 100
        }
        return RetryAfterDateParser.epochMillis(year: year, month: month, day: day, time: time)
    }

    /// `SP Mon SP (DD | SP D) SP hh:mm:ss SP YYYY`, after `Day`.
    private mutating func asctime() -> Int64? {
        guard take(" "), let month = month(), take(" ") else {
            return nil
        }
        let paddedDay = take(" ") ? number(digits: 1) : number(digits: 2)
        guard let day = paddedDay else {
            return nil
        }
        guard take(" "), let time = timeOfDay(), take(" "), let year = number(digits: 4), rest.isEmpty else {
            return nil
        }
        return RetryAfterDateParser.epochMillis(year: year, month: month, day: day, time: time)
    }

    /// `hh:mm:ss` as seconds into the day; a leap second (60) is accepted and counts as 59.
    private mutating func timeOfDay() -> Int? {
        guard let hour = number(digits: 2), take(":"), let minute = number(digits: 2), take(":"),
            let second = number(digits: 2), hour <= 23, minute <= 59, second <= 60
        else {
            return nil
        }
        return hour * 3_600 + minute * 60 + min(second, 59)
    }

    /// A three-letter month name as 1-12.
    private mutating func month() -> Int? {
        let name = letters().lowercased()
        guard name.count == 3, let index = RetryAfterDateParser.monthNames.firstIndex(of: name) else {
            return nil
        }
        return index + 1
    }

    /// Exactly `digits` ASCII digits as a number.
    private mutating func number(digits: Int) -> Int? {
        let prefix = rest.prefix(digits)
        guard prefix.count == digits, prefix.allSatisfy(RetryAfterDateParser.isDigit) else {
            return nil
        }
        rest = rest.dropFirst(digits)
        return prefix.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }

    /// The run of ASCII letters at the front, consumed.
    private mutating func letters() -> String {
        let run = rest.prefix(while: RetryAfterDateParser.isLetter)
        rest = rest.dropFirst(run.count)
        return String(decoding: run, as: UTF8.self)
    }

    /// Consumes `literal` when the text continues with it exactly.
    private mutating func take(_ literal: String) -> Bool {
        guard rest.starts(with: literal.utf8) else {
            return false
        }
        rest = rest.dropFirst(literal.utf8.count)
        return true
    }

    private static func epochMillis(year: Int, month: Int, day: Int, time seconds: Int) -> Int64? {
        guard (1...GregorianDate.daysInMonth(year: year, month: month)).contains(day) else {
            return nil
        }
        let days = GregorianDate(year: year, month: month, day: day).daysSinceEpoch
        return (Int64(days) * 86_400 + Int64(seconds)) * 1_000
    }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }

    static func positiveModulo(_ value: Int, _ divisor: Int) -> Int {
        let remainder = value % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }
}

extension String {
    /// The text without leading and trailing spaces and tabs (HTTP optional whitespace).
    fileprivate func trimmingOptionalWhitespace() -> Substring {
        let isWhitespace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isWhitespace($0) }), let last = lastIndex(where: { !isWhitespace($0) })
        else {
            return ""
        }
        return self[first...last]
    }
}
