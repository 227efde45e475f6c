@testable import KairosEngine
import Testing
import TestThreads

@Suite(.ownThreads) struct CommitTimingsTests {
    /// Runs for at least `duration`, busy (the time measured must really pass).
    func spin(_ duration: Duration) {
        let end = ContinuousClock.now + duration
        while ContinuousClock.now < end {}
    }

    @Test func measureAddsTheTimeOfTheBodyToItsPhaseOnly() {
        var timings = CommitTimings()
        let result = timings.measure(\.store) {
            spin(.milliseconds(3))
            return 42
        }
        #expect(result == 42)
        #expect(timings.store >= .milliseconds(3))
        #expect(timings.produce == .zero && timings.durable == .zero && timings.offsets == .zero)

        let once = timings.store
        timings.measure(\.store) { spin(.milliseconds(2)) }
        #expect(timings.store >= once + .milliseconds(2))
    }

    @Test func aThrowingBodyStillCountsAndRethrows() {
        struct Failure: Error {}
        var timings = CommitTimings()
        #expect(throws: Failure.self) {
            try timings.measure(\.durable) {
                spin(.milliseconds(2))
                throw Failure()
            }
        }
        #expect(timings.durable >= .milliseconds(2))
    }

    @Test func theDescriptionGivesEachPhaseInMillisecondsToOneDecimal() {
        var timings = CommitTimings()
        timings.produce = .microseconds(12_340)
        timings.durable = .milliseconds(1_500)
        timings.store = .zero
        timings.offsets = .seconds(2) + .microseconds(60)
        #expect(timings.description == "produce=12.3ms durable=1500.0ms store=0.0ms offsets=2000.1ms")
    }
}
