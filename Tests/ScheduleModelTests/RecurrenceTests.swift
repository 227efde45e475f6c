import ScheduleModel
import Testing

@Suite struct RecurrenceTests {
    typealias S = TestSupport

    func every(_ step: String, start: String? = nil, end: String? = nil, limit: Int64? = nil, anchor: String = "2026-01-01T00:00:00Z")
        throws -> Recurrence
    {
        try Recurrence(
            pattern: .every(ScheduleDuration(parsing: step)), zone: .utc, start: start.map(S.at), end: end.map(S.at), limit: limit,
            anchor: S.at(anchor))
    }

    @Test func intervalNumbersFromStartOrAnchor() throws {
        let withStart = try every("1h", start: "2026-01-01T10:00:00Z")
        #expect(withStart.firstOccurrence() == Occurrence(number: 1, instant: S.at("2026-01-01T10:00:00Z")))
        #expect(withStart.occurrence(number: 3) == Occurrence(number: 3, instant: S.at("2026-01-01T12:00:00Z")))
        let noStart = try every("1h", anchor: "2026-01-01T10:00:00Z")
        #expect(noStart.firstOccurrence() == Occurrence(number: 1, instant: S.at("2026-01-01T11:00:00Z")))
        #expect(noStart.occurrence(after: S.at("2026-01-01T13:30:00Z")) == Occurrence(number: 4, instant: S.at("2026-01-01T14:00:00Z")))
    }

    @Test func windowEndIsInclusiveAndLimitBoundsNumbers() throws {
        let ending = try every("1h", start: "2026-01-01T10:00:00Z", end: "2026-01-01T12:00:00Z")
        #expect(ending.occurrence(number: 3)?.instant == S.at("2026-01-01T12:00:00Z"))
        #expect(ending.occurrence(number: 4) == nil)
        let limited = try every("1h", start: "2026-01-01T10:00:00Z", limit: 2)
        let second = try #require(limited.occurrence(number: 2))
        #expect(limited.occurrence(after: second) == nil)
        #expect(limited.occurrence(after: S.at("2026-01-02T00:00:00Z")) == nil)
    }

    @Test func cronWindowAndNumbers() throws {
        let recurrence = try Recurrence(
            pattern: .cron(S.cron("0 9 * * *")), zone: S.zone("Europe/Berlin"), start: S.at("2026-03-27T00:00:00Z"), limit: 3,
            anchor: 0)
        let first = try #require(recurrence.firstOccurrence())
        #expect(first == Occurrence(number: 1, instant: S.at("2026-03-27T08:00:00Z")))
        let second = try #require(recurrence.occurrence(after: first))
        #expect(second == Occurrence(number: 2, instant: S.at("2026-03-28T08:00:00Z")))
        #expect(recurrence.occurrence(after: second) == Occurrence(number: 3, instant: S.at("2026-03-29T07:00:00Z")))
        #expect(recurrence.occurrence(number: 4) == nil)
        #expect(recurrence.occurrence(after: S.at("2026-03-28T12:00:00Z"), last: first)?.number == 3)
    }

    @Test func cronStartingExactlyOnAnOccurrenceIncludesIt() throws {
        let recurrence = try Recurrence(pattern: .cron(S.cron("0 * * * *")), zone: .utc, start: S.at("2026-01-01T10:00:00Z"), anchor: 0)
        #expect(recurrence.firstOccurrence()?.instant == S.at("2026-01-01T10:00:00Z"))
    }

    @Test func cronWithoutStartBeginsStrictlyAfterItsAnchor() throws {
        let hourly = try Recurrence(pattern: .cron(S.cron("0 * * * *")), zone: .utc, anchor: S.at("2026-01-01T10:00:00Z"))
        #expect(hourly.firstOccurrence() == Occurrence(number: 1, instant: S.at("2026-01-01T11:00:00Z")))
        #expect(hourly.occurrence(after: S.at("2026-01-01T09:00:00Z")) == Occurrence(number: 1, instant: S.at("2026-01-01T11:00:00Z")))
        // Milliseconds count: an anchor within a second is after that second's occurrence.
        let everySecond = try Recurrence(pattern: .cron(S.cron("* * * * * *")), zone: .utc, anchor: S.at("2026-01-01T10:00:00.500Z"))
        #expect(everySecond.firstOccurrence()?.instant == S.at("2026-01-01T10:00:01Z"))
        let justBefore = try Recurrence(pattern: .cron(S.cron("0 * * * *")), zone: .utc, anchor: S.at("2026-01-01T09:59:59.999Z"))
        #expect(justBefore.firstOccurrence()?.instant == S.at("2026-01-01T10:00:00Z"))
    }

