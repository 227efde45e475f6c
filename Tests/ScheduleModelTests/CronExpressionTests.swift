import ScheduleModel
import Testing

@Suite struct CronExpressionTests {
    typealias S = TestSupport

    static let utcCases: [(String, String, String)] = [
        // expression, after, expected next (UTC)
        ("*/15 * * * *", "2026-01-01T00:00:00Z", "2026-01-01T00:15:00.000Z"),
        ("10-50/5 * * * *", "2026-01-01T00:51:00Z", "2026-01-01T01:10:00.000Z"),
        ("5/10 * * * *", "2026-01-01T00:56:00Z", "2026-01-01T01:05:00.000Z"),
        ("0 9 * * MON-FRI", "2026-01-02T09:00:00Z", "2026-01-05T09:00:00.000Z"),
        ("0 0 1 JAN,jul *", "2026-01-01T00:00:00Z", "2026-07-01T00:00:00.000Z"),
        ("0 0 * * 7", "2026-01-01T00:00:00Z", "2026-01-04T00:00:00.000Z"),
        ("0 0 * * 0", "2026-01-01T00:00:00Z", "2026-01-04T00:00:00.000Z"),
        ("0 0 ? * sun", "2026-01-01T00:00:00Z", "2026-01-04T00:00:00.000Z"),
        ("0 0 L * ?", "2026-02-01T00:00:00Z", "2026-02-28T00:00:00.000Z"),
        ("0 0 L 2 *", "2027-03-01T00:00:00Z", "2028-02-29T00:00:00.000Z"),
        ("0 0 L-3 * *", "2026-01-01T00:00:00Z", "2026-01-28T00:00:00.000Z"),
        ("0 0 L-3 2 *", "2026-01-01T00:00:00Z", "2026-02-25T00:00:00.000Z"),
        ("0 0 * * 5L", "2026-01-01T00:00:00Z", "2026-01-30T00:00:00.000Z"),
        ("0 0 * * FRIL", "2026-02-01T00:00:00Z", "2026-02-27T00:00:00.000Z"),
        ("0 0 15W * *", "2026-02-01T00:00:00Z", "2026-02-16T00:00:00.000Z"),  // 15th is a Sunday
        ("0 0 14W * *", "2026-02-01T00:00:00Z", "2026-02-13T00:00:00.000Z"),  // 14th is a Saturday
        ("0 0 1W * *", "2026-08-01T00:00:00Z", "2026-08-03T00:00:00.000Z"),  // 1st Saturday -> Monday 3rd
        ("0 0 31W * *", "2026-05-01T00:00:00Z", "2026-05-29T00:00:00.000Z"),  // 31st Sunday -> Friday 29th
        ("0 0 LW * *", "2026-05-01T00:00:00Z", "2026-05-29T00:00:00.000Z"),
        ("0 0 * * MON#2", "2026-01-01T00:00:00Z", "2026-01-12T00:00:00.000Z"),
        ("0 0 * * 5#3", "2026-01-01T00:00:00Z", "2026-01-16T00:00:00.000Z"),
        ("0 0 * 2 MON#5", "2026-01-01T00:00:00Z", "2044-02-29T00:00:00.000Z"),
        ("0 0 29 2 *", "2026-01-01T00:00:00Z", "2028-02-29T00:00:00.000Z"),
        ("0 0 13 * FRI", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00.000Z"),  // OR: Friday the 2nd
        ("0 0 */10 * FRI", "2026-01-01T00:00:00Z", "2026-05-01T00:00:00.000Z"),  // "*/10" starts with "*": AND (first Friday on 1/11/21/31)
        ("30 * * * * *", "2026-01-01T00:00:00Z", "2026-01-01T00:00:30.000Z"),
        ("0 0 0 1 1 * 2030", "2026-01-01T00:00:00Z", "2030-01-01T00:00:00.000Z"),
        ("0 0 0 1 1 ? 2027-2030/2", "2027-06-01T00:00:00Z", "2029-01-01T00:00:00.000Z"),
        ("@yearly", "2026-05-01T00:00:00Z", "2027-01-01T00:00:00.000Z"),
        ("@annually", "2026-05-01T00:00:00Z", "2027-01-01T00:00:00.000Z"),
        ("@monthly", "2026-05-01T00:00:00Z", "2026-06-01T00:00:00.000Z"),
        ("@weekly", "2026-01-01T00:00:00Z", "2026-01-04T00:00:00.000Z"),
        ("@daily", "2026-12-31T12:00:00Z", "2027-01-01T00:00:00.000Z"),
        ("@midnight", "2026-12-31T12:00:00Z", "2027-01-01T00:00:00.000Z"),
        ("@hourly", "2026-12-31T23:00:00.001Z", "2027-01-01T00:00:00.000Z"),
        ("59 23 31 12 *", "2026-12-31T23:59:00Z", "2027-12-31T23:59:00.000Z"),
        ("0 12 * * *", "2026-01-01T11:59:59.999Z", "2026-01-01T12:00:00.000Z"),
    ]

    @Test(arguments: utcCases)
    func nextOccurrenceInUTC(expression: String, after: String, expected: String) {
        let next = S.cron(expression).nextOccurrence(after: S.at(after), in: .utc)
        #expect(next.map(TimestampFormat.format) == expected, "\(expression) after \(after)")
    }

    static let badExpressions: [(String, String)] = [
        ("0 0 32 * *", "cron field day-of-month: '32' is out of range 1-31"),
        ("60 * * * *", "cron field minute: '60' is out of range 0-59"),
        ("0 24 * * *", "cron field hour: '24' is out of range 0-23"),
        ("0 0 * 13 *", "cron field month: '13' is out of range 1-12"),
        ("0 0 * * 8", "cron field day-of-week: '8' is out of range 0-7"),
        ("0 0 * * MON#6", "cron field day-of-week: 'MON#6' has '#6'; the week number after '#' must be 1-5"),
        ("*/0 * * * *", "cron field minute: '*/0' has step 0; steps start at 1"),
        ("0 0 30 2 *", "cron field day-of-month: '30' never occurs in the months allowed by the month field, so the expression can never fire"),
        ("0 0 31 4 *", "cron field day-of-month: '31' never occurs in the months allowed by the month field, so the expression can never fire"),
        ("5-1 * * * *", "cron field minute: '5-1' is a range whose start is after its end; ranges do not wrap, write 5-59,0-1 instead"),
        ("0 0 * * FRI-MON", "cron field day-of-week: 'FRI-MON' is a range whose start is after its end; ranges do not wrap, write FRI-SAT,SUN-MON instead"),
        ("0 0 * * 5-1", "cron field day-of-week: '5-1' is a range whose start is after its end; ranges do not wrap, write 5-6,0-1 instead"),
        ("0 0 * * SAT-MON", "cron field day-of-week: 'SAT-MON' is a range whose start is after its end; ranges do not wrap, write SAT,SUN-MON instead"),
        ("0 0 * * 7-2", "cron field day-of-week: '7-2' is a range whose start is after its end; ranges do not wrap, write 0-2 instead"),
        ("0 0 * * FRI-TUE/2", "cron field day-of-week: 'FRI-TUE/2' is a range whose start is after its end; ranges do not wrap, write FRI,SUN,TUE instead"),
        ("0 0 1 NOV-MAR *", "cron field month: 'NOV-MAR' is a range whose start is after its end; ranges do not wrap, write NOV-DEC,JAN-MAR instead"),
        ("0 0 1 DEC-FEB *", "cron field month: 'DEC-FEB' is a range whose start is after its end; ranges do not wrap, write DEC,JAN-FEB instead"),
        ("0 22-3/2 * * *", "cron field hour: '22-3/2' is a range whose start is after its end; ranges do not wrap, write 22,0,2 instead"),
        ("0 0 28-3 * *", "cron field day-of-month: '28-3' is a range whose start is after its end; ranges do not wrap, write 28-31,1-3 instead"),
        ("0 0 0 1 1 * 2030-2020", "cron field year: '2030-2020' is a range whose start is after its end"),
        ("0 0 * FOO *", "cron field month: 'FOO' is not a number or a month name JAN-DEC"),
        ("0 ? * * *", "cron field hour: '?' uses '?', which only day-of-month and day-of-week accept"),
        ("0 0 * *", "cron expression '0 0 * *' has 4 fields; expected 5 (minute hour day-of-month month day-of-week), 6 (second first) or 7 (second first, year last)"),
        ("@reboot", "cron expression '@reboot' is not a supported macro; use @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly"),
        ("0 0 0 1 1 * 1969", "cron field year: '1969' is out of range 1970-2299"),
        ("0 0 1,,2 * *", "cron field day-of-month: '' is empty (check for a stray comma)"),
    ]

    @Test(arguments: badExpressions)
    func parseErrorsNameFieldAndToken(expression: String, message: String) {
        #expect(throws: CronParseError.self) { try CronExpression(parsing: expression) }
        do {
            _ = try CronExpression(parsing: expression)
        } catch {
            #expect(error.description == message)
        }
    }

    /// Sunday is 0 and 7, so a range that ends on it reads as ending on 7.
    @Test(arguments: [
        ("MON-SUN", "*"), ("mon-sun", "*"), ("1-7", "*"), ("FRI-SUN", "5,6,0"), ("5-7", "5,6,0"), ("5-0", "5,6,0"),
        ("SAT-SUN", "SAT,SUN"), ("6-7", "6,0"), ("SUN-SAT", "*"), ("0-6", "*"), ("0-7", "*"), ("SUN-SUN", "0"),
        ("MON-SUN/2", "1,3,5,0"), ("TUE-SUN/3", "2,5"),
    ])
    func weekdayRangesMayEndOnSunday(range: String, same: String) throws {
        let after = "2026-01-01T00:00:00Z"  // a Thursday
        _ = try CronExpression(parsing: "0 12 * * \(range)")
        let days = S.series("0 12 * * \(range)", "UTC", after: after, count: 15)
        #expect(days.count == 15)
        #expect(days == S.series("0 12 * * \(same)", "UTC", after: after, count: 15))
    }

    @Test func pastYearRangeReportsNoOccurrence() throws {
        let cron = try CronExpression(parsing: "0 0 0 1 1 * 2020-2024")
        #expect(cron.nextOccurrence(after: S.at("2026-01-01T00:00:00Z"), in: .utc) == nil)
        #expect(throws: ScheduleValueError.self) { try cron.requireNextOccurrence(after: S.at("2026-01-01T00:00:00Z"), in: .utc) }
        let leapOnly = try CronExpression(parsing: "0 0 0 29 2 * 2027")
        #expect(leapOnly.nextOccurrence(after: S.at("2026-01-01T00:00:00Z"), in: .utc) == nil)
    }

    @Test func matchesWallClockReading() {
        let cron = S.cron("0 30 9 * * MON")
        #expect(cron.matches(LocalDateTime(year: 2026, month: 1, day: 5, hour: 9, minute: 30)))
        #expect(!cron.matches(LocalDateTime(year: 2026, month: 1, day: 6, hour: 9, minute: 30)))
    }

    // MARK: DST

    @Test func berlinGapFiresAtGapEndOnce() {
        // 2026-03-29 02:00 -> 03:00 local; 02:30 does not exist.
        #expect(S.series("30 2 * * *", "Europe/Berlin", after: "2026-03-28T00:00:00Z", count: 3) == [
            "2026-03-28T01:30:00.000Z", "2026-03-29T01:00:00.000Z", "2026-03-30T00:30:00.000Z",
        ])
        // Every 15 minutes is interval-like: the readings the gap removes do not fire; 03:00 is the next reading.
        #expect(S.series("*/15 * * * *", "Europe/Berlin", after: "2026-03-29T00:30:00Z", count: 4) == [
            "2026-03-29T00:45:00.000Z", "2026-03-29T01:00:00.000Z", "2026-03-29T01:15:00.000Z", "2026-03-29T01:30:00.000Z",
        ])
    }

    @Test func intervalLikeExpressionsFireForNoReadingAGapRemoves() {
        // Europe/London 2025-03-30 01:00 GMT -> 02:00 BST: 01:07 does not exist, and nothing fires for it.
        #expect(S.series("7 * * * *", "Europe/London", after: "2025-03-29T23:30:00Z", count: 3) == [
            "2025-03-30T00:07:00.000Z", "2025-03-30T01:07:00.000Z", "2025-03-30T02:07:00.000Z",
        ])
        // A wall-clock appointment in the gap still fires once, at its end.
        #expect(S.series("7 1 * * *", "Europe/London", after: "2025-03-29T23:30:00Z", count: 1) == [
            "2025-03-30T01:00:00.000Z"
        ])
        // Lord Howe 2026-10-04 02:00 +10:30 -> 02:30 +11: hourly goes from 01:00 to 03:00.
        #expect(S.series("0 * * * *", "Australia/Lord_Howe", after: "2026-10-03T14:00:00Z", count: 2) == [
            "2026-10-03T14:30:00.000Z", "2026-10-03T16:00:00.000Z",
        ])
    }

    @Test func intervalLikeExpressionsFireInBothPassesOfARepeatedHour() {
        // Europe/Berlin 2027-10-31 03:00 CEST -> 02:00 CET: every 15 minutes never goes quiet.
        #expect(S.series("*/15 * * * *", "Europe/Berlin", after: "2027-10-31T00:30:00Z", count: 6) == [
            "2027-10-31T00:45:00.000Z", "2027-10-31T01:00:00.000Z", "2027-10-31T01:15:00.000Z",
            "2027-10-31T01:30:00.000Z", "2027-10-31T01:45:00.000Z", "2027-10-31T02:00:00.000Z",
        ])
        // America/New_York 2027-11-07 02:00 EDT -> 01:00 EST: 01:00 comes twice, at 05:00Z and 06:00Z.
        #expect(S.series("0 * * * *", "America/New_York", after: "2027-11-07T04:30:00Z", count: 3) == [
            "2027-11-07T05:00:00.000Z", "2027-11-07T06:00:00.000Z", "2027-11-07T07:00:00.000Z",
        ])
        // Asked from inside the second pass, it goes on in it.
        #expect(S.series("0 * * * *", "America/New_York", after: "2027-11-07T05:30:00Z", count: 1) == [
            "2027-11-07T06:00:00.000Z"
        ])
        // A step in the hour field is interval-like too: 1/2 (odd hours) fires at 01:30 EDT, 01:30 EST, then 03:30.
        #expect(S.series("30 1/2 * * *", "America/New_York", after: "2027-11-07T04:00:00Z", count: 3) == [
            "2027-11-07T05:30:00.000Z", "2027-11-07T06:30:00.000Z", "2027-11-07T08:30:00.000Z",
        ])
        // Lord Howe 2026-04-05 02:00 +11 -> 01:30 +10:30: every 15 minutes straight through the half hour repeated.
        #expect(S.series("*/15 * * * *", "Australia/Lord_Howe", after: "2026-04-04T14:20:00Z", count: 5) == [
            "2026-04-04T14:30:00.000Z", "2026-04-04T14:45:00.000Z", "2026-04-04T15:00:00.000Z",
            "2026-04-04T15:15:00.000Z", "2026-04-04T15:30:00.000Z",
        ])
        // Seconds fields follow the hour field's kind as well.
        #expect(S.series("0 30 * * * *", "America/New_York", after: "2027-11-07T05:00:00Z", count: 2) == [
            "2027-11-07T05:30:00.000Z", "2027-11-07T06:30:00.000Z",
        ])
        #expect(S.cron("*/15 * * * *").followsElapsedTime)
        #expect(S.cron("0 */2 * * *").followsElapsedTime)
        #expect(S.cron("@hourly").followsElapsedTime)
        #expect(!S.cron("*/15 2 * * *").followsElapsedTime)
        #expect(!S.cron("0 9,17 * * MON-FRI").followsElapsedTime)
    }

    @Test func berlinOverlapFiresOnce() {
        // 2026-10-25 03:00 -> 02:00 local; 02:30 occurs twice, fires at the first (00:30Z).
        #expect(S.series("30 2 * * *", "Europe/Berlin", after: "2026-10-24T12:00:00Z", count: 2) == [
            "2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z",
        ])
        // Asked from inside the repeated hour, it does not fire again.
        #expect(S.series("30 2 * * *", "Europe/Berlin", after: "2026-10-25T01:10:00Z", count: 1) == ["2026-10-26T01:30:00.000Z"])
        // Interval-like: both passes.
        #expect(S.series("0,30 * * * *", "Europe/Berlin", after: "2026-10-24T23:45:00Z", count: 5) == [
            "2026-10-25T00:00:00.000Z", "2026-10-25T00:30:00.000Z", "2026-10-25T01:00:00.000Z", "2026-10-25T01:30:00.000Z",
            "2026-10-25T02:00:00.000Z",
        ])
    }

    @Test func newYorkTransitions() {
        // Spring forward 2026-03-08 02:00 EST -> 03:00 EDT.
        #expect(S.series("30 2 * * *", "America/New_York", after: "2026-03-07T12:00:00Z", count: 2) == [
            "2026-03-08T07:00:00.000Z", "2026-03-09T06:30:00.000Z",
        ])
        // Fall back 2026-11-01 02:00 EDT -> 01:00 EST; 01:30 fires once, at EDT.
        #expect(S.series("30 1 * * *", "America/New_York", after: "2026-10-31T12:00:00Z", count: 2) == [
            "2026-11-01T05:30:00.000Z", "2026-11-02T06:30:00.000Z",
        ])
    }

    @Test func lordHoweHalfHourShift() {
        // Australia/Lord_Howe: 2026-10-04 02:00 -> 02:30 (+10:30 -> +11).
        #expect(S.series("15 2 * * *", "Australia/Lord_Howe", after: "2026-10-02T00:00:00Z", count: 3) == [
            "2026-10-02T15:45:00.000Z", "2026-10-03T15:30:00.000Z", "2026-10-04T15:15:00.000Z",
        ])
        // 2026-04-05 02:00 -> 01:30: 01:45 happens twice, fires once at +11.
        #expect(S.series("45 1 * * *", "Australia/Lord_Howe", after: "2026-04-03T00:00:00Z", count: 3) == [
            "2026-04-03T14:45:00.000Z", "2026-04-04T14:45:00.000Z", "2026-04-05T15:15:00.000Z",
        ])
    }

    @Test func southernHemisphereSydney() {
        // Sydney: DST ends 2026-04-05 03:00 -> 02:00, starts 2026-10-04 02:00 -> 03:00.
        #expect(S.series("30 2 * * *", "Australia/Sydney", after: "2026-04-03T00:00:00Z", count: 3) == [
            "2026-04-03T15:30:00.000Z", "2026-04-04T15:30:00.000Z", "2026-04-05T16:30:00.000Z",
        ])
        #expect(S.series("30 2 * * *", "Australia/Sydney", after: "2026-10-02T00:00:00Z", count: 3) == [
            "2026-10-02T16:30:00.000Z", "2026-10-03T16:00:00.000Z", "2026-10-04T15:30:00.000Z",
        ])
        // Year boundary in summer time (+11).
        #expect(S.series("0 0 1 1 *", "Australia/Sydney", after: "2026-06-01T00:00:00Z", count: 1) == ["2026-12-31T13:00:00.000Z"])
    }

    @Test func santiagoMidnightGap() {
        // America/Santiago starts DST at 24:00 (clocks jump 00:00 -> 01:00) on 2026-09-06.
        #expect(S.series("30 0 * * *", "America/Santiago", after: "2026-09-05T00:00:00Z", count: 2) == [
            "2026-09-05T04:30:00.000Z", "2026-09-06T04:00:00.000Z",
        ])
    }

    @Test func farFutureUsesPosixFooter() {
        #expect(S.series("30 2 * * *", "Europe/Berlin", after: "2300-03-30T00:00:00Z", count: 1).count == 1)
        let zone = S.zone("Europe/Berlin")
        #expect(zone.offsetSeconds(at: S.at("2350-07-01T00:00:00Z")) == 7200)
        #expect(zone.offsetSeconds(at: S.at("2350-01-01T00:00:00Z")) == 3600)
    }
}
