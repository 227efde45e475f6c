import Foundation
import KafkaClient
import Logging

/// Rebuilds a partition's store from `changelog`-k: from the store's checkpoint + 1 (the start when it has none)
/// to the end of the partition, then records the new checkpoint. States: idle → restoring → completed.
struct ChangelogRestorer {
    let kafka: KafkaConfiguration
    let changelogTopic: String
    let logger: Logger

    struct Outcome {
        var records: Int
        var seconds: Double
    }

    func restore(_ store: ScheduleStore) throws -> Outcome {
        let started = ContinuousClock.now
        let partition = TopicPartition(topic: changelogTopic, partition: store.partition)
        let start = try store.changelogOffset.map { $0 + 1 } ?? TopicPartitionOffset.beginning
        var kafka = kafka
        kafka.properties["fetch.wait.max.ms"] = kafka.properties["fetch.wait.max.ms"] ?? "10"
        var configuration = ConsumerConfiguration(kafka: kafka)
        configuration.isolationLevel = .readCommitted
        configuration.enablePartitionEOF = true
        let consumer = try KafkaConsumer(configuration: configuration)
        defer { try? consumer.close() }
        // Nothing to replay: skip the fetch round trip (start-up with many partitions stays quick).
        let end = try consumer.watermarks(of: partition)
        if end.high == 0 || (start >= 0 && start >= end.high) {
            return Outcome(records: 0, seconds: Self.seconds(since: started))
        }
        try consumer.assign([TopicPartitionOffset(partition, offset: start)])

        var restored = 0
        var changes: [StoreChange] = []
        var lastOffset: Int64?
        var commandsOffset: Int64?
        func flush() throws {
            guard lastOffset != nil else { return }
            try store.apply(changes, changelogOffset: lastOffset, commandsOffset: commandsOffset, sync: false)
            changes.removeAll(keepingCapacity: true)
        }
        var caughtUp = false
        while !caughtUp {
            let result = try consumer.poll(maxRecords: 10_000, timeoutMilliseconds: 500)
            for record in result.records {
                switch ChangelogRecord.meaning(of: record) {
                case .change(let change): changes.append(change)
                case .progress(let next): commandsOffset = max(commandsOffset ?? next, next)
                case .unreadable(let reason):
                    logger.error("skipping unreadable changelog record", metadata: [
                        "partition": "\(record.partition)", "offset": "\(record.offset)", "reason": "\(reason)",
                    ])
                }
                lastOffset = record.offset
                restored += 1
            }
            if changes.count >= 10_000 { try flush() }
            // Done at the end of the partition; the position also moves past transaction markers.
            let position = try consumer.position([partition]).first?.offset ?? 0
            caughtUp = result.reachedEnd.contains { $0.topicPartition == partition } || position >= end.high
        }
        try flush()
        return Outcome(records: restored, seconds: Self.seconds(since: started))
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
