import Foundation
import KafkaClient
import Logging
import ScheduleModel

/// Who owns partition k, and how it is taken on and given up.
///
/// The owner of `commands`-k is the group member assigned it; that member alone holds store k and fires its
/// timers. On assignment the store at `<state dir>/<group>/<k>/` is opened (created if new) and restored from
/// `changelog`-k before any command of k is read: the rebalance handler runs inside the consumer's poll, on the
/// engine thread, so nothing of k is consumed or fired until it returns. It returns the offset after the last
/// command the store reflects, so consumption resumes exactly there. On revocation the engine has no transaction
/// open (every exactly-once batch is committed before the next poll), and at-least-once batches still in flight are
/// settled first (`beforeRelease`), so the store is complete when it is closed and kept on disk for a quick return;
/// a lost partition is closed the same way.
final class PartitionOwner {
    private let settings: EngineSettings
    private let restorer: ChangelogRestorer
    private let logger: Logger
    private let status: EngineStatus
    private let metrics: KairosMetrics
    private(set) var stores: [Int32: ScheduleStore] = [:]
    /// Set when opening or restoring a store failed; the engine stops on it.
    private(set) var failure: (any Error)?
    /// The stores served, for reads from other threads (the HTTP API).
    let reader = ScheduleReader()
    /// Runs before partitions are given up (the engine settles its batches in flight there).
    var beforeRelease: (() -> Void)?

    init(
        settings: EngineSettings, kafka: KafkaConfiguration, status: EngineStatus, metrics: KairosMetrics,
        logger: Logger
    ) {
        self.settings = settings
        self.status = status
        self.metrics = metrics
        var restorer = ChangelogRestorer(
            kafka: kafka, changelogTopic: settings.topics.changelog, bufferRecords: settings.restoreBufferRecords,
            logger: logger)
        restorer.onOpenTransaction = { [status] partition, transaction in
            status.update { $0.partitions[partition]?.openTransaction = transaction }
        }
        self.restorer = restorer
        self.logger = logger
    }

    var ownedPartitions: [Int32] { stores.keys.sorted() }

    func storePath(_ partition: Int32) -> String {
        URL(fileURLWithPath: settings.stateDirectory)
            .appendingPathComponent(settings.groupID)
            .appendingPathComponent(String(partition)).path
    }

    /// Handles a rebalance; for assignments returns where each partition's commands resume.
    func handle(_ event: RebalanceEvent) -> [TopicPartitionOffset] {
        let partitions = event.partitions.filter { $0.topic == settings.topics.commands }.map(\.partition)
        switch event {
        case .assigned:
            metrics.counter(KairosMetrics.Name.rebalances, [("event", "assigned")]).increment()
            // Not ready until every partition is restored: readiness sees them all as restoring from the start.
            status.update { snapshot in
                snapshot.joined = true
                for partition in partitions {
                    snapshot.partitions[partition] = EngineStatus.Partition(partition: partition, state: .restoring)
                }
            }
            return take(partitions)
        case .revoked:
            metrics.counter(KairosMetrics.Name.rebalances, [("event", "revoked")]).increment()
            if !partitions.isEmpty { beforeRelease?() }
            partitions.forEach { release($0, reason: "revoked") }
            return []
        case .lost:
            metrics.counter(KairosMetrics.Name.rebalances, [("event", "lost")]).increment()
            if !partitions.isEmpty { beforeRelease?() }
            partitions.forEach { release($0, reason: "lost") }
            return []
        }
    }

    /// Opens the stores of `partitions` (creating new ones), restores them from the changelog together, and starts
    /// serving them; returns where each partition's commands resume (none for a partition it could not take).
    private func take(_ partitions: [Int32]) -> [TopicPartitionOffset] {
        var opened: [ScheduleStore] = []
        for partition in partitions {
            do {
                let path = storePath(partition)
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
                opened.append(try ScheduleStore(partition: partition, path: path))
            } catch {
                fail(partition, error)
            }
        }
        let outcomes: [Int32: ChangelogRestorer.Outcome]
        do {
            outcomes = try restorer.restore(opened)
        } catch {
            for store in opened {
                store.close()
                fail(store.partition, error)
            }
            return []
        }
        if let seconds = outcomes.values.first?.seconds {
            metrics.timer(KairosMetrics.Name.restoreDuration).recordSeconds(seconds)
        }
        return opened.compactMap { store in
            serve(store, restored: outcomes[store.partition] ?? ChangelogRestorer.Outcome(records: 0, seconds: 0))
        }
    }

    private func serve(_ store: ScheduleStore, restored outcome: ChangelogRestorer.Outcome) -> TopicPartitionOffset? {
        let partition = store.partition
        do {
            stores[partition] = store
            reader.serve(store)
            let resume = try store.commandsOffset
            let pending = try store.approximateCount()
            metrics.counter(KairosMetrics.Name.restoredRecords, []).increment(by: outcome.records)
            status.update { snapshot in
                var entry = EngineStatus.Partition(partition: partition, state: .serving)
                entry.pending = pending
                entry.nextDue = store.nextDueTime.flatMap { $0 == Schedule.parked ? nil : $0 }
                entry.commandsOffset = resume
                entry.restoredRecords = outcome.records
                entry.restoreSeconds = outcome.seconds
                snapshot.partitions[partition] = entry
            }
            logger.info(
                "partition assigned",
                metadata: [
                    "partition": "\(partition)", "restored_records": "\(outcome.records)",
                    "restore_seconds": "\(String(format: "%.3f", outcome.seconds))",
                    "pending": "\(pending)",
                    "resume_offset": "\(resume.map(String.init) ?? "committed")",
                ])
            return resume.map {
                TopicPartitionOffset(topic: settings.topics.commands, partition: partition, offset: $0)
            }
        } catch {
            fail(partition, error)
            return nil
        }
    }

    private func fail(_ partition: Int32, _ error: any Error) {
        logger.critical("cannot take partition", metadata: ["partition": "\(partition)", "error": "\(error)"])
        failure = failure ?? error
    }

    private func release(_ partition: Int32, reason: String) {
        status.update { $0.partitions[partition] = nil }
        reader.release(partition)
        guard let store = stores.removeValue(forKey: partition) else { return }
        store.close()
        logger.info("partition released", metadata: ["partition": "\(partition)", "reason": "\(reason)"])
    }

    /// What `batch` changes in each owned store, with the checkpoint it brings the store to.
    func storeWrites(of batch: OutputBatch, changelogOffsets: [Int32: Int64]) -> [StoreWrite] {
        let partitions = Set(batch.changes.keys).union(batch.nextCommandOffsets.keys)
        return partitions.compactMap { partition in
            stores[partition].map {
                StoreWrite(
                    store: $0, changes: batch.changes[partition] ?? [], changelogOffset: changelogOffsets[partition],
                    commandsOffset: batch.nextCommandOffsets[partition])
            }
        }
    }

    /// Serves `store` as it is, without a restore from the changelog: a seam for tests of the parts that read the
    /// stores.
    func serveUnrestored(_ store: ScheduleStore) {
        stores[store.partition] = store
    }

    /// Closes every store (shutdown).
    func releaseAll() {
        for partition in ownedPartitions {
            release(partition, reason: "shutdown")
        }
    }
}
