import ScheduleModel
import Testing

@Suite struct ScheduleDurationTests {
    static let valid: [(String, Int64, Int64, Int64)] = [
        // text, months, days, milliseconds
        ("250ms", 0, 0, 250), ("30s", 0, 0, 30_000), ("15m", 0, 0, 900_000), ("2h", 0, 0, 7_200_000),
        ("1h30m", 0, 0, 5_400_000), ("1h30m15s250ms", 0, 0, 5_415_250), ("1d", 0, 1, 0), ("2w", 0, 14, 0),
        ("1mo", 1, 0, 0), ("3mo", 3, 0, 0), ("1y", 12, 0, 0), ("1y2mo", 14, 0, 0), (" 5m ", 0, 0, 300_000),
        ("PT5M", 0, 0, 300_000), ("P1D", 0, 1, 0), ("pt1h30m", 0, 0, 5_400_000), ("P1Y2M3W4DT5H6M7.25S", 14, 25, 18_367_250),
        ("PT0.5S", 0, 0, 500), ("P2W", 0, 14, 0), ("0s", 0, 0, 0),
    ]

    @Test(arguments: valid)
    func parses(text: String, months: Int64, days: Int64, milliseconds: Int64) throws {
        let duration = try ScheduleDuration(parsing: text)
        #expect(duration == ScheduleDuration(months: months, days: days, milliseconds: milliseconds))
    }

    static let invalid: [(String, String)] = [
        ("", "The duration is empty; write it like 30s, 15m, 1h30m, 1d or PT5M."),
        ("5", "The duration '5' has nothing after 5 where a unit was expected; units are ms, s, m, h, d, w, mo, y (lowercase)."),
        ("5x", "The duration '5x' has 'x' after 5 where a unit was expected; units are ms, s, m, h, d, w, mo, y (lowercase)."),
        ("30m1h", "The duration '30m1h' repeats or misorders hours; write each unit once, largest first (e.g. 1h30m)."),
        ("1.5h", "The duration '1.5h' has '.' after 1 where a unit was expected; units are ms, s, m, h, d, w, mo, y (lowercase)."),
        ("P", "The duration 'P' has no parts after 'P'; write ISO 8601 durations like PT5M, PT1H30M, P1D, P2W or P1Y2M."),
        ("PT", "The duration 'PT' ends with 'T' but has no time part after it; write ISO 8601 durations like PT5M, PT1H30M, P1D, P2W or P1Y2M."),
        ("P5H", "The duration 'P5H' has unit 'H' before 'T', where it is not allowed; write ISO 8601 durations like PT5M, PT1H30M, P1D, P2W or P1Y2M."),
        ("-5m", "The duration '-5m' has '-5m' where a number was expected; write it like 30s, 15m, 1h30m, 2w or PT5M."),
        ("99999999999999999999s", "The duration '99999999999999999999s' has a number too large: 99999999999999999999."),
    ]

    @Test(arguments: invalid)
    func refusesWithSentence(text: String, message: String) {
        #expect(throws: ScheduleValueError(message)) { try ScheduleDuration(parsing: text) }
    }

    @Test func fixedMillisecondsCountsDaysAsTwentyFourHours() throws {
        #expect(try ScheduleDuration(parsing: "1d").fixedMilliseconds == 86_400_000)
        #expect(try ScheduleDuration(parsing: "1w2h").fixedMilliseconds == 7 * 86_400_000 + 7_200_000)
        #expect(try ScheduleDuration(parsing: "1mo").fixedMilliseconds == nil)
    }

    @Test func descriptionIsShortForm() throws {
        #expect(try ScheduleDuration(parsing: "PT90M").description == "1h30m")
        #expect(try ScheduleDuration(parsing: "P1Y2M14D").description == "1y2mo2w")
        #expect(try ScheduleDuration(parsing: "250ms").description == "250ms")
    }
}
