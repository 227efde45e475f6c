@testable import KairosEngine
import ScheduleModel
import Testing
import TestThreads

@Suite(.ownThreads) struct ScheduleProgressionTests {
    @Test func aOneShotHasNothingToFollow() {
        let schedule = oneShot("a", at: 1_000)
        #expect(schedule.following(Occurrence(number: 1, instant: 1_000), logger: quietLogger) == nil)
    }

    @Test func aRecurringScheduleFollowsWithItsNextOccurrence() throws {
        let schedule = try recurring("r", every: "5m", anchor: 1_800_000_000_000)
        let first = Occurrence(number: 1, instant: schedule.scheduledFor)
        // A retried delivery: the next occurrence starts afresh.
        let retried = schedule.retried(at: schedule.fireAt + 10_000, error: "HTTP 503")
        let next = try #require(retried.following(first, logger: quietLogger))
        #expect(next.occurrence == 2)
        #expect(next.scheduledFor == first.instant + 300_000)
        #expect(next.fireAt == first.instant + 300_000)
        #expect(next.previous == first)
        #expect(next.failedAttempts == 0)
        #expect(next.lastError == nil)
        #expect(next.id == "r" && next.payload == schedule.payload && next.recurrence == schedule.recurrence)
    }

    @Test func theNextOccurrenceIsDueAtItsFlexibleWindowOffset() throws {
        var schedule = try recurring("w", every: "1h", anchor: 1_800_000_000_000)
        schedule.windowMillis = 600_000
        let first = Occurrence(number: 1, instant: schedule.scheduledFor)
        let next = try #require(schedule.following(first, logger: quietLogger))
        let nominal = Occurrence(number: 2, instant: first.instant + 3_600_000)
        #expect(next.scheduledFor == nominal.instant)
        #expect(next.fireAt == schedule.dueTime(of: nominal))
        #expect(next.fireAt >= nominal.instant && next.fireAt < nominal.instant + 600_000)
    }

    @Test func theLastOccurrenceOfALimitedScheduleHasNothingToFollow() throws {
        let schedule = try recurring("l", every: "1m", anchor: 1_800_000_000_000, limit: 2)
        let first = Occurrence(number: 1, instant: schedule.scheduledFor)
        let second = try #require(schedule.following(first, logger: quietLogger))
        #expect(second.occurrence == 2)
        #expect(second.following(Occurrence(number: 2, instant: second.scheduledFor), logger: quietLogger) == nil)
    }

    @Test func anUnreadableStoredRecurrenceEndsTheSchedule() {
        var schedule = oneShot("broken", at: 1_000)
        schedule.recurrence = RecurrenceSpec(kind: .every, expression: "every now and then", anchor: 0)
        #expect(schedule.following(Occurrence(number: 1, instant: 1_000), logger: quietLogger) == nil)
    }

    @Test func positionedAtItsOwnOccurrenceIsUnchanged() throws {
        let schedule = try recurring("p", every: "1m", anchor: 1_800_000_000_000)
            .retried(at: 1_900_000_000_000, error: "timeout")
        #expect(schedule.positioned(at: Occurrence(number: 1, instant: schedule.scheduledFor)) == schedule)
    }

    @Test func positionedAtALaterOccurrenceMovesThereKeepingItsFireTime() throws {
        let created = try recurring("p", every: "1m", anchor: 1_800_000_000_000)
        let first = Occurrence(number: 1, instant: created.scheduledFor)
        var schedule = try #require(created.following(first, logger: quietLogger))
        schedule.failedAttempts = 2
        let later = Occurrence(number: 5, instant: first.instant + 240_000)
        let positioned = schedule.positioned(at: later)
        #expect(positioned.occurrence == 5)
        #expect(positioned.scheduledFor == later.instant)
        #expect(positioned.fireAt == schedule.fireAt)
        #expect(positioned.previous == first)
        #expect(positioned.failedAttempts == 0)
    }
}
