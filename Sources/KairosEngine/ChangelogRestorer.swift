import Foundation
import KafkaClient
import Logging

/// Rebuilds partitions' stores from `changelog`: each from its store's checkpoint + 1 (the start when it has none)
/// to the end of its partition, then records the new checkpoint. One consumer reads every partition of an
/// assignment at once, so a rebalance that hands over many partitions pays the set-up once and the fetches of all
/// of them overlap. What was read is written to the stores in rounds, the stores of a round in parallel.
struct ChangelogRestorer {
    let kafka: KafkaConfiguration
    let changelogTopic: String
    /// Records read but not yet written, over all partitions, that start a round of writes: bounds the memory of a
    /// restore whatever the number of partitions.
    let bufferRecords: Int
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

        /// What to write: the changes gathered and the checkpoint they reach; nil before the first record.
        var pendingWrite: StoreWrite? {
            lastOffset.map {
                StoreWrite(store: store, changes: changes, changelogOffset: $0, commandsOffset: commandsOffset)
            }
        }
    }

    /// Restores `stores` (by partition); returns each one's records replayed and the time the whole restore took.
    func restore(_ stores: [ScheduleStore]) throws -> [Int32: Outcome] {
        let started = ContinuousClock.now
        var kafka = kafka
        kafka.properties["fetch.wait.max.ms"] = kafka.properties["fetch.wait.max.ms"] ?? "10"
        // librdkafka 2.0 stops fetching for a second once its queue reaches these limits (100,000 records or 64 MiB
        // by default), however fast the queue then drains: the queue must hold more than a second of writing.
        kafka.properties["queued.min.messages"] = kafka.properties["queued.min.messages"] ?? "500000"
        kafka.properties["queued.max.messages.kbytes"] = kafka.properties["queued.max.messages.kbytes"] ?? "131072"
        var configuration = ConsumerConfiguration(kafka: kafka)
        configuration.isolationLevel = .readCommitted
        configuration.enablePartitionEOF = true
        let consumer = try KafkaConsumer(configuration: configuration)
        defer { try? consumer.close() }

        var progress: [Int32: Progress] = [:]
        var assignment: [TopicPartitionOffset] = []
        let ends = try consumer.endOffsets(
            of: stores.map { TopicPartition(topic: changelogTopic, partition: $0.partition) })
        for store in stores {
            let partition = TopicPartition(topic: changelogTopic, partition: store.partition)
            let start = try store.changelogOffset.map { $0 + 1 } ?? TopicPartitionOffset.beginning
            guard let end = ends[partition], end >= 0 else {
                throw EngineError("the broker gave no end offset for \(partition)")
            }
            let entry = Progress(store: store, end: end)
            progress[store.partition] = entry
            // Nothing to replay: no fetch for this partition.
            if end == 0 || (start >= 0 && start >= end) {
                entry.caughtUp = true
            } else {
                assignment.append(TopicPartitionOffset(partition, offset: start))
            }
        }
        if !assignment.isEmpty {
            try consumer.assign(assignment)
        }
        var unwritten = 0
        while progress.values.contains(where: { !$0.caughtUp }) {
            let result = try consumer.poll(maxRecords: min(10_000, bufferRecords), timeoutMilliseconds: 500)
            unwritten += result.records.count
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
            var finished: [Progress] = []
            for position in positions {
                let partition = position.topicPartition.partition
                guard let entry = progress[partition] else { continue }
                if reachedEnd.contains(partition) || position.offset >= entry.end {
                    entry.caughtUp = true
                    finished.append(entry)
                }
            }
            if unwritten >= bufferRecords {
                try write(progress.values.filter { entry in
                    !entry.changes.isEmpty || finished.contains { $0 === entry }
                })
                unwritten = 0
            } else if !finished.isEmpty {
                try write(finished)
            }
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return progress.mapValues { Outcome(records: $0.records, seconds: seconds) }
    }

    /// Writes what `entries` gathered to their stores (several stores at once).
    private func write(_ entries: [Progress]) throws {
        try ScheduleStore.applyAll(entries.compactMap(\.pendingWrite))
        for entry in entries {
            entry.changes.removeAll(keepingCapacity: true)
        }
    }
}
