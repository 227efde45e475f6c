import Foundation
import KafkaClient
import Logging

/// Rebuilds partitions' stores from `changelog`: each from its store's checkpoint + 1 (the start when it has none)
/// to the end of its partition, then records the new checkpoint. One consumer reads every partition of an
/// assignment at once, so a rebalance that hands over many partitions pays the set-up once and the fetches of all
/// of them overlap.
struct ChangelogRestorer {
    let kafka: KafkaConfiguration
    let changelogTopic: String
    let logger: Logger

    struct Outcome {
        var records: Int
        var seconds: Double
    }

    /// What one partition's replay has gathered since its last write to the store.
    private final class Progress {
        let store: ScheduleStore
        let end: Int64
        var records = 0
        var changes: [StoreChange] = []
        var lastOffset: Int64?
        var commandsOffset: Int64?
        var caughtUp = false

        init(store: ScheduleStore, end: Int64) {
            self.store = store
            self.end = end
        }

        func flush() throws {
            guard let lastOffset else { return }
            try store.apply(changes, changelogOffset: lastOffset, commandsOffset: commandsOffset)
            changes.removeAll(keepingCapacity: true)
        }
    }

    /// Restores `stores` (by partition); returns each one's records replayed and the time the whole restore took.
    func restore(_ stores: [ScheduleStore]) throws -> [Int32: Outcome] {
        let started = ContinuousClock.now
        var kafka = kafka
        kafka.properties["fetch.wait.max.ms"] = kafka.properties["fetch.wait.max.ms"] ?? "10"
        var configuration = ConsumerConfiguration(kafka: kafka)
        configuration.isolationLevel = .readCommitted
        configuration.enablePartitionEOF = true
        let consumer = try KafkaConsumer(configuration: configuration)
        defer { try? consumer.close() }

        var progress: [Int32: Progress] = [:]
        var assignment: [TopicPartitionOffset] = []
        for store in stores {
            let partition = TopicPartition(topic: changelogTopic, partition: store.partition)
            let start = try store.changelogOffset.map { $0 + 1 } ?? TopicPartitionOffset.beginning
            let end = try consumer.watermarks(of: partition)
            let entry = Progress(store: store, end: end.high)
            progress[store.partition] = entry
            // Nothing to replay: no fetch for this partition.
            if end.high == 0 || (start >= 0 && start >= end.high) {
                entry.caughtUp = true
            } else {
                assignment.append(TopicPartitionOffset(partition, offset: start))
            }
        }
        if !assignment.isEmpty {
            try consumer.assign(assignment)
        }
        while progress.values.contains(where: { !$0.caughtUp }) {
            let result = try consumer.poll(maxRecords: 10_000, timeoutMilliseconds: 500)
            for record in result.records {
                guard let entry = progress[record.partition] else { continue }
                switch ChangelogRecord.meaning(of: record) {
                case .change(let change): entry.changes.append(change)
                case .progress(let next): entry.commandsOffset = max(entry.commandsOffset ?? next, next)
                case .unreadable(let reason):
                    logger.error(
                        "skipping unreadable changelog record",
                        metadata: [
                            "partition": "\(record.partition)", "offset": "\(record.offset)", "reason": "\(reason)",
                        ])
                }
                entry.lastOffset = record.offset
                entry.records += 1
            }
            let reachedEnd = Set(
                result.reachedEnd.filter { $0.topicPartition.topic == changelogTopic }.map(\.topicPartition.partition))
            let waiting = progress.filter { !$0.value.caughtUp }.map {
                TopicPartition(topic: changelogTopic, partition: $0.key)
            }
            // Done at the end of the partition; the position also moves past transaction markers.
            let positions = try consumer.position(waiting)
            for position in positions {
                let partition = position.topicPartition.partition
                guard let entry = progress[partition] else { continue }
                if entry.changes.count >= 10_000 { try entry.flush() }
                if reachedEnd.contains(partition) || position.offset >= entry.end {
                    try entry.flush()
                    entry.caughtUp = true
                }
            }
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return progress.mapValues { Outcome(records: $0.records, seconds: seconds) }
    }
}
