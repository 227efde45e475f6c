/// Parsing of the contract's instants and durations.
public enum TimeText {
    /// Parses `kairos-at` style instants: RFC 3339 (`2026-11-22T15:00:00Z`, `2026-11-22T17:00:00.250+02:00`) or
    /// integer epoch milliseconds. Returns epoch milliseconds UTC, or nil with `reason` when malformed.
    public static func instant(_ text: String) -> Result<Int64, TimeTextError> {
        let trimmed = text.trimmingWhitespace()
        if !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            guard let value = Int64(trimmed) else {
                return .failure(TimeTextError("'\(text)' is too large for epoch milliseconds"))
            }
            return .success(value)
        }
        return rfc3339(trimmed).mapError { TimeTextError("'\(text)' is not RFC 3339 or epoch milliseconds: \($0.reason)") }
    }

    /// Parses a duration: `250ms`, `30s`, `5m`, `2h`, `1d`, `1w`, combinations such as `1h30m`, or ISO 8601
    /// (`PT5M`, `P1DT2H`, `PT0.5S`). Returns milliseconds.
    public static func duration(_ text: String) -> Result<Int64, TimeTextError> {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { return .failure(TimeTextError("empty duration")) }
        if trimmed.first == "P" || trimmed.first == "p" {
            return iso8601Duration(trimmed).mapError { TimeTextError("'\(text)' is not an ISO 8601 duration: \($0.reason)") }
        }
        var total: Int64 = 0
        var rest = Substring(trimmed)
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let amount = Int64(digits) else {
                return .failure(TimeTextError("'\(text)' is not a duration like 250ms, 30s, 5m, 2h, 1d or PT5M"))
            }
            rest = rest.dropFirst(digits.count)
            let unit = rest.prefix { $0.isLetter }
            rest = rest.dropFirst(unit.count)
            let scale: Int64
            switch unit.lowercased() {
            case "ms": scale = 1
            case "s": scale = 1_000
            case "m": scale = 60_000
            case "h": scale = 3_600_000
            case "d": scale = 86_400_000
            case "w": scale = 604_800_000
            default:
                return .failure(
                    TimeTextError(
                        "'\(text)' has unit '\(unit)'; use ms, s, m, h, d or w (or ISO 8601 like PT5M)"))
            }
            let (product, overflow) = amount.multipliedReportingOverflow(by: scale)
            let (sum, overflowSum) = total.addingReportingOverflow(product)
            guard !overflow, !overflowSum else { return .failure(TimeTextError("'\(text)' is too long")) }
            total = sum
        }
        return .success(total)
    }

    private static func rfc3339(_ text: String) -> Result<Int64, TimeTextError> {
        let bytes = Array(text.utf8)
        var position = 0
        func number(_ count: Int) -> Int? {
            guard position + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[position..<(position + count)] {
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            position += count
            return value
        }
        func expect(_ characters: String) -> Bool {
            guard position < bytes.count, characters.utf8.contains(bytes[position]) else { return false }
            position += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2) else {
            return .failure(TimeTextError("expected YYYY-MM-DD"))
        }
        guard expect("Tt "), let hour = number(2), expect(":"), let minute = number(2), expect(":"),
            let second = number(2)
        else {
            return .failure(TimeTextError("expected THH:MM:SS after the date"))
        }
        var millisecond = 0
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            var digits = 0
            while position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 {
                if digits < 3 { millisecond = millisecond * 10 + Int(bytes[position] - 0x30) }
                digits += 1
                position += 1
            }
            guard digits > 0 else { return .failure(TimeTextError("expected digits after '.'")) }
            for _ in digits..<3 where digits < 3 { millisecond *= 10 }
        }
        var offsetMinutes = 0
        if expect("Zz") {
        } else if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
            let sign = bytes[position] == UInt8(ascii: "-") ? -1 : 1
            position += 1
            guard let offsetHour = number(2), expect(":"), let offsetMinute = number(2), offsetHour < 24,
                offsetMinute < 60
            else {
                return .failure(TimeTextError("expected a zone offset like +02:00"))
            }
            offsetMinutes = sign * (offsetHour * 60 + offsetMinute)
        } else {
            return .failure(TimeTextError("missing zone: end with Z or an offset like +02:00"))
        }
        guard position == bytes.count else { return .failure(TimeTextError("unexpected text after the time")) }
        guard (1...12).contains(month), (1...CivilDate.daysIn(month: month, year: year)).contains(day), hour < 24,
            minute < 60, second < 61
        else {
            return .failure(TimeTextError("date or time out of range"))
        }
        let days = Int64(CivilDate.daysFromCivil(year: year, month: month, day: day))
        let seconds = days * 86_400 + Int64(hour * 3_600 + minute * 60 + min(second, 59)) - Int64(offsetMinutes * 60)
        return .success(seconds * 1_000 + Int64(millisecond))
    }

    private static func iso8601Duration(_ text: String) -> Result<Int64, TimeTextError> {
        var total: Double = 0
        var inTime = false
        var number = ""
        var sawComponent = false
        for character in text.uppercased().dropFirst() {
            switch character {
            case "T":
                guard !inTime, number.isEmpty else { return .failure(TimeTextError("misplaced T")) }
                inTime = true
            case "0"..."9", ".", ",":
                number.append(character == "," ? "." : character)
            case "W", "D", "H", "M", "S":
                guard let value = Double(number) else { return .failure(TimeTextError("expected a number before \(character)")) }
                let seconds: Double
                switch (character, inTime) {
                case ("W", false): seconds = 604_800
                case ("D", false): seconds = 86_400
                case ("H", true): seconds = 3_600
                case ("M", true): seconds = 60
                case ("S", true): seconds = 1
                default:
                    return .failure(
                        TimeTextError("'\(character)' is not allowed there (years and months are not exact durations)"))
                }
                total += value * seconds
                number = ""
                sawComponent = true
            default:
                return .failure(TimeTextError("unexpected '\(character)'"))
            }
        }
        guard sawComponent, number.isEmpty else { return .failure(TimeTextError("incomplete duration")) }
        guard total * 1_000 < Double(Int64.max) else { return .failure(TimeTextError("too long")) }
        return .success(Int64(total * 1_000 + 0.5))
    }
}

/// Why a time text could not be parsed, as a sentence fragment.
public struct TimeTextError: Error, Sendable, CustomStringConvertible {
    public let reason: String
    init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// Proleptic Gregorian calendar arithmetic on days since 1970-01-01.
private enum CivilDate {
    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
