import KafkaClient
import ScheduleModel

/// Publishes what the engine is doing, at most once a second: each served partition's pending schedules, next due
/// time, command lag and store size (in `EngineStatus` for the admin API, and as gauges), and the webhook circuit
/// breakers. Partitions given up have their gauges set back to 0.
///
/// Used only by the engine thread.
final class StatusPublisher {
    private let owner: PartitionOwner
    private let consumer: KafkaConsumer
    private let commandsTopic: String
    private let deliveries: WebhookDeliveries
    private let status: EngineStatus
    private let metrics: KairosMetrics
    private var lastPublished = ContinuousClock.now - .seconds(10)
    private var publishedPartitions: Set<Int32> = []

    init(
        owner: PartitionOwner, consumer: KafkaConsumer, commandsTopic: String, deliveries: WebhookDeliveries,
        status: EngineStatus, metrics: KairosMetrics
    ) {
        self.owner = owner
        self.consumer = consumer
        self.commandsTopic = commandsTopic
        self.deliveries = deliveries
        self.status = status
        self.metrics = metrics
    }

    /// Publishes when a second has passed since the last time.
    func publishIfDue() {
        if ContinuousClock.now - lastPublished >= .seconds(1) {
            publish()
        }
    }

    func publish() {
        lastPublished = ContinuousClock.now
        var partitions: [Int32: EngineStatus.Partition] = [:]
        for (partition, store) in owner.stores {
            var entry = EngineStatus.Partition(partition: partition, state: .serving)
            entry.pending = (try? store.approximateCount()) ?? 0
            entry.nextDue = store.nextDueTime.flatMap { $0 == Schedule.parked ? nil : $0 }
            entry.commandsOffset = try? store.commandsOffset
            entry.changelogOffset = try? store.changelogOffset
            entry.storeBytes = try? store.approximateBytes()
            let high = consumer.cachedHighWatermark(of: TopicPartition(topic: commandsTopic, partition: partition))
            if let high, let next = entry.commandsOffset {
                entry.commandsLag = max(0, high - next)
            }
            partitions[partition] = entry
            record(partition: partition, entry.pending, entry.commandsLag ?? 0, entry.storeBytes ?? 0)
        }
        for gone in publishedPartitions.subtracting(partitions.keys) {
            record(partition: gone, 0, 0, 0)
        }
        publishedPartitions = Set(partitions.keys)
        metrics.gauge(KairosMetrics.Name.partitions).record(partitions.count)
        let breakers = deliveries.breakerStates
        for (server, state) in breakers {
            let value = state == "open" ? 2 : state == "half-open" ? 1 : 0
            metrics.gauge(KairosMetrics.Name.breaker, [("server", server)]).record(value)
        }
        let outstanding = deliveries.outstanding
        status.update { snapshot in
            // Partitions being restored are the owner's to report until they serve.
            for (partition, entry) in partitions {
                snapshot.partitions[partition] = entry
            }
            snapshot.breakers = breakers
            snapshot.httpOutstanding = outstanding
        }
    }

    private func record(partition: Int32, _ pending: UInt64, _ lag: Int64, _ bytes: UInt64) {
        let label = [("partition", String(partition))]
        metrics.gauge(KairosMetrics.Name.pending, label).record(Int64(clamping: pending))
        metrics.gauge(KairosMetrics.Name.commandsLag, label).record(lag)
        metrics.gauge(KairosMetrics.Name.storeBytes, label).record(Int64(clamping: bytes))
    }
}
