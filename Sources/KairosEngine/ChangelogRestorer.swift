import Foundation
import KafkaClient
import KairosWire
import Logging

/// Rebuilds partitions' stores from `changelog` before they serve (invariant 3): each from its store's checkpoint
/// + 1 (the start when it has none) to the end of its partition, then records the new checkpoint. One consumer
/// reads every partition of an assignment at once, so a rebalance that hands over many partitions pays the set-up
/// once and the fetches of all of them overlap. What was read is written to the stores in rounds of at most
/// `bufferRecords` records, the stores of a round in parallel.
///
/// Each partition goes through the states of `PartitionRestore`: registered (its end offset known), restoring
/// (assigned to the consumer), completed (its position reached the end, and its store written). Before that, a
/// partition with a transaction still open on it is waited for (`OpenTransactions`).
struct ChangelogRestorer {
    let kafka: KafkaConfiguration
    let changelogTopic: String
    /// Records read but not yet written, over all partitions, that start a round of writes: bounds the memory of a
    /// restore whatever the number of partitions.
    let bufferRecords: Int
    let logger: Logger
    /// Told when a partition's restore starts waiting for an open transaction, and when it stops (nil).
    var onOpenTransaction: (Int32, OpenTransaction?) -> Void = { _, _ in }

    struct Outcome {
        var records: Int
        var seconds: Double
    }

    /// Restores `stores` (by partition); returns each one's records replayed and the time the whole restore took.
    func restore(_ stores: [ScheduleStore]) throws -> [Int32: Outcome] {
        let started = ContinuousClock.now
        var configuration = ConsumerConfiguration(kafka: kafka)
        configuration.isolationLevel = .readCommitted
        configuration.enablePartitionEOF = true
        configuration.fetchWaitMaxMilliseconds = 10
        // librdkafka 2.0 stops fetching for a second once its queue reaches these limits (100,000 records or 64 MiB
        // by default), however fast the queue then drains: the queue must hold more than a second of writing.
        configuration.queuedMinMessages = 500_000
        configuration.queuedMaxMessagesKilobytes = 131_072
        let consumer = try KafkaConsumer(configuration: configuration)
        defer { try? consumer.close() }

        let topicPartitions = stores.map { TopicPartition(topic: changelogTopic, partition: $0.partition) }
        var ends = try consumer.endOffsets(of: topicPartitions)
        var transactions = OpenTransactions(
            stable: byPartition(ends), high: byPartition(try highWatermarks(of: topicPartitions)))
        if !transactions.isEmpty {
            for (partition, end) in try waitOut(&transactions, consumer: consumer) {
                ends[TopicPartition(topic: changelogTopic, partition: partition)] = end
            }
        }
        var restores: [Int32: PartitionRestore] = [:]
        var assignment: [TopicPartitionOffset] = []
        for store in stores {
            let partition = TopicPartition(topic: changelogTopic, partition: store.partition)
            guard let end = ends[partition], end >= 0 else {
                throw EngineError("the broker gave no end offset for \(partition)")
            }
            let restore = PartitionRestore(store: store, checkpoint: try store.changelogOffset, end: end)
            restores[store.partition] = restore
            if let start = restore.begin() {
                assignment.append(TopicPartitionOffset(partition, offset: start))
            }
        }
        if !assignment.isEmpty {
            try consumer.assign(assignment)
        }
        var unwritten = 0
        while restores.values.contains(where: { $0.state != .completed }) {
            let result = try consumer.poll(maxRecords: min(10_000, bufferRecords), timeoutMilliseconds: 500)
            unwritten += result.records.count
            for record in result.records {
                guard let restore = restores[record.partition] else { continue }
                if case .unreadable(let reason) = restore.receive(record) {
                    logger.error(
                        "skipping unreadable changelog record",
                        metadata: [
                            "partition": "\(record.partition)", "offset": "\(record.offset)", "reason": "\(reason)",
                        ])
                }
            }
            let reachedEnd = Set(
                result.reachedEnd.filter { $0.topicPartition.topic == changelogTopic }.map(\.topicPartition.partition))
            let restoring = restores.filter { $0.value.state == .restoring }.map {
                TopicPartition(topic: changelogTopic, partition: $0.key)
            }
            // Done at the end of the partition; the position also moves past transaction markers.
            var finished: [PartitionRestore] = []
            for position in try consumer.position(restoring) {
                let partition = position.topicPartition.partition
                guard let restore = restores[partition] else { continue }
                if restore.reached(position.offset, endOfPartition: reachedEnd.contains(partition)) {
                    finished.append(restore)
                }
            }
            if unwritten >= bufferRecords {
                try write(restores.values.filter { $0.hasChanges || finished.contains($0) })
                unwritten = 0
            } else if !finished.isEmpty {
                try write(finished)
            }
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return restores.mapValues { Outcome(records: $0.records, seconds: seconds) }
    }

    private func byPartition(_ offsets: [TopicPartition: Int64]) -> [Int32: Int64] {
        Dictionary(offsets.map { ($0.key.partition, $0.value) }, uniquingKeysWith: { $1 })
    }

    /// The high watermarks of `partitions`: their end offsets for a read_uncommitted reader (a read_committed one
    /// is told the last stable offsets).
    private func highWatermarks(of partitions: [TopicPartition]) throws -> [TopicPartition: Int64] {
        guard !partitions.isEmpty else { return [:] }
        var configuration = ConsumerConfiguration(kafka: kafka)
        configuration.isolationLevel = .readUncommitted
        let consumer = try KafkaConsumer(configuration: configuration)
        defer { try? consumer.close() }
        return try consumer.endOffsets(of: partitions)
    }

    /// Waits until every transaction in `transactions` ended (see `OpenTransactions`); returns the partitions' end
    /// offsets (last stable offsets) then.
    private func waitOut(_ transactions: inout OpenTransactions, consumer: KafkaConsumer) throws -> [Int32: Int64] {
        let started = ContinuousClock.now
        var reminded = started
        for (partition, open) in transactions.open.sorted(by: { $0.key < $1.key }) {
            logger.warning(
                "changelog restore waits for an open transaction",
                metadata: [
                    "partition": "\(partition)", "stable_offset": "\(open.stableOffset)",
                    "high_watermark": "\(open.highWatermark)",
                    "bound": "the transaction timeout of the instance that opened it (KAIROS_TRANSACTION_TIMEOUT_MS)",
                ])
            onOpenTransaction(partition, open)
        }
        var ends: [Int32: Int64] = [:]
        while !transactions.isEmpty {
            Thread.sleep(forTimeInterval: 0.1)  // the broker is asked again ten times a second
            let stable = byPartition(
                try consumer.endOffsets(
                    of: transactions.partitions.map { TopicPartition(topic: changelogTopic, partition: $0) }))
            for partition in transactions.update(stable: stable) {
                ends[partition] = stable[partition]
                let waited = (ContinuousClock.now - started).components
                logger.notice(
                    "open transaction on the changelog ended; the restore goes on",
                    metadata: [
                        "partition": "\(partition)", "stable_offset": "\(stable[partition] ?? -1)",
                        "waited_ms": "\(waited.seconds * 1_000 + waited.attoseconds / 1_000_000_000_000_000)",
                    ])
                onOpenTransaction(partition, nil)
            }
            if !transactions.isEmpty && ContinuousClock.now - reminded >= .seconds(10) {
                reminded = ContinuousClock.now
                logger.warning(
                    "changelog restore still waits for an open transaction",
                    metadata: ["partitions": "\(transactions.partitions.map(String.init).joined(separator: ","))"])
            }
        }
        return ends
    }

    /// Writes what `restores` gathered to their stores (several stores at once).
    private func write(_ restores: [PartitionRestore]) throws {
        try ScheduleStore.applyAll(restores.compactMap(\.pendingWrite))
        for restore in restores {
            restore.written()
        }
    }
}

/// One partition's restore, as an explicit state machine (the states of Kafka Streams' changelog reader).
final class PartitionRestore: Equatable {
    enum State: Equatable {
        /// The store is open and the changelog's end offset known; nothing read yet.
        case registered
        /// Reading the changelog from the checkpoint + 1.
        case restoring
        /// The position reached the end offset: the store reflects the changelog up to it once written.
        case completed
    }

