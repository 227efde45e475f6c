@testable import KairosEngine
import KafkaClient
import KairosWire
import ScheduleModel
import Testing
import TestThreads

@Suite(.ownThreads) struct StatusPublisherTests {
    @Test func servedPartitionsArePublishedAndGaugesOfGoneOnesGoBackToZero() throws {
        let scratch = try ScratchDirectory()
        let store = try openStore(scratch, partition: 3)
        try store.apply(
            [.upsert(oneShot("p1", at: 700)), .upsert(oneShot("p2", at: 900))], changelogOffset: 4, commandsOffset: 6)
        let settings = testSettings()
        let owner = unrestoredOwner(serving: [store], settings: settings)
        let status = EngineStatus()
        let metrics = KairosMetrics()
        let consumer = try KafkaConsumer(
            configuration: ConsumerConfiguration(kafka: KafkaConfiguration(bootstrapServers: "127.0.0.1:1")))
        let deliveries = WebhookDeliveries(settings: settings.webhooks) {}
        let publisher = StatusPublisher(
            owner: owner, consumer: consumer, commandsTopic: settings.topics.commands, deliveries: deliveries,
            status: status, metrics: metrics)
        publisher.publish()
        let entry = try #require(status.snapshot.partitions[3])
        #expect(entry.state == .serving && entry.nextDue == 700)
        #expect(entry.commandsOffset == 6 && entry.changelogOffset == 4)
        #expect(entry.pending >= 1)
        #expect(metricValue(metrics, "kairos_partitions_owned") == 1)
        #expect((metricValue(metrics, #"kairos_pending_schedules{partition="3"}"#) ?? 0) >= 1)
        owner.releaseAll()
        publisher.publish()
        #expect(metricValue(metrics, "kairos_partitions_owned") == 0)
        #expect(metricValue(metrics, #"kairos_pending_schedules{partition="3"}"#) == 0)
    }

    @Test func aPausedPartitionsParkedSchedulesAreNoDueTime() throws {
        let scratch = try ScratchDirectory()
        let store = try openStore(scratch)
        defer { store.close() }
        var paused = oneShot("paused", at: 100)
        paused.pausedAt = 50
        try store.apply([.upsert(paused)], changelogOffset: 0, commandsOffset: 1)
        #expect(store.nextDueTime == Schedule.parked)
        let settings = testSettings()
        let status = EngineStatus()
        let publisher = StatusPublisher(
            owner: unrestoredOwner(serving: [store], settings: settings),
            consumer: try KafkaConsumer(
                configuration: ConsumerConfiguration(kafka: KafkaConfiguration(bootstrapServers: "127.0.0.1:1"))),
            commandsTopic: settings.topics.commands,
            deliveries: WebhookDeliveries(settings: settings.webhooks) {}, status: status, metrics: KairosMetrics())
        publisher.publish()
        #expect(status.snapshot.partitions[0]?.nextDue == nil)
    }
}
