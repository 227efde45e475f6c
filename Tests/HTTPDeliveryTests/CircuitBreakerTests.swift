import HTTPDelivery
import Testing
import TestThreads

@Suite(.ownThreads) struct CircuitBreakerTests {
    typealias Policy = CircuitBreaker.Policy

    /// Opens at 75 % over at least 4 attempts in 10 s; open 1 s first, 8 s at most.
    static let small = Policy(
        windowMillis: 10_000, minimumAttempts: 4, failureRatePercent: 75, firstOpenMillis: 1_000, maxOpenMillis: 8_000)

    /// Records `outcomes` at `now`, each after a permit (which must allow it).
    static func feed(_ breaker: inout CircuitBreaker, _ outcomes: [CircuitBreaker.Outcome], at now: Int64) {
        for outcome in outcomes {
            #expect(breaker.permit(now: now) == .allowed)
            breaker.record(outcome, now: now)
        }
    }

    /// A breaker of `policy` opened at `now` by quick error answers.
    static func opened(_ policy: Policy = small, at now: Int64) -> CircuitBreaker {
        var breaker = CircuitBreaker(policy: policy)
        feed(&breaker, Array(repeating: .errorAnswer, count: policy.minimumAttempts), at: now)
        #expect(breaker.stateName == "open")
        _ = breaker.takeTransitions()
        return breaker
    }

    /// Drives a half-open breaker to closed with successes at `now`; returns the probes it let through.
    static func closeByProbing(_ breaker: inout CircuitBreaker, at now: Int64) -> Int {
        var probes = 0
        for _ in 0..<1_000 where breaker.state != .closed {
            if breaker.permit(now: now) == .probe {
                probes += 1
                breaker.record(.success, now: now)
            }
        }
        return probes
    }

    @Test func startsClosedWithTheDefaultsUsersGet() {
        var breaker = CircuitBreaker(policy: Policy())
        #expect(breaker.state == .closed)
        #expect(breaker.stateName == "closed")
        #expect(breaker.permit(now: 0) == .allowed)
        let defaults = Policy(
            windowMillis: 10_000, minimumAttempts: 20, failureRatePercent: 75, firstOpenMillis: 1_000,
            maxOpenMillis: 30_000)
        #expect(breaker.policy == defaults)
        #expect(breaker.failureRate(now: 0) == (percent: 0, attempts: 0))
    }

    @Test func failuresBelowTheMinimumNumberOfAttemptsNeverOpenIt() {
        var breaker = CircuitBreaker(policy: Policy())
        Self.feed(&breaker, Array(repeating: .noAnswer, count: 19), at: 1_000)
        #expect(breaker.state == .closed)
        #expect(breaker.failureRate(now: 1_000) == (percent: 100, attempts: 19))
        Self.feed(&breaker, [.noAnswer], at: 1_000)
        #expect(breaker.state == .open(until: 2_000))
    }

    @Test func aHostThatFailsEveryFirstAttemptAndAcceptsEveryRetryStaysClosed() {
        // 50 % quick 500s: the failure rate stays below the 75 % that opens the breaker, however many attempts.
        var breaker = CircuitBreaker(policy: Policy())
        for index in 0..<1_000 {
            Self.feed(&breaker, [index % 2 == 0 ? .errorAnswer : .success], at: Int64(index * 10))
        }
        #expect(breaker.state == .closed)
        #expect(breaker.failureRate(now: 9_990).percent == 50)
        #expect(breaker.takeTransitions().isEmpty)
    }

