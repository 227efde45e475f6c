import ScheduleModel
import Testing

/// The Quartz dialect (days of the week 1-7 from Sunday, seconds first), against the examples of Quartz's
/// CronTrigger documentation, and what it refuses rather than guess.
@Suite struct CronDialectTests {
    typealias S = TestSupport

    static func quartz(_ text: String) throws(CronParseError) -> CronExpression {
        try CronExpression(parsing: text, dialect: .quartz)
    }

    static let quartzCases: [(String, String, String)] = [
        // expression, after, expected next (UTC); 2026-01-01 is a Thursday.
        ("0 15 10 ? * 6L", "2026-01-01T00:00:00Z", "2026-01-30T10:15:00.000Z"),  // the last Friday
        ("0 15 10 ? * 2-6", "2026-01-02T11:00:00Z", "2026-01-05T10:15:00.000Z"),  // Monday to Friday: not Saturday
        ("0 15 10 ? * MON-FRI", "2026-01-02T11:00:00Z", "2026-01-05T10:15:00.000Z"),
        ("0 15 10 ? * 6#3", "2026-01-01T00:00:00Z", "2026-01-16T10:15:00.000Z"),  // the third Friday
        ("0 15 10 ? * 1#2", "2026-01-01T00:00:00Z", "2026-01-11T10:15:00.000Z"),  // the second Sunday
        ("0 15 10 L-2 * ?", "2026-01-01T00:00:00Z", "2026-01-29T10:15:00.000Z"),  // the second-to-last day
        ("0 0 12 L-3W * ?", "2026-03-01T00:00:00Z", "2026-03-27T12:00:00.000Z"),  // L-3 is Saturday the 28th
        ("0 0 12 LW * ?", "2026-05-01T00:00:00Z", "2026-05-29T12:00:00.000Z"),
        ("0 0 12 ? * L", "2026-01-01T00:00:00Z", "2026-01-03T12:00:00.000Z"),  // a lone L is Saturday
        ("0 0 12 ? * 1", "2026-01-01T00:00:00Z", "2026-01-04T12:00:00.000Z"),  // 1 is Sunday
        ("0 0 12 ? * 7", "2026-01-01T00:00:00Z", "2026-01-03T12:00:00.000Z"),  // 7 is Saturday
        ("0 0 12 ? * 7-1", "2026-01-03T13:00:00Z", "2026-01-04T12:00:00.000Z"),  // Saturday to Sunday
        ("0 0 12 ? * 2/2", "2026-01-02T13:00:00Z", "2026-01-05T12:00:00.000Z"),  // Mon, Wed, Fri: not Sunday
        ("0 0 12 ? * */3", "2026-01-01T13:00:00Z", "2026-01-03T12:00:00.000Z"),  // Sun, Wed, Sat
        ("0 0 12 * * ?", "2026-01-01T13:00:00Z", "2026-01-02T12:00:00.000Z"),
        ("0 0 12 ? * 6 2027", "2026-01-01T00:00:00Z", "2027-01-01T12:00:00.000Z"),
        ("@weekly", "2026-01-01T00:00:00Z", "2026-01-04T00:00:00.000Z"),  // macros mean the same
    ]

    @Test(arguments: quartzCases)
    func quartzNumbersTheDaysFromSundayAsOne(expression: String, after: String, expected: String) throws {
        let next = try Self.quartz(expression).nextOccurrence(after: S.at(after), in: .utc)
        #expect(next.map(TimestampFormat.format) == expected, "\(expression) after \(after)")
    }

    @Test func theSameTextReadsDifferentlyInEachDialect() throws {
        let after = S.at("2026-01-01T00:00:00Z")
        // Unix numbering: 6 is Saturday, so 6L is the last Saturday.
        #expect(S.cron("0 15 10 ? * 6L").nextOccurrence(after: after, in: .utc) == S.at("2026-01-31T10:15:00Z"))
        #expect(try Self.quartz("0 15 10 ? * 6L").nextOccurrence(after: after, in: .utc) == S.at("2026-01-30T10:15:00Z"))
        #expect(S.cron("0 0 12 L-3W * ?").nextOccurrence(after: S.at("2026-03-01T00:00:00Z"), in: .utc)
            == S.at("2026-03-27T12:00:00Z"))
        #expect(try Self.quartz("0 0 12 ? * 2-6").dialect == .quartz)
        #expect(try Self.quartz("0 0 12 ? * 2-6") != S.cron("0 0 12 ? * 2-6"))
    }

    static let refused: [(String, String)] = [
        ("0 0 12 ? * 0", "cron field day-of-week: '0' is out of range 1-7; the Quartz dialect numbers the days 1 (SUN) to 7 (SAT)"),
        ("0 0 12 ? * 8", "cron field day-of-week: '8' is out of range 1-7; the Quartz dialect numbers the days 1 (SUN) to 7 (SAT)"),
        ("0 0 12 ? * 0#2", "cron field day-of-week: '0#2' is out of range 1-7; the Quartz dialect numbers the days 1 (SUN) to 7 (SAT)"),
        ("0 12 * * 1", "cron expression '0 12 * * 1' has 5 fields; the Quartz dialect has 6 (second minute hour day-of-month month day-of-week) or 7 (year last)"),
        ("0 0 12 15 * 6", "cron field day-of-week: '6' is set with day-of-month '15'; in the Quartz dialect one of them is '?'"),
        ("0 0 12 ? * 6-2", "cron field day-of-week: '6-2' is a range whose start is after its end; ranges do not wrap, write 6-7,1-2 instead"),
        ("0 0 12 ? * 2#6", "cron field day-of-week: '2#6' has '#6'; the week number after '#' must be 1-5"),
        ("0 0 12 L-3X * ?", "cron field day-of-month: 'L-3X' is not 'L-N' or 'L-NW' with N from 0 to 30"),
    ]

    @Test(arguments: refused)
    func whatAUnixReadingWouldTakeDifferentlyIsRefused(expression: String, message: String) {
        do {
            _ = try Self.quartz(expression)
            Issue.record("\(expression) was accepted")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func dialectsAreNamedInAnyCase() throws {
        #expect(try CronDialect(naming: "Quartz") == .quartz)
        #expect(try CronDialect(naming: "unix") == .unix)
        #expect(throws: ScheduleValueError("'spring' is not a cron dialect; use unix (the default) or quartz")) {
            try CronDialect(naming: "spring")
        }
    }
}
