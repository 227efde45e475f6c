import Dispatch
@testable import KafkaClient
@testable import KairosEngine
import Synchronization
import Testing
import TestThreads

@Suite(.ownThreads) struct DeliveryTrackerTests {
    func report(_ topic: String, _ partition: Int32, _ offset: Int64) -> Result<DeliveryReport, KafkaError> {
        .success(DeliveryReport(topic: topic, partition: partition, offset: offset))
    }

    func failure(_ message: String) -> Result<DeliveryReport, KafkaError> {
        .failure(.local("produce", message))
    }

    /// Counts the runs of an `onComplete`.
    final class Runs: Sendable {
        let count = Atomic(0)
        var value: Int { count.load(ordering: .relaxed) }
        func callback() -> @Sendable () -> Void { { self.count.add(1, ordering: .relaxed) } }
    }

    @Test func itKeepsTheHighestChangelogOffsetPerPartition() {
        let tracker = DeliveryTracker(changelogTopic: "t.changelog")
        let reports = [
            report("t.changelog", 0, 5), report("t.changelog", 0, 3), report("t.changelog", 1, 9),
            report("t.events", 0, 100), report("fired", 2, 50), report("t.changelog", 0, 6),
        ]
        let handlers = reports.indices.map { tracker.expect(index: $0) }
        for (handler, result) in zip(handlers, reports) { handler(result) }
        #expect(tracker.changelogOffsets == [0: 6, 1: 9])
        #expect(tracker.isComplete)
        #expect(tracker.failures.isEmpty)
    }

    @Test func failuresAreKeptByIndexInIndexOrder() {
        let tracker = DeliveryTracker(changelogTopic: "t.changelog")
        let handlers = (0..<4).map { tracker.expect(index: $0) }
        handlers[3](failure("third"))
        handlers[1](failure("first"))
        handlers[0](report("t.changelog", 0, 1))
        handlers[2](report("fired", 0, 1))
        #expect(tracker.failures.map(\.0) == [1, 3])
        #expect(tracker.failures.map(\.1.message) == ["first", "third"])
        #expect(tracker.changelogOffsets == [0: 1])
    }

    @Test func sealRunsOnCompleteOnceTheLastReportIsIn() {
        let tracker = DeliveryTracker(changelogTopic: "t.changelog")
        let runs = Runs()
        let first = tracker.expect(index: 0)
        let second = tracker.expect(index: 1)
        first(report("fired", 0, 1))
        tracker.seal(onComplete: runs.callback())
        #expect(runs.value == 0)
        #expect(!tracker.isComplete)
        #expect(tracker.completedAt == nil)
        second(failure("gone"))
        #expect(runs.value == 1)
        #expect(tracker.isComplete)
        #expect(tracker.completedAt != nil)
    }

    @Test func reportsBeforeSealDoNotComplete() {
        let tracker = DeliveryTracker(changelogTopic: "t.changelog")
        let runs = Runs()
        tracker.expect(index: 0)(report("fired", 0, 1))
        // Every registered record has its report, but more may be registered until the seal.
        #expect(tracker.isComplete)
        #expect(tracker.completedAt == nil)
        tracker.seal(onComplete: runs.callback())
        #expect(runs.value == 1)
        #expect(tracker.completedAt != nil)
    }

    @Test func sealOfAnEmptyTrackerCompletesAtOnce() {
        let tracker = DeliveryTracker(changelogTopic: "t.changelog")
        let runs = Runs()
        tracker.seal(onComplete: runs.callback())
        #expect(runs.value == 1)
        #expect(tracker.isComplete)
    }

    @Test func forgetTakesBackARegistrationWhoseHandlerNeverRuns() {
        let tracker = DeliveryTracker(changelogTopic: "t.changelog")
        let runs = Runs()
        let kept = tracker.expect(index: 0)
        _ = tracker.expect(index: 1)
        tracker.forget(index: 1)
        tracker.seal(onComplete: runs.callback())
        #expect(runs.value == 0)
        kept(report("fired", 0, 1))
        #expect(runs.value == 1)
        #expect(tracker.isComplete)
    }

    @Test func waitForAllReturnsOnceReportsArriveFromAnotherThread() throws {
        let tracker = DeliveryTracker(changelogTopic: "t.changelog")
        let handlers = (0..<3).map { tracker.expect(index: $0) }
        for (index, handler) in handlers.enumerated() {
            DispatchQueue.global().async { handler(.success(DeliveryReport(topic: "t.changelog", partition: 0, offset: Int64(index)))) }
        }
        try tracker.waitForAll(timeout: .seconds(10))
        #expect(tracker.isComplete)
        #expect(tracker.changelogOffsets == [0: 2])
    }

    @Test func waitForAllTimesOutWhileAReportIsMissing() {
        let tracker = DeliveryTracker(changelogTopic: "t.changelog")
        _ = tracker.expect(index: 0)
        #expect(throws: EngineError.self) { try tracker.waitForAll(timeout: .milliseconds(150)) }
    }

    @Test func waitForAllThrowsTheFailureOfASubstituteButNotOfAnIndexedRecord() throws {
        let indexed = DeliveryTracker(changelogTopic: "t.changelog")
        indexed.expect(index: 0)(failure("indexed"))
        try indexed.waitForAll(timeout: .seconds(1))
        #expect(indexed.failures.map(\.0) == [0])

        let substituted = DeliveryTracker(changelogTopic: "t.changelog")
        substituted.expect(index: nil)(failure("substitute"))
        substituted.expect(index: nil)(failure("second substitute"))
        #expect(substituted.failures.isEmpty)
        let error = #expect(throws: KafkaError.self) { try substituted.waitForAll(timeout: .seconds(1)) }
        #expect(error?.message == "substitute")
    }
}
