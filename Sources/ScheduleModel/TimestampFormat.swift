/// Reads and writes the instants of `kairos-at`, `kairos-start` and `kairos-end`.
///
/// Accepted (surrounding whitespace ignored):
/// - RFC 3339: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`, `T` or `t` or a space
///   between date and time, `Z` or `z`. The fraction may have 1-9 digits; digits past
///   milliseconds are dropped (truncated toward the past). Leap second 60 is refused.
/// - An integer number of epoch milliseconds, optionally negative, e.g. `1767225600000`.
public enum TimestampFormat {
    /// The instants Kairos reads: 0000-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z, the years RFC 3339 writes. An
    /// instant in it leaves room for any offset, delay or window to be added without leaving Int64.
    public static let supported: ClosedRange<EpochMillis> = -62_167_219_200_000...253_402_300_799_999

    /// The instant `text` names; throws a sentence saying what was wrong.
    public static func parse(_ text: String) throws(ScheduleValueError) -> EpochMillis {
        let instant = try parseAnyInstant(text)
        guard supported.contains(instant) else {
            throw ScheduleValueError(
                "The timestamp '\(text)' is out of range; instants go from 0000-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z (epoch milliseconds \(supported.lowerBound) to \(supported.upperBound)).")
        }
        return instant
    }

    private static func parseAnyInstant(_ text: String) throws(ScheduleValueError) -> EpochMillis {
        let trimmed = Substring(text).trimmingSpaces()
        guard !trimmed.isEmpty else {
            throw ScheduleValueError(
                "The timestamp is empty; write RFC 3339 like 2026-03-29T02:30:00Z or epoch milliseconds like 1767225600000.")
        }
        let bytes = Array(trimmed.utf8)
        if bytes.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }), bytes.count < 20 || bytes.first == 0x2D {
            guard let value = Int64(trimmed) else {
                throw ScheduleValueError("The timestamp '\(text)' is not a valid integer of epoch milliseconds.")
            }
            return value
        }
        return try parseRFC3339(bytes, original: text)
    }

    /// RFC 3339 in UTC with milliseconds, e.g. `2026-03-29T01:00:00.000Z`.
    public static func format(_ instant: EpochMillis) -> String {
        let seconds = instant >= 0 ? instant / 1000 : (instant - 999) / 1000
        let millis = Int(instant - seconds * 1000)
        return "\(LocalDateTime(localSeconds: seconds)).\(GregorianDate.pad(millis, 3))Z"
    }

    /// RFC 3339 at the local time of `zone`, with its offset, e.g. `2026-11-23T09:00:00.000+01:00`.
    public static func format(_ instant: EpochMillis, in zone: TimeZoneRules) -> String {
        let offset = zone.offsetSeconds(at: instant)
        guard offset != 0 else { return format(instant) }
        let shifted = format(instant + Int64(offset) * 1_000).dropLast()
        let sign = offset < 0 ? "-" : "+"
        let minutes = abs(offset) / 60
        return "\(shifted)\(sign)\(GregorianDate.pad(minutes / 60, 2)):\(GregorianDate.pad(minutes % 60, 2))"
    }

    private static func parseRFC3339(_ b: [UInt8], original: String) throws(ScheduleValueError) -> EpochMillis {
        let shape = "write RFC 3339 like 2026-03-29T02:30:00Z, 2026-03-29T02:30:00.250+02:00, or epoch milliseconds"
        var i = 0
        func digits(_ count: Int, _ what: String) throws(ScheduleValueError) -> Int {
            guard i + count <= b.count else {
                throw ScheduleValueError("The timestamp '\(original)' ends before its \(what); \(shape).")
            }
            var value = 0
            for k in i..<(i + count) {
                guard b[k] >= 0x30, b[k] <= 0x39 else {
                    throw ScheduleValueError("The timestamp '\(original)' has a non-digit where its \(what) should be; \(shape).")
                }
                value = value * 10 + Int(b[k] - 0x30)
            }
            i += count
            return value
        }
        func expect(_ allowed: [UInt8], _ what: String) throws(ScheduleValueError) {
            guard i < b.count, allowed.contains(b[i]) else {
                throw ScheduleValueError("The timestamp '\(original)' is missing \(what); \(shape).")
            }
            i += 1
        }
        let year = try digits(4, "year")
        try expect([0x2D], "the '-' after the year")
        let month = try digits(2, "month")
        try expect([0x2D], "the '-' after the month")
        let day = try digits(2, "day")
        try expect([0x54, 0x74, 0x20], "the 'T' between date and time")
        let hour = try digits(2, "hour")
        try expect([0x3A], "the ':' after the hour")
        let minute = try digits(2, "minute")
        try expect([0x3A], "the ':' after the minute (seconds are required)")
        let second = try digits(2, "second")
        var millis = 0
        if i < b.count, b[i] == 0x2E || b[i] == 0x2C {
            i += 1
            let start = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
            let count = i - start
            guard count >= 1, count <= 9 else {
                throw ScheduleValueError("The timestamp '\(original)' has a fraction of \(count) digits; use 1 to 9 digits after the point.")
            }
            for k in 0..<3 {
                millis = millis * 10 + (k < count ? Int(b[start + k] - 0x30) : 0)
            }
        }
        guard i < b.count else {
            throw ScheduleValueError("The timestamp '\(original)' has no UTC offset; end it with Z or an offset like +02:00.")
        }
        var offsetSeconds = 0
        if b[i] == 0x5A || b[i] == 0x7A {
            i += 1
        } else if b[i] == 0x2B || b[i] == 0x2D {
            let sign = b[i] == 0x2D ? -1 : 1
            i += 1
            let oh = try digits(2, "offset hours")
            try expect([0x3A], "the ':' inside the UTC offset (write +02:00)")
            let om = try digits(2, "offset minutes")
            guard oh <= 23, om <= 59 else {
                throw ScheduleValueError("The timestamp '\(original)' has an out-of-range UTC offset; hours go to 23 and minutes to 59.")
            }
            offsetSeconds = sign * (oh * 3600 + om * 60)
        } else {
            throw ScheduleValueError("The timestamp '\(original)' has an invalid UTC offset; end it with Z or an offset like +02:00.")
        }
        guard i == b.count else {
            throw ScheduleValueError("The timestamp '\(original)' has unexpected text after the UTC offset.")
        }
        let date = GregorianDate(year: year, month: month, day: day)
        guard month >= 1, month <= 12 else {
            throw ScheduleValueError("The timestamp '\(original)' has month \(month); months go from 01 to 12.")
        }
        guard date.isValid else {
            throw ScheduleValueError("The timestamp '\(original)' names day \(day) of a month that has \(GregorianDate.daysInMonth(year: year, month: month)) days.")
        }
        guard hour <= 23, minute <= 59 else {
            throw ScheduleValueError("The timestamp '\(original)' has time \(hour):\(minute); hours go to 23 and minutes to 59.")
        }
        guard second <= 59 else {
            throw ScheduleValueError("The timestamp '\(original)' has second \(second); seconds go to 59 (leap seconds are not supported).")
        }
        let local = LocalDateTime(date: date, hour: hour, minute: minute, second: second).localSeconds
        return (local - Int64(offsetSeconds)) * 1000 + Int64(millis)
    }
}
