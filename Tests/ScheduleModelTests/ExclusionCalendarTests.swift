import ScheduleModel
import Testing

/// Exclusion calendars: skipped occurrences keep their numbers; `kairos next`, the API preview and the engine all
/// step through `Recurrence`, which never returns an excluded occurrence.
@Suite struct ExclusionCalendarTests {
    typealias S = TestSupport

    func recurrence(
        _ spec: (inout RecurrenceSpec) -> Void, kind: RecurrenceSpec.Kind = .every, expression: String = "1d",
        anchor: String = "2026-12-23T09:00:00Z"
    ) throws -> Recurrence {
        var value = RecurrenceSpec(kind: kind, expression: expression, zone: "Europe/Paris", anchor: S.at(anchor))
        spec(&value)
        return try value.recurrence()
    }

    func upcoming(_ recurrence: Recurrence, _ count: Int) -> [String] {
        var out: [String] = []
        var current = recurrence.firstOccurrence()
        while let occurrence = current, out.count < count {
            out.append("\(occurrence.number) \(TimestampFormat.format(occurrence.instant))")
            current = recurrence.occurrence(after: occurrence)
        }
        return out
    }

    @Test func datesRangesAndYearlyDatesSkipTheirDaysInTheZoneAndKeepTheNumbers() throws {
        // Daily at 10:00 Paris from 2026-12-24: the 25th, the 31st to 1 January and every 1 January are off.
        let daily = try recurrence { $0.excludedDates = "2026-12-25, 2026-12-31..2027-01-01,--01-01" }
        #expect(
            upcoming(daily, 5) == [
                "1 2026-12-24T09:00:00.000Z", "3 2026-12-26T09:00:00.000Z", "4 2026-12-27T09:00:00.000Z",
                "5 2026-12-28T09:00:00.000Z", "6 2026-12-29T09:00:00.000Z",
            ])
        let afterThe30th = try #require(daily.occurrence(number: 7))
        #expect(daily.occurrence(after: afterThe30th)?.number == 10, "the 31st and the 1st are skipped")
        // Numbers are the calendar's, excluded or not: occurrence 2 still is the 25th.
        #expect(daily.occurrence(number: 2)?.instant == S.at("2026-12-25T09:00:00Z"))
    }

    @Test func aCronOfExcludedTimesSkipsWeekendsToTheMinute() throws {
        // 2026-12-25 is a Friday.
        let weekdays = try recurrence(
            { $0.excludedCron = "* * * * SAT,SUN" }, kind: .cron, expression: "30 9 * * *",
            anchor: "2026-12-25T00:00:00Z")
        #expect(
            upcoming(weekdays, 3) == [
                "1 2026-12-25T08:30:00.000Z", "4 2026-12-28T08:30:00.000Z", "5 2026-12-29T08:30:00.000Z",
            ])
        let instant = S.at("2026-12-25T09:00:00Z")
        #expect(weekdays.occurrence(after: instant)?.number == 4)
    }

    @Test func anOverdueScheduleFiresItsLatestOccurrenceThatIsNotExcluded() throws {
        // Hourly from 00:00Z; Paris is UTC+1, so the excluded 03:00-03:59 local hour is occurrence 2, at 02:00Z.
        let hourly = try recurrence(
            { $0.excludedCron = "* 3 * * *" }, expression: "1h", anchor: "2026-12-24T00:00:00Z")
        let overdue = try #require(hourly.nextFiring(lastFired: nil, now: S.at("2026-12-24T02:30:00Z")))
        #expect(overdue.occurrence == Occurrence(number: 1, instant: S.at("2026-12-24T01:00:00Z")))
        let first = try #require(hourly.firstOccurrence())
        let next = try #require(hourly.nextFiring(lastFired: first, now: S.at("2026-12-24T02:30:00Z")))
        #expect(next.occurrence == Occurrence(number: 3, instant: S.at("2026-12-24T03:00:00Z")))
        #expect(next.fireAt == S.at("2026-12-24T03:00:00Z"))
    }

    @Test func aCalendarThatExcludesEverythingNeverFires() throws {
        let never = try recurrence({ $0.excludedDates = "2000-01-01..2999-12-31" }, expression: "1s")
        #expect(never.firstOccurrence() == nil)
        var spec = RecurrenceSpec(kind: .every, expression: "1h", anchor: 0)
        spec.excludedDates = "1970-01-01..9999-12-31"
        #expect(throws: ScheduleValueError.self) { try spec.firstOccurrence() }
    }

    @Test func aSecondlyIntervalStepsOverExcludedDaysAtOnce() throws {
        // Every second from 2026-12-24T00:00Z (01:00 Paris); the 24th to the 26th local are off.
        let secondly = try recurrence(
            { $0.excludedDates = "2026-12-24..2026-12-26" }, expression: "1s", anchor: "2026-12-23T23:00:00Z")
        let first = try #require(secondly.firstOccurrence())
        // Local midnight of the 27th is 2026-12-26T23:00Z, three days after the anchor: occurrence 259,200.
        #expect(first == Occurrence(number: 3 * 86_400, instant: S.at("2026-12-26T23:00:00Z")))
    }

    @Test(arguments: [
        ("2026-02-30", "'2026-02-30' is not a date YYYY-MM-DD, a range YYYY-MM-DD..YYYY-MM-DD or a yearly date --MM-DD."),
        ("--13-01", "'--13-01' is not a date YYYY-MM-DD, a range YYYY-MM-DD..YYYY-MM-DD or a yearly date --MM-DD."),
        ("2026-12-31..2026-12-01", "The range '2026-12-31..2026-12-01' ends before it starts."),
        ("2026-12-25,", "'' is not a date YYYY-MM-DD, a range YYYY-MM-DD..YYYY-MM-DD or a yearly date --MM-DD."),
        ("christmas", "'christmas' is not a date YYYY-MM-DD, a range YYYY-MM-DD..YYYY-MM-DD or a yearly date --MM-DD."),
    ])
    func badDatesAreRefusedNamingTheItem(text: String, message: String) {
        #expect(throws: ScheduleValueError(message)) { try ExclusionCalendar(dates: text, cron: nil) }
    }

    @Test func leapDaysAreDatesOnlyInLeapYearsButAlwaysAYearlyDate() throws {
        #expect(throws: ScheduleValueError.self) { try ExclusionCalendar(dates: "2027-02-29", cron: nil) }
        _ = try ExclusionCalendar(dates: "2028-02-29,--02-29", cron: nil)
        #expect(throws: ScheduleValueError.self) { try ExclusionCalendar(dates: nil, cron: "61 * * * *") }
    }
}