    @Test func reachingTheFailureRateOverTheMinimumOpensForTheFirstPeriod() {
        var breaker = CircuitBreaker(policy: Self.small)
        Self.feed(&breaker, [.errorAnswer, .success, .errorAnswer], at: 5_000)
        #expect(breaker.state == .closed, "3 attempts are below the minimum of 4")
        Self.feed(&breaker, [.errorAnswer], at: 5_000)
        #expect(breaker.state == .open(until: 6_000))
        #expect(breaker.stateName == "open")
        #expect(breaker.trips == 1)
        #expect(
            breaker.takeTransitions()
                == [.opened(failureRatePercent: 75, attempts: 4, windowMillis: 10_000, openMillis: 1_000, trip: 1)])
        #expect(breaker.takeTransitions().isEmpty, "taken transitions are gone")
        #expect(breaker.permit(now: 5_001) == .rejected(retryAt: 6_000))
        #expect(breaker.permit(now: 5_999) == .rejected(retryAt: 6_000))
    }

    @Test func onlyAttemptsWithinTheWindowCount() {
        var breaker = CircuitBreaker(policy: Self.small)
        Self.feed(&breaker, [.errorAnswer, .errorAnswer, .errorAnswer], at: 0)
        // Ten seconds later the first three have left the window: one failure of one attempt.
        Self.feed(&breaker, [.errorAnswer], at: 10_000)
        #expect(breaker.state == .closed)
        #expect(breaker.failureRate(now: 10_000) == (percent: 100, attempts: 1))
        // Within the window they add up.
        Self.feed(&breaker, [.errorAnswer, .errorAnswer], at: 15_000)
        #expect(breaker.state == .closed)
        Self.feed(&breaker, [.errorAnswer], at: 19_999)
        #expect(breaker.state == .open(until: 20_999))
    }

    @Test func anUnansweredAttemptWeighsMoreThanAQuickErrorAnswer() {
        let policy = Policy(minimumAttempts: 2, failureRatePercent: 60)
        var quick = CircuitBreaker(policy: policy)
        Self.feed(&quick, [.errorAnswer, .success], at: 0)
        #expect(quick.state == .closed, "1 of 2 is 50 %")
        var silent = CircuitBreaker(policy: policy)
        Self.feed(&silent, [.noAnswer, .success], at: 0)
        #expect(silent.stateName == "open", "3 of 4 is 75 %")
        #expect(
            silent.takeTransitions()
                == [.opened(failureRatePercent: 75, attempts: 2, windowMillis: 10_000, openMillis: 1_000, trip: 1)])
        // At the default 75 %: timeouts on half the attempts open it, quick 500s on half do not.
        var halfTimeouts = CircuitBreaker(policy: Policy())
        for index in 0..<20 {
            Self.feed(&halfTimeouts, [index % 2 == 0 ? .noAnswer : .success], at: 0)
        }
        #expect(halfTimeouts.stateName == "open")
        #expect(Policy.noAnswerWeight == 3)
    }

    @Test func halfOpenLetsAGrowingShareThroughThenCloses() {
        var breaker = Self.opened(at: 0)
        // At the end of the open period: the first request goes, the next seven wait a second, the ninth goes.
        #expect(breaker.permit(now: 1_000) == .probe)
        #expect(breaker.state == .halfOpen(share: 8))
        #expect(breaker.stateName == "half-open")
        for _ in 0..<7 {
            #expect(breaker.permit(now: 1_000) == .rejected(retryAt: 2_000))
        }
        breaker.record(.success, now: 1_010)
        #expect(breaker.permit(now: 1_020) == .probe)
        breaker.record(.success, now: 1_030)
        // Two successes: one in four.
        #expect(breaker.state == .halfOpen(share: 4))
        #expect(breaker.permit(now: 1_040) == .probe)
        for _ in 0..<3 {
            #expect(breaker.permit(now: 1_040) == .rejected(retryAt: 2_040))
        }
        breaker.record(.success, now: 1_045)
        #expect(breaker.permit(now: 1_045) == .probe)
        breaker.record(.success, now: 1_050)
        // One in two.
        #expect(breaker.state == .halfOpen(share: 2))
        #expect(breaker.permit(now: 1_060) == .probe)
        #expect(breaker.permit(now: 1_060) == .rejected(retryAt: 2_060))
        #expect(breaker.permit(now: 1_060) == .probe)
        breaker.record(.success, now: 1_070)
        breaker.record(.success, now: 1_070)
        #expect(breaker.state == .closed)
        #expect(breaker.permit(now: 1_080) == .allowed)
        #expect(
            breaker.takeTransitions() == [
                .halfOpened(share: 8, nextOpenMillis: 2_000), .widened(share: 4), .widened(share: 2),
                .closed(nextOpenMillis: 2_000),
            ])
    }

    @Test func halfOpenLimitsTheRequestsInFlight() {
        // Minimum 20: at most 20 / 8 = 2 in flight in the first step, however many ask.
        var breaker = Self.opened(Policy(), at: 0)
        let probes = (0..<100).map { _ in breaker.permit(now: 1_000) }.filter { $0 == .probe }.count
        #expect(probes == 2)
        breaker.record(.errorAnswer, now: 1_500)
        #expect((0..<16).map { _ in breaker.permit(now: 1_600) }.filter { $0 == .probe }.count == 1)
    }

    @Test func failuresWeighingTheMinimumInAStepOpenItAgainForALongerPeriod() {
        var breaker = Self.opened(at: 0)
        #expect(breaker.permit(now: 1_000) == .probe)
        breaker.record(.success, now: 1_000)
        // One success, then failures weighing 4 (the minimum) before the second: open again, for 2 s.
        breaker.record(.noAnswer, now: 1_100)
        #expect(breaker.stateName == "half-open")
        breaker.record(.errorAnswer, now: 1_200)
        #expect(breaker.state == .open(until: 3_200))
        #expect(breaker.trips == 2)
        #expect(
            breaker.takeTransitions() == [
                .halfOpened(share: 8, nextOpenMillis: 2_000),
                .reopened(successes: 1, failureWeight: 4, openMillis: 2_000, trip: 2),
            ])
        #expect(breaker.permit(now: 3_199) == .rejected(retryAt: 3_200))
        // A failure left over from before changes nothing while open.
        breaker.record(.noAnswer, now: 3_000)
        #expect(breaker.state == .open(until: 3_200))
    }

    @Test func theOpenPeriodDoublesOnRepeatedTripsUpToTheCoolDown() {
        var breaker = Self.opened(at: 0)
        var now: Int64 = 0
        var periods: [Int64] = []
        if case .open(let until) = breaker.state { periods.append(until - now) }
        for _ in 0..<5 {
            guard case .open(let until) = breaker.state else { break }
            now = until
            #expect(breaker.permit(now: now) == .probe)
            breaker.record(.noAnswer, now: now)
            breaker.record(.noAnswer, now: now)
            if case .open(let next) = breaker.state { periods.append(next - now) }
        }
        #expect(periods == [1_000, 2_000, 4_000, 8_000, 8_000, 8_000])
        #expect(Policy().openMillis(trip: 1) == 1_000)
        #expect(Policy().openMillis(trip: 5) == 16_000)
        #expect(Policy().openMillis(trip: 6) == 30_000)
        #expect(Policy().openMillis(trip: 1_000) == 30_000)
    }

    @Test func theTripCountStartsAgainOnlyAfterAWholeWindowClosed() {
        // Closed again, a trip within the window opens for the next period...
        var soon = Self.opened(at: 0)
        #expect(Self.closeByProbing(&soon, at: 1_000) == 6)
        Self.feed(&soon, Array(repeating: .errorAnswer, count: 4), at: 5_000)
        #expect(soon.state == .open(until: 7_000))
        // ...one after a whole closed window for the first period again.
        var late = Self.opened(at: 0)
        _ = Self.closeByProbing(&late, at: 1_000)
        Self.feed(&late, [.success], at: 11_000)
        Self.feed(&late, Array(repeating: .errorAnswer, count: 3), at: 11_000)
        #expect(late.state == .open(until: 12_000))
        #expect(late.trips == 1)
    }

    @Test func closingEmptiesTheWindow() {
        var breaker = Self.opened(at: 0)
        _ = Self.closeByProbing(&breaker, at: 1_000)
        #expect(breaker.failureRate(now: 1_000) == (percent: 0, attempts: 0))
        Self.feed(&breaker, [.errorAnswer, .errorAnswer, .errorAnswer], at: 1_100)
        #expect(breaker.state == .closed, "the failures that opened it no longer count")
    }

    @Test func outOfRangeSettingsAreClampedAndTimesSaturate() {
        let clamped = Policy(
            windowMillis: 0, minimumAttempts: 0, failureRatePercent: 500, firstOpenMillis: -5, maxOpenMillis: -1)
        #expect(clamped.windowMillis == 10)
        #expect(clamped.minimumAttempts == 1)
        #expect(clamped.failureRatePercent == 100)
        #expect(clamped.firstOpenMillis == 0)
        #expect(clamped.maxOpenMillis == 0)
        #expect(Policy(failureRatePercent: 0).failureRatePercent == 1)
        #expect(Policy(firstOpenMillis: 5_000, maxOpenMillis: 1_000).maxOpenMillis == 5_000)
        var forever = CircuitBreaker(policy: Policy(minimumAttempts: 1, firstOpenMillis: .max, maxOpenMillis: .max))
        forever.record(.errorAnswer, now: 1_000)
        #expect(forever.state == .open(until: .max))
        #expect(forever.permit(now: .max - 1) == .rejected(retryAt: .max))
        #expect(Policy(firstOpenMillis: .max / 2 + 1, maxOpenMillis: .max).openMillis(trip: 3) == .max)
    }

    @Test func negativeTimesUseTheSameWindow() {
        var breaker = CircuitBreaker(policy: Self.small)
        Self.feed(&breaker, [.errorAnswer, .errorAnswer, .errorAnswer], at: -1_500)
        Self.feed(&breaker, [.errorAnswer], at: 500)
        #expect(breaker.state == .open(until: 1_500))
    }
}
