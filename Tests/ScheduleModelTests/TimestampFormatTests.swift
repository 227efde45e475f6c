import ScheduleModel
import Testing

@Suite struct TimestampFormatTests {
    static let valid: [(String, EpochMillis)] = [
        ("2026-01-01T00:00:00Z", 1_767_225_600_000),
        ("2026-01-01T02:00:00+02:00", 1_767_225_600_000),
        ("2025-12-31T19:00:00-05:00", 1_767_225_600_000),
        ("2026-01-01t00:00:00.250z", 1_767_225_600_250),
        ("2026-01-01 00:00:00.1Z", 1_767_225_600_100),
        ("2026-01-01T00:00:00.123456789Z", 1_767_225_600_123),
        ("2028-02-29T12:00:00Z", 1_835_438_400_000),
        ("1969-12-31T23:59:59.999Z", -1),
        ("1767225600000", 1_767_225_600_000),
        ("-1000", -1000),
        (" 0 ", 0),
        ("9999-12-31T23:59:59.999Z", 253_402_300_799_999),
        ("0000-01-01T00:00:00Z", -62_167_219_200_000),
        ("-62167219200000", -62_167_219_200_000),
    ]

    @Test(arguments: valid)
    func parses(text: String, expected: EpochMillis) throws {
        #expect(try TimestampFormat.parse(text) == expected)
    }

    static let invalid: [(String, String)] = [
        ("2026-01-01T00:00:00", "The timestamp '2026-01-01T00:00:00' has no UTC offset; end it with Z or an offset like +02:00."),
        ("2026-02-29T00:00:00Z", "The timestamp '2026-02-29T00:00:00Z' names day 29 of a month that has 28 days."),
        ("2026-13-01T00:00:00Z", "The timestamp '2026-13-01T00:00:00Z' has month 13; months go from 01 to 12."),
        ("2026-01-01T24:00:00Z", "The timestamp '2026-01-01T24:00:00Z' has time 24:0; hours go to 23 and minutes to 59."),
        ("2026-12-31T23:59:60Z", "The timestamp '2026-12-31T23:59:60Z' has second 60; seconds go to 59 (leap seconds are not supported)."),
        ("2026-01-01T00:00Z", "The timestamp '2026-01-01T00:00Z' is missing the ':' after the minute (seconds are required); write RFC 3339 like 2026-03-29T02:30:00Z, 2026-03-29T02:30:00.250+02:00, or epoch milliseconds."),
        ("2026-01-01T00:00:00+0200", "The timestamp '2026-01-01T00:00:00+0200' is missing the ':' inside the UTC offset (write +02:00); write RFC 3339 like 2026-03-29T02:30:00Z, 2026-03-29T02:30:00.250+02:00, or epoch milliseconds."),
        ("tomorrow", "The timestamp 'tomorrow' has a non-digit where its year should be; write RFC 3339 like 2026-03-29T02:30:00Z, 2026-03-29T02:30:00.250+02:00, or epoch milliseconds."),
        ("", "The timestamp is empty; write RFC 3339 like 2026-03-29T02:30:00Z or epoch milliseconds like 1767225600000."),
        ("253402300800000", "The timestamp '253402300800000' is out of range; instants go from 0000-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z (epoch milliseconds -62167219200000 to 253402300799999)."),
        ("-9223372036854775808", "The timestamp '-9223372036854775808' is out of range; instants go from 0000-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z (epoch milliseconds -62167219200000 to 253402300799999)."),
    ]

    @Test(arguments: invalid)
    func refusesWithSentence(text: String, message: String) {
        #expect(throws: ScheduleValueError(message)) { try TimestampFormat.parse(text) }
    }

    @Test func formatsUTCWithMilliseconds() {
        #expect(TimestampFormat.format(1_767_225_600_250) == "2026-01-01T00:00:00.250Z")
        #expect(TimestampFormat.format(-1) == "1969-12-31T23:59:59.999Z")
    }
}