    let store: ScheduleStore
    /// The first changelog offset to read: after the checkpoint, or the start.
    let start: Int64
    /// The changelog's end offset when the restore began (for read_committed, its last stable offset).
    let end: Int64
    private(set) var state = State.registered
    /// Records read so far.
    private(set) var records = 0
    /// Changes read since the last write.
    private var changes: [StoreChange] = []
    private var lastOffset: Int64?
    private var commandsOffset: Int64?

    init(store: ScheduleStore, checkpoint: Int64?, end: Int64) {
        self.store = store
        self.start = checkpoint.map { $0 + 1 } ?? TopicPartitionOffset.beginning
        self.end = end
    }

    /// registered → restoring: returns the offset to read from; or registered → completed when there is nothing to
    /// replay (returns nil).
    func begin() -> Int64? {
        precondition(state == .registered, "a restore begins once")
        if end == 0 || (start >= 0 && start >= end) {
            state = .completed
            return nil
        }
        state = .restoring
        return start
    }

    /// Takes one changelog record; returns what it said.
    @discardableResult
    func receive(_ record: KafkaConsumerRecord) -> ChangelogRecord.Entry {
        let entry = ChangelogRecord.entry(key: record.key, value: record.value)
        switch entry {
        case .schedule(let schedule, let encoded): changes.append(.upsert(schedule, encoded: encoded))
        case .removed(let id): changes.append(.delete(id: id))
        case .progress(let next): commandsOffset = max(commandsOffset ?? next, next)
        case .unreadable: break
        }
        lastOffset = record.offset
        records += 1
        return entry
    }

    /// restoring → completed once the read position reaches the end (or the consumer reported the partition's end);
    /// returns whether this call completed it.
    func reached(_ position: Int64, endOfPartition: Bool) -> Bool {
        guard state == .restoring, endOfPartition || position >= end else { return false }
        state = .completed
        return true
    }

    /// Whether changes are waiting to be written.
    var hasChanges: Bool { !changes.isEmpty }

    /// What to write: the changes gathered and the checkpoint they reach; nil before the first record.
    var pendingWrite: StoreWrite? {
        lastOffset.map {
            StoreWrite(store: store, changes: changes, changelogOffset: $0, commandsOffset: commandsOffset)
        }
    }

    /// The pending write is in the store.
    func written() {
        changes.removeAll(keepingCapacity: true)
    }

    static func == (left: PartitionRestore, right: PartitionRestore) -> Bool { left === right }
}
