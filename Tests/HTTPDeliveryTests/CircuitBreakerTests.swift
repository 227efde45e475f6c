import HTTPDelivery
import Testing

@Suite struct CircuitBreakerTests {
    /// A breaker that opens after three failures for ten seconds.
    func freshBreaker() -> CircuitBreaker {
        CircuitBreaker(failureThreshold: 3, coolDownMillis: 10_000)
    }

    /// A breaker driven open at `now` by `failureThreshold` failures.
    func openedBreaker(at now: Int64) -> CircuitBreaker {
        var breaker = freshBreaker()
        for _ in 0..<3 {
            #expect(breaker.permit(now: now) == .allowed)
            breaker.record(success: false, now: now)
        }
        return breaker
    }

    @Test func startsClosedAndAllowsRequests() {
        var breaker = freshBreaker()
        #expect(breaker.state == .closed(consecutiveFailures: 0))
        #expect(breaker.stateName == "closed")
        #expect(breaker.permit(now: 0) == .allowed)
        #expect(breaker.permit(now: 1) == .allowed)
        #expect(breaker.failureThreshold == 3)
        #expect(breaker.coolDownMillis == 10_000)
    }

    @Test func failuresBelowTheThresholdKeepItClosedAndCount() {
        var breaker = freshBreaker()
        breaker.record(success: false, now: 100)
        breaker.record(success: false, now: 200)
        #expect(breaker.state == .closed(consecutiveFailures: 2))
        #expect(breaker.permit(now: 300) == .allowed)
    }

    @Test func aSuccessResetsTheCountSoFailuresMustBeConsecutive() {
        var breaker = freshBreaker()
        breaker.record(success: false, now: 100)
        breaker.record(success: false, now: 200)
        breaker.record(success: true, now: 300)
        #expect(breaker.state == .closed(consecutiveFailures: 0))
        breaker.record(success: false, now: 400)
        breaker.record(success: false, now: 500)
        #expect(breaker.state == .closed(consecutiveFailures: 2))
        #expect(breaker.stateName == "closed")
    }

    @Test func reachingTheThresholdOpensUntilNowPlusCoolDown() {
        var breaker = openedBreaker(at: 1_000)
        #expect(breaker.state == .open(until: 11_000))
        #expect(breaker.stateName == "open")
        #expect(breaker.permit(now: 1_001) == .rejected(retryAt: 11_000))
        #expect(breaker.permit(now: 10_999) == .rejected(retryAt: 11_000))
        #expect(breaker.state == .open(until: 11_000))
    }

    @Test func lateFailuresWhileOpenDoNotStretchTheCoolDown() {
        var breaker = openedBreaker(at: 1_000)
        breaker.record(success: false, now: 5_000)
        #expect(breaker.state == .open(until: 11_000))
    }

    @Test func afterTheCoolDownExactlyOneProbeIsGranted() {
        var breaker = openedBreaker(at: 1_000)
        #expect(breaker.permit(now: 11_000) == .probe)
        #expect(breaker.state == .halfOpen(probeInFlight: true))
        #expect(breaker.stateName == "half-open")
        #expect(breaker.permit(now: 11_005) == .rejected(retryAt: 12_005))
        #expect(breaker.permit(now: 20_000) == .rejected(retryAt: 21_000))
        #expect(breaker.state == .halfOpen(probeInFlight: true))
    }

    @Test func aSuccessfulProbeClosesTheBreaker() {
        var breaker = openedBreaker(at: 1_000)
        #expect(breaker.permit(now: 12_000) == .probe)
        breaker.record(success: true, now: 12_500)
        #expect(breaker.state == .closed(consecutiveFailures: 0))
        #expect(breaker.permit(now: 12_600) == .allowed)
        // The count starts afresh: two failures do not reopen it.
        breaker.record(success: false, now: 12_700)
        breaker.record(success: false, now: 12_800)
        #expect(breaker.permit(now: 12_900) == .allowed)
    }

    @Test func aFailedProbeReopensForAnotherCoolDown() {
        var breaker = openedBreaker(at: 1_000)
        #expect(breaker.permit(now: 11_000) == .probe)
        breaker.record(success: false, now: 11_400)
        #expect(breaker.state == .open(until: 21_400))
        #expect(breaker.permit(now: 21_399) == .rejected(retryAt: 21_400))
        #expect(breaker.permit(now: 21_400) == .probe)
        breaker.record(success: true, now: 21_450)
        #expect(breaker.stateName == "closed")
    }

    @Test func anAbandonedProbeFreesTheSlotForAnother() {
        var breaker = openedBreaker(at: 0)
        #expect(breaker.permit(now: 10_000) == .probe)
        breaker.abandonProbe()
        #expect(breaker.state == .halfOpen(probeInFlight: false))
        #expect(breaker.stateName == "half-open")
        #expect(breaker.permit(now: 10_100) == .probe)
        #expect(breaker.permit(now: 10_200) == .rejected(retryAt: 11_200))
    }

    @Test func abandoningWithoutAProbeChangesNothing() {
        var closed = freshBreaker()
        closed.abandonProbe()
        #expect(closed.state == .closed(consecutiveFailures: 0))
        var open = openedBreaker(at: 0)
        open.abandonProbe()
        #expect(open.state == .open(until: 10_000))
    }

    @Test func thresholdOfOneOpensOnTheFirstFailureAndBadSettingsAreClamped() {
        var single = CircuitBreaker(failureThreshold: 1, coolDownMillis: 500)
        single.record(success: false, now: 0)
        #expect(single.state == .open(until: 500))
        var clamped = CircuitBreaker(failureThreshold: 0, coolDownMillis: -1)
        #expect(clamped.failureThreshold == 1)
        #expect(clamped.coolDownMillis == 0)
        clamped.record(success: false, now: 7)
        #expect(clamped.state == .open(until: 7))
        #expect(clamped.permit(now: 7) == .probe)
    }

    @Test func coolDownEndSaturatesInsteadOfOverflowing() {
        var breaker = CircuitBreaker(failureThreshold: 1, coolDownMillis: Int64.max)
        breaker.record(success: false, now: 1_000)
        #expect(breaker.state == .open(until: Int64.max))
        #expect(breaker.permit(now: Int64.max - 1) == .rejected(retryAt: Int64.max))
    }
}
