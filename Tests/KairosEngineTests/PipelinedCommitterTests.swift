@testable import KairosEngine
import KafkaClient
import KairosWire
import ScheduleModel
import Testing
import TestThreads

@Suite(.ownThreads) struct PipelinedCommitterTests {
    @Test func batchesSettleOldestFirstStoresBeforeOffsets() throws {
        let harness = try CommitterHarness(guarantee: .atLeastOnce)
        defer { harness.close() }
        let pipeline = CommitPipeline()
        let committer = PipelinedCommitter(
            inFlight: pipeline, producer: harness.producer, consumer: harness.consumer, owner: harness.owner,
            reporter: harness.reporter)
        try committer.submit(harness.creating("a", at: 100, next: 1), commands: 1)
        try committer.submit(harness.creating("b", at: 200, next: 2), commands: 1)
        // In flight: the pipeline answers for both until their stores are written.
        #expect(pipeline.entries.count <= 2)
        try committer.settleAll()
        #expect(pipeline.isEmpty)
        let store = try #require(harness.owner.stores[0])
        #expect(try store.schedule(id: "a") != nil && store.schedule(id: "b") != nil)
        #expect(try store.commandsOffset == 2)
        let committed = try harness.consumer.committed([
            TopicPartition(topic: harness.settings.topics.commands, partition: 0)
        ])
        #expect(committed.first?.offset == 2)
        #expect(metricValue(harness.metrics, #"kairos_batches_total{result="committed"}"#) == 2)
    }

    @Test func settleWaitsForRoomWhenThePipelineIsFull() throws {
        let harness = try CommitterHarness(guarantee: .atLeastOnce)
        defer { harness.close() }
        let pipeline = CommitPipeline()
        let committer = PipelinedCommitter(
            inFlight: pipeline, producer: harness.producer, consumer: harness.consumer, owner: harness.owner,
            reporter: harness.reporter)
        for index in 0..<CommitPipeline.maxBatches {
            try committer.submit(harness.creating("s\(index)", at: Int64(index), next: Int64(index + 1)), commands: 1)
        }
        try committer.settle(waitingForRoom: true)
        #expect(!pipeline.isFull)
        try committer.settleAll()
        #expect(try harness.owner.stores[0]?.commandsOffset == Int64(CommitPipeline.maxBatches))
    }

    @Test func abandonDropsWhatIsInFlightAndTheStoreKeepsWhatWasSettled() throws {
        let harness = try CommitterHarness(guarantee: .atLeastOnce)
        defer { harness.close() }
        let pipeline = CommitPipeline()
        let committer = PipelinedCommitter(
            inFlight: pipeline, producer: harness.producer, consumer: harness.consumer, owner: harness.owner,
            reporter: harness.reporter)
        try committer.submit(harness.creating("settled", at: 1, next: 1), commands: 1)
        try committer.settleAll()
        try committer.submit(harness.creating("dropped-1", at: 2, next: 2), commands: 1)
        try committer.submit(harness.creating("dropped-2", at: 3, next: 3), commands: 1)
        #expect(committer.abandon() == 2)
        #expect(pipeline.isEmpty)
        let store = try #require(harness.owner.stores[0])
        #expect(try store.schedule(id: "settled") != nil)
        #expect(try store.schedule(id: "dropped-1") == nil && store.schedule(id: "dropped-2") == nil)
        #expect(try store.commandsOffset == 1)
    }
}
