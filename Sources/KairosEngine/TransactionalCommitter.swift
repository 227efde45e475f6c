import KafkaClient

/// Exactly-once commits: one Kafka transaction holds a batch's fired records, changelog updates, events, dead letters
/// and `commands` offsets (KIP-447: fenced through the consumer's group metadata), then the stores are written. One
/// transaction is open at a time, so nothing is in flight between batches.
final class TransactionalCommitter: BatchCommitter {
    private let producer: BatchProducer
    private let consumer: KafkaConsumer
    private let owner: PartitionOwner
    private let reporter: CommitReporter

    init(producer: BatchProducer, consumer: KafkaConsumer, owner: PartitionOwner, reporter: CommitReporter) {
        self.producer = producer
        self.consumer = consumer
        self.owner = owner
        self.reporter = reporter
    }

    /// Commits `batch` in one transaction and writes the stores. A fired record the client refuses at once is replaced
    /// by its dead letter in the same transaction; one refused later aborts it with `UndeliverableFirings`.
    func submit(_ batch: OutputBatch, commands: Int) throws {
        let started = ContinuousClock.now
        var timings = CommitTimings()
        let tracker = producer.makeTracker()
        let offsets = batch.commandOffsets()
        do {
            try producer.producer.beginTransaction()
            try timings.measure(\.produce) { try producer.produce(batch, into: tracker) }
            try timings.measure(\.offsets) {
                if !offsets.isEmpty {
                    try producer.producer.sendOffsetsToTransaction(offsets, groupMetadata: try consumer.groupMetadata())
                }
            }
            try timings.measure(\.durable) {
                // The transaction's commit flushes what is queued, but librdkafka's flush waits in 10 ms steps while
                // another thread serves the delivery reports: wait for them here first, then commit.
                try tracker.waitForAll(timeout: producer.deliveryTimeout)
                try producer.commitTransaction()
            }
        } catch {
            producer.recover(from: error)
            try? tracker.waitForAll(timeout: .seconds(5))
            throw producer.undeliverable(batch, tracker) ?? error
        }
        try timings.measure(\.store) {
            try ScheduleStore.applyAll(owner.storeWrites(of: batch, changelogOffsets: tracker.changelogOffsets))
        }
        reporter.committed(
            CommittedBatch(batch: batch, commands: commands, duration: ContinuousClock.now - started, timings: timings))
    }

    func settle(waitingForRoom: Bool) {}

    func settleAll() {}

    func abandon() -> Int { 0 }

    func close() {
        producer.close()
    }
}
