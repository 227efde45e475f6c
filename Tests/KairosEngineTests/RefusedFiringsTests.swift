@testable import KafkaClient
@testable import KairosEngine
import ScheduleModel
import Testing
import TestThreads

@Suite(.ownThreads) struct RefusedFiringsTests {
    func firing(_ id: String, partition: Int32 = 0) -> Firing {
        Firing(
            partition: partition, schedule: oneShot(id, at: 100), occurrence: Occurrence(number: 1, instant: 100),
            firedAt: 110)
    }

    @Test func aNotedRefusalIsKeptByPartitionAndId() {
        let refused = RefusedFirings()
        #expect(refused.error(for: "a", partition: 0) == nil)
        refused.note(
            UndeliverableFirings(firings: [
                (firing("a"), .local("produce", "too large")), (firing("b", partition: 1), .local("produce", "no topic")),
            ]))
        #expect(refused.error(for: "a", partition: 0)?.message == "too large")
        #expect(refused.error(for: "b", partition: 1)?.message == "no topic")
        #expect(refused.error(for: "a", partition: 1) == nil)
        #expect(refused.error(for: "b", partition: 0) == nil)
    }

    @Test func aLaterRefusalOfTheSameIdReplacesTheEarlierOne() {
        let refused = RefusedFirings()
        refused.note(UndeliverableFirings(firings: [(firing("a"), .local("produce", "first"))]))
        refused.note(UndeliverableFirings(firings: [(firing("a"), .local("produce", "second"))]))
        #expect(refused.error(for: "a", partition: 0)?.message == "second")
    }

    @Test func forgetGivesANewVersionAFreshChance() {
        let refused = RefusedFirings()
        refused.note(
            UndeliverableFirings(firings: [(firing("a"), .local("produce", "x")), (firing("b"), .local("produce", "y"))]))
        refused.forget("a", partition: 0)
        refused.forget("a", partition: 5)  // nothing there: no effect
        #expect(refused.error(for: "a", partition: 0) == nil)
        #expect(refused.error(for: "b", partition: 0)?.message == "y")
    }

    @Test func aCommittedDeadLetterClearsTheRefusal() {
        let refused = RefusedFirings()
        refused.note(
            UndeliverableFirings(firings: [
                (firing("a"), .local("produce", "x")), (firing("b"), .local("produce", "y")),
                (firing("a", partition: 1), .local("produce", "z")),
            ]))
        refused.deadLettered([firing("a"), firing("gone")])
        #expect(refused.error(for: "a", partition: 0) == nil)
        #expect(refused.error(for: "b", partition: 0)?.message == "y")
        #expect(refused.error(for: "a", partition: 1)?.message == "z")
    }
}