    @Test func refusesEmptyWindowAndBadLimit() {
        #expect(throws: ScheduleValueError.self) { try every("1h", start: "2026-01-02T00:00:00Z", end: "2026-01-01T00:00:00Z") }
        #expect(throws: ScheduleValueError("The limit 0 is not allowed; a limit must be at least 1.")) { try every("1h", limit: 0) }
    }

    // MARK: Misfire

    @Test func futureOccurrenceFiresOnTime() throws {
        let r = try every("1h", start: "2026-01-01T10:00:00Z")
        let plan = r.nextFiring(lastFired: nil, now: S.at("2026-01-01T09:00:00Z"))
        #expect(plan == PlannedFiring(occurrence: Occurrence(number: 1, instant: S.at("2026-01-01T10:00:00Z")), fireAt: S.at("2026-01-01T10:00:00Z"), skippedCount: 0))
    }

    @Test func fireOnceFiresMostRecentMissedOnceThenContinues() throws {
        let r = try every("1h", start: "2026-01-01T10:00:00Z")
        let last = Occurrence(number: 1, instant: S.at("2026-01-01T10:00:00Z"))
        let now = S.at("2026-01-01T15:20:00Z")
        let plan = try #require(r.nextFiring(lastFired: last, now: now))
        #expect(plan.occurrence == Occurrence(number: 6, instant: S.at("2026-01-01T15:00:00Z")))
        #expect(plan.fireAt == now && plan.isLate && plan.skippedCount == 4)
        let after = try #require(r.nextFiring(lastFired: plan.occurrence, now: now + 1))
        #expect(after.occurrence == Occurrence(number: 7, instant: S.at("2026-01-01T16:00:00Z")) && !after.isLate)
    }

    @Test func skipHonoursGrace() throws {
        let r = try Recurrence(pattern: .cron(S.cron("*/10 * * * *")), zone: .utc, start: S.at("2026-01-01T00:00:00Z"), anchor: 0)
        let last = Occurrence(number: 1, instant: S.at("2026-01-01T00:00:00Z"))
        // Most recent missed (00:50, #6) is 2 minutes old: within 5 minutes grace, fired late.
        let within = try #require(r.nextFiring(lastFired: last, now: S.at("2026-01-01T00:52:00Z"), policy: .skip(graceMillis: 300_000)))
        #expect(within.occurrence == Occurrence(number: 6, instant: S.at("2026-01-01T00:50:00Z")) && within.skippedCount == 4)
        // 8 minutes old: skipped too; the next future one (01:00, #7) fires on time.
        let beyond = try #require(r.nextFiring(lastFired: last, now: S.at("2026-01-01T00:58:00Z"), policy: .skip(graceMillis: 300_000)))
        #expect(beyond.occurrence == Occurrence(number: 7, instant: S.at("2026-01-01T01:00:00Z")))
        #expect(beyond.fireAt == S.at("2026-01-01T01:00:00Z") && beyond.skippedCount == 5)
    }

    @Test func misfireRespectsEndAndLimit() throws {
        let r = try every("1h", start: "2026-01-01T10:00:00Z", end: "2026-01-01T12:00:00Z")
        let plan = r.nextFiring(lastFired: nil, now: S.at("2026-01-02T00:00:00Z"))
        #expect(plan?.occurrence == Occurrence(number: 3, instant: S.at("2026-01-01T12:00:00Z")))
        #expect(r.nextFiring(lastFired: plan?.occurrence, now: S.at("2026-01-02T00:00:00Z")) == nil)
        #expect(r.nextFiring(lastFired: nil, now: S.at("2026-01-02T00:00:00Z"), policy: .skip(graceMillis: 0)) == nil)
        let limited = try every("1m", start: "2026-01-01T10:00:00Z", limit: 5)
        #expect(limited.nextFiring(lastFired: nil, now: S.at("2026-01-01T11:00:00Z"))?.occurrence.number == 5)
    }
}
