import KafkaClient
import Logging
import Metrics

/// How a batch commits: one implementation per delivery guarantee, `TransactionalCommitter` (exactly-once) and
/// `PipelinedCommitter` (at-least-once). Either way the stores are written only once the batch's records are
/// durable in Kafka, and the `commands` offsets never run ahead of the stores (invariant 2).
///
/// A committer reports each batch it has committed to its `CommitReporter`, and throws when one failed; the loop
/// then calls `abandon` and reads the commands again from what the stores reflect.
protocol BatchCommitter: AnyObject {
    /// Commits `batch`, which consumed `commands` commands: at once in exactly-once mode, or by handing it to Kafka
    /// to settle later in at-least-once mode.
    func submit(_ batch: OutputBatch, commands: Int) throws

    /// Settles the batches in flight whose acknowledgements are in; with `waitingForRoom`, first waits until the
    /// pipeline has room for another batch.
    func settle(waitingForRoom: Bool) throws

    /// Settles every batch in flight (before a partition is given up, and at shutdown).
    func settleAll() throws

    /// After a failure: waits out and drops every batch in flight; returns how many there were.
    func abandon() -> Int

    /// Flushes what the producer holds (shutdown).
    func close()
}

/// A batch whose records are durable and whose stores are written.
struct CommittedBatch {
    var batch: OutputBatch
    /// Commands the batch consumed.
    var commands: Int
    /// From handing the batch over to its offsets committed.
    var duration: Duration
    var timings: CommitTimings
}

/// Counts and logs committed batches: the metrics count only what is committed.
final class CommitReporter {
    private let metrics: KairosMetrics
    private let refused: RefusedFirings
    private let logger: Logger
    /// Told where each partition's commands are applied up to, once the stores are written.
    private let applied: AppliedOffsets?

    init(metrics: KairosMetrics, refused: RefusedFirings, logger: Logger, applied: AppliedOffsets? = nil) {
        self.metrics = metrics
        self.refused = refused
        self.logger = logger
        self.applied = applied
    }

    func committed(_ committed: CommittedBatch) {
        let batch = committed.batch
        for (partition, next) in batch.nextCommandOffsets {
            applied?.advance(partition: partition, to: next)
        }
        refused.deadLettered(batch.deadLettered)
        metrics.record(batch.tally)
        metrics.counter(KairosMetrics.Name.batches, [("result", "committed")]).increment()
        metrics.timer(KairosMetrics.Name.batchDuration).record(duration: committed.duration)
        logger.debug(
            "batch committed",
            metadata: [
                "commands": "\(committed.commands)", "fired": "\(batch.fired)", "rejected": "\(batch.rejected)",
                "records": "\(batch.records.count)", "commit": "\(committed.duration)",
                "phases": "\(committed.timings)",
            ])
    }
}

extension OutputBatch {
    /// The `commands` offsets the batch consumed, to commit.
    func commandOffsets() -> [TopicPartitionOffset] {
        nextCommandOffsets.map { TopicPartitionOffset(topic: topics.commands, partition: $0.key, offset: $0.value) }
    }
}
