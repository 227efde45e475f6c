import Foundation
@testable import KairosEngine
import KafkaClient
import KairosWire
import ScheduleModel
import Testing

/// When a pipelined batch settles: only once acknowledged, oldest first, its store written before its offsets.
extension PipelinedCommitterTests {
    func committer(_ fixture: CommitterFixture, _ pipeline: CommitPipeline) -> PipelinedCommitter {
        PipelinedCommitter(
            inFlight: pipeline, producer: fixture.producer, consumer: fixture.consumer, owner: fixture.owner,
            reporter: fixture.reporter)
    }

    @Test func theOffsetsOfAnAcknowledgedBatchAreCommittedOnlyAfterItsStoreWrite() throws {
        let fixture = try CommitterFixture(.atLeastOnce)
        defer { fixture.close() }
        let pipeline = CommitPipeline()
        let committer = committer(fixture, pipeline)
        try committer.submit(fixture.creating("a", next: 7), commands: 1)
        #expect(eventually { pipeline.entries.first?.sent.isAcknowledged == true })
        // Durable in Kafka, but neither in the store nor committed: the loop has not settled it yet.
        #expect(try fixture.changelogKeys() == ["a", "progress"])
        #expect(try fixture.store.schedule(id: "a") == nil)
        #expect(try fixture.store.commandsOffset == nil)
        #expect(try fixture.committedOffset() == TopicPartitionOffset.invalid)
        #expect(metricValue(fixture.metrics, #"kairos_batches_total{result="committed"}"#) == nil)
        try committer.settle(waitingForRoom: false)
        #expect(pipeline.isEmpty)
        #expect(try fixture.store.schedule(id: "a") == oneShot("a", at: 100))
        #expect(try fixture.store.commandsOffset == 7)
        #expect(try fixture.store.changelogOffset == fixture.reader.records(fixture.settings.topics.changelog).last?.offset)
        #expect(try fixture.committedOffset() == 7)
        #expect(metricValue(fixture.metrics, #"kairos_batches_total{result="committed"}"#) == 1)
        #expect(metricValue(fixture.metrics, #"kairos_commands_total{result="applied"}"#) == 1)
    }

    @Test func aStoreWriteThatFailsCommitsNoOffsetsAndKeepsTheBatchInFlight() throws {
        let fixture = try CommitterFixture(.atLeastOnce)
        defer { fixture.close() }
        let pipeline = CommitPipeline()
        let committer = committer(fixture, pipeline)
        try committer.submit(fixture.creating("unwritten", next: 3), commands: 1)
        #expect(eventually { pipeline.entries.first?.sent.isAcknowledged == true })
        try fixture.store.close()
        #expect(throws: (any Error).self) { try committer.settle(waitingForRoom: false) }
        #expect(try fixture.committedOffset() == TopicPartitionOffset.invalid)
        #expect(pipeline.entries.count == 1)
        #expect(metricValue(fixture.metrics, #"kairos_batches_total{result="committed"}"#) == nil)
        #expect(committer.abandon() == 1)
        #expect(pipeline.isEmpty)
    }

    @Test func aBatchWithAFiredRecordKafkaRefusedFailsToSettleAndCommitsNothing() throws {
        let fixture = try CommitterFixture(.atLeastOnce)
        defer { fixture.close() }
        let pipeline = CommitPipeline()
        let committer = committer(fixture, pipeline)
        var schedule = oneShot("refused", at: 1)
        schedule.targetPartition = 9
        var batch = fixture.creating(next: 1)
        let firing = Firing(partition: 0, schedule: schedule, occurrence: Occurrence(number: 1, instant: 1), firedAt: 1)
        batch.firings[batch.records.count] = firing
        batch.records.append(try #require(FiredRecord.record(of: schedule, occurrence: firing.occurrence, firedAt: 1)))
        // The producer has not seen `fired` yet: the record is queued, then refused by the cluster's answer.
        try committer.submit(batch, commands: 1)
        #expect(eventually { pipeline.entries.first?.sent.isAcknowledged == true })
        #expect {
            try committer.settle(waitingForRoom: false)
        } throws: { error in
            (error as? UndeliverableFirings)?.firings.map(\.0.schedule.id) == ["refused"]
        }
        #expect(try fixture.store.commandsOffset == nil)
        #expect(try fixture.committedOffset() == TopicPartitionOffset.invalid)
        #expect(committer.abandon() == 1)
    }

    @Test func settlingStopsAtTheOldestBatchNotYetAcknowledged() throws {
        // Two brokers; the older batch goes to a topic led by the slow one, the newer to one led by the other.
        let fixture = try CommitterFixture(.atLeastOnce) { settings in
            let cluster = try EmbeddedKafkaCluster(brokers: 2)
            for topic in settings.topics.all { try cluster.createTopic(topic, partitions: 1) }
            for index in 0..<12 { try cluster.createTopic("target-\(index)", partitions: 1) }
            return cluster
        }
        defer { fixture.close() }
        let leaders = try KafkaAdmin(configuration: clusterConfiguration(fixture.cluster)).metadata().topics
            .filter { $0.name.hasPrefix("target-") }
            .compactMap { topic in topic.partitions.first.map { (topic: topic.name, leader: $0.leader) } }
        let slow = try #require(leaders.first)
        let fast = try #require(leaders.first { $0.leader != slow.leader }, "every target has the same leader")
        // The producer learns both topics before the slow broker slows down.
        for topic in [slow.topic, fast.topic] {
            try fixture.producer.producer.produce(KafkaProducerRecord(topic: topic, partition: 0, value: [0]))
        }
        try fixture.producer.producer.flush()
        try fixture.cluster.setRoundTripTime(broker: slow.leader, milliseconds: 2_000)
        let pipeline = CommitPipeline()
        let committer = committer(fixture, pipeline)
        for (index, topic) in [slow.topic, fast.topic].enumerated() {
            var batch = OutputBatch(topics: fixture.settings.topics)
            batch.records.append(KafkaProducerRecord(topic: topic, partition: 0, value: [1]))
            batch.changes[0] = [.upsert(oneShot("batch-\(index)", at: 10))]
            batch.nextCommandOffsets[0] = Int64(index + 1)
            try committer.submit(batch, commands: 1)
        }
        #expect(eventually { pipeline.entries.count == 2 && pipeline.entries[1].sent.isAcknowledged })
        try #require(!pipeline.entries[0].sent.isAcknowledged)
        try committer.settle(waitingForRoom: false)
        #expect(pipeline.entries.count == 2, "the newer batch waits for the older one")
        #expect(try fixture.store.schedule(id: "batch-1") == nil)
        #expect(try fixture.store.commandsOffset == nil)
        try committer.settleAll()
        #expect(pipeline.isEmpty)
        #expect(try fixture.store.schedule(id: "batch-0") != nil && fixture.store.schedule(id: "batch-1") != nil)
        #expect(try fixture.store.commandsOffset == 2)
        #expect(try fixture.committedOffset() == 2)
        #expect(metricValue(fixture.metrics, #"kairos_batches_total{result="committed"}"#) == 2)
    }
}
