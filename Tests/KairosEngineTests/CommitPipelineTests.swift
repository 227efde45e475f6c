import KafkaClient
import KairosWire
import ScheduleModel
import Testing

@testable import KairosEngine
import TestThreads

@Suite(.ownThreads) struct CommitPipelineTests {
    let topics = KairosTopics(prefix: "t")

    /// A batch that wrote `puts` and removed `removes` in partition 0.
    func batch(puts: [Schedule] = [], removes: [Schedule] = [], records: Int = 0) -> OutputBatch {
        var batch = OutputBatch(topics: topics)
        for schedule in puts { batch.put(schedule, replacing: nil, partition: 0) }
        for schedule in removes { batch.remove(schedule, partition: 0) }
        batch.records += (0..<records).map { _ in KafkaProducerRecord(topic: "x", value: nil) }
        return batch
    }

    /// A sent batch whose acknowledgements are all in.
    func sent() -> SentBatch {
        let tracker = DeliveryTracker(changelogTopic: topics.changelog)
        tracker.seal {}
        return SentBatch(tracker: tracker, started: .now, produced: .now)
    }

    @Test func readsSeeTheNewestBatchInFlightAndTheStoreAnswersOnceItIsWritten() {
        let pipeline = CommitPipeline()
        #expect(pipeline.state(of: "a", partition: 0) == nil)
        pipeline.append(batch(puts: [oneShot("a", at: 100)]), sent: sent(), commands: 1)
        pipeline.append(batch(puts: [oneShot("a", at: 200), oneShot("b", at: 50)]), sent: sent(), commands: 1)
        #expect(pipeline.state(of: "a", partition: 0)??.fireAt == 200)
        #expect(pipeline.holds("b", partition: 0) && !pipeline.holds("b", partition: 1))
        #expect(pipeline.holdsAny(partition: 0) && !pipeline.holdsAny(partition: 1))
        // The oldest is written: the newer state of `a` still answers.
        _ = pipeline.removeOldest()
        #expect(pipeline.state(of: "a", partition: 0)??.fireAt == 200)
        _ = pipeline.removeOldest()
        #expect(pipeline.state(of: "a", partition: 0) == nil)
        #expect(pipeline.isEmpty && !pipeline.holdsAny(partition: 0))
    }

    @Test func aDeleteInFlightReadsAsGone() {
        let pipeline = CommitPipeline()
        pipeline.append(batch(removes: [oneShot("gone", at: 1)]), sent: sent(), commands: 0)
        let state = pipeline.state(of: "gone", partition: 0)
        #expect(state != nil && state! == nil)
        #expect(pipeline.due(partition: 0, upTo: .max) { _ in false }.isEmpty)
    }

    @Test func dueAndEarliestPassOverSkippedIds() {
        let pipeline = CommitPipeline()
        pipeline.append(
            batch(puts: [oneShot("a", at: 100), oneShot("b", at: 200), oneShot("c", at: 300)]), sent: sent(),
            commands: 0)
        #expect(Set(pipeline.due(partition: 0, upTo: 250) { _ in false }.map(\.id)) == ["a", "b"])
        #expect(pipeline.due(partition: 0, upTo: 250) { $0 == "a" }.map(\.id) == ["b"])
        #expect(pipeline.earliest(partition: 0) { _ in false } == 100)
        #expect(pipeline.earliest(partition: 0) { $0 != "c" } == 300)
        #expect(pipeline.earliest(partition: 1) { _ in false } == nil)
    }

    @Test func isFullAtFourBatchesOrAHundredThousandRecords() {
        let pipeline = CommitPipeline()
        for _ in 0..<(CommitPipeline.maxBatches - 1) {
            pipeline.append(batch(), sent: sent(), commands: 0)
        }
        #expect(!pipeline.isFull)
        pipeline.append(batch(), sent: sent(), commands: 0)
        #expect(pipeline.isFull)
        #expect(pipeline.removeAll().count == CommitPipeline.maxBatches)
        #expect(pipeline.isEmpty && !pipeline.isFull)
        pipeline.append(batch(records: CommitPipeline.maxRecords), sent: sent(), commands: 0)
        #expect(pipeline.isFull)
        _ = pipeline.removeOldest()
        #expect(!pipeline.isFull)
    }
}
