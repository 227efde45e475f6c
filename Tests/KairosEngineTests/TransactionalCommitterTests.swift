@testable import KairosEngine
import KafkaClient
import KairosWire
import ScheduleModel
import Testing
import TestThreads

@Suite(.ownThreads) struct TransactionalCommitterTests {
    @Test func aBatchIsOneTransactionThenTheStoreHoldsItWithItsCheckpoint() throws {
        let harness = try CommitterHarness(guarantee: .exactlyOnce)
        defer { harness.close() }
        let committer = TransactionalCommitter(
            producer: harness.producer, consumer: harness.consumer, owner: harness.owner, reporter: harness.reporter)
        try committer.submit(harness.creating("tx-1", at: 900, next: 5), commands: 1)
        let changelog = try harness.committed(harness.settings.topics.changelog)
        #expect(changelog.map { String(decoding: $0.key ?? [], as: UTF8.self) }.first == "tx-1")
        #expect(changelog.count == 2)
        let events = try harness.committed(harness.settings.topics.events)
        #expect(events.compactMap { try? EventRecord(decoding: $0.value ?? []).kind } == [.scheduled])
        let store = try #require(harness.owner.stores[0])
        #expect(try store.schedule(id: "tx-1")?.fireAt == 900)
        #expect(try store.commandsOffset == 5)
        // The checkpoint is the changelog offset of the batch's last changelog record (its progress record).
        #expect(try store.changelogOffset == changelog.last?.offset)
        #expect(metricValue(harness.metrics, #"kairos_batches_total{result="committed"}"#) == 1)
        #expect(committer.abandon() == 0)
    }

    @Test func aFiredRecordToAPartitionThatDoesNotExistIsDeadLetteredOrFailsTheBatchNamingIt() throws {
        let harness = try CommitterHarness(guarantee: .exactlyOnce)
        defer { harness.close() }
        let committer = TransactionalCommitter(
            producer: harness.producer, consumer: harness.consumer, owner: harness.owner, reporter: harness.reporter)
        var schedule = oneShot("nowhere", at: 1)
        schedule.targetPartition = 9
        var batch = OutputBatch(topics: harness.settings.topics)
        let firing = Firing(partition: 0, schedule: schedule, occurrence: Occurrence(number: 1, instant: 1), firedAt: 2)
        batch.firings[0] = firing
        batch.records.append(try #require(FiredRecord.record(of: schedule, occurrence: firing.occurrence, firedAt: 2)))
        batch.remove(schedule, partition: 0)
        do {
            try committer.submit(batch, commands: 0)
            // Refused at once by the client: its dead letter took its place in the same transaction.
            let letters = try harness.committed(harness.settings.topics.deadLetters)
            #expect(letters.count == 1)
            #expect(DeadLetterRecord(try #require(letters.first)).error.contains("refused"))
        } catch let refused as UndeliverableFirings {
            // Refused by the broker: the batch was aborted and names the firing.
            #expect(refused.firings.map(\.0.schedule.id) == ["nowhere"])
        }
    }

    /// A commit that outlasts its call's timeout goes on in the background; it is resumed, not abandoned half-way
    /// (which would leave the producer refusing every later transaction).
    @Test func aCommitThatTimesOutIsResumedAndTheNextTransactionBegins() throws {
        let harness = try CommitterHarness(guarantee: .exactlyOnce)
        defer { harness.close() }
        let committer = TransactionalCommitter(
            producer: harness.producer, consumer: harness.consumer, owner: harness.owner, reporter: harness.reporter)
        harness.producer.transactionCallTimeoutMilliseconds = 300
        try harness.cluster.setRoundTripTime(broker: 1, milliseconds: 450)
        try committer.submit(harness.creating("slow", at: 900, next: 1), commands: 1)
        try harness.cluster.setRoundTripTime(broker: 1, milliseconds: 0)
        try committer.submit(harness.creating("next", at: 900, next: 2), commands: 1)
        let store = try #require(harness.owner.stores[0])
        #expect(try store.schedule(id: "slow") != nil)
        #expect(try store.schedule(id: "next") != nil)
        let changelog = try harness.committed(harness.settings.topics.changelog)
        #expect(Set(changelog.compactMap { $0.key.map { String(decoding: $0, as: UTF8.self) } }).isSuperset(of: ["slow", "next"]))
        #expect(metricValue(harness.metrics, #"kairos_batches_total{result="committed"}"#) == 2)
    }
}
