import KafkaClient

/// At-least-once commits, pipelined: the idempotent producer gets a batch and the loop goes on building the next
/// while the acknowledgements come in (`CommitPipeline`, at most 4 batches or 100,000 records). A batch settles
/// once acknowledged, oldest first: its stores are written (`StoreWriter`), then its `commands` offsets committed.
/// A crash repeats the firings of the batches in flight, which the guarantee allows.
final class PipelinedCommitter: BatchCommitter {
    /// The batches in flight, which `ScheduleView` reads too.
    private let inFlight: CommitPipeline
    private let producer: BatchProducer
    private let consumer: KafkaConsumer
    private let owner: PartitionOwner
    private let reporter: CommitReporter
    private let writer: StoreWriter

    init(
        inFlight: CommitPipeline, producer: BatchProducer, consumer: KafkaConsumer, owner: PartitionOwner,
        reporter: CommitReporter
    ) {
        self.inFlight = inFlight
        self.producer = producer
        self.consumer = consumer
        self.owner = owner
        self.reporter = reporter
        // A batch acknowledged or written in the background wakes the poll, so it settles without delay.
        writer = StoreWriter { [consumer] in consumer.wakeUp() }
    }

    /// Hands `batch` to the producer and returns without waiting for the acknowledgements.
    func submit(_ batch: OutputBatch, commands: Int) throws {
        let started = ContinuousClock.now
        let tracker = producer.makeTracker()
        // No flush: with linger.ms at 0 the records go out at once, and librdkafka's flush would wait in 10 ms steps
        // while another thread serves the delivery reports.
        try producer.produce(batch, into: tracker)
        tracker.seal { [consumer] in consumer.wakeUp() }
        inFlight.append(
            batch, sent: SentBatch(tracker: tracker, started: started, produced: ContinuousClock.now),
            commands: commands)
    }

    func settle(waitingForRoom: Bool) throws {
        try settleAcknowledged()
        while waitingForRoom && inFlight.isFull {
            try settleAcknowledged(waitingForOldest: true)
        }
    }

    func settleAll() throws {
        while !inFlight.isEmpty {
            try settleAcknowledged(waitingForOldest: true)
        }
    }

    /// Settles the batches whose acknowledgements are all in, oldest first: starts their store writes, and once a
    /// write is done commits the batch's offsets and drops it from the pipeline. With `waitingForOldest`, waits until
    /// the oldest batch is settled. Throws the first failure (a record Kafka refused, a store write).
    private func settleAcknowledged(waitingForOldest: Bool = false) throws {
        for index in inFlight.entries.indices where inFlight.entries[index].write == nil {
            let entry = inFlight.entries[index]
            guard entry.sent.isAcknowledged || (waitingForOldest && index == 0) else { break }
            let timings = try acknowledged(entry.batch, entry.sent)
            let previous = index > 0 ? inFlight.entries[index - 1].write : nil
            let writes = owner.storeWrites(of: entry.batch, changelogOffsets: entry.sent.tracker.changelogOffsets)
            inFlight.writing(writer.start(writes, after: previous), timings: timings, at: index)
        }
        var waiting = waitingForOldest
        while let oldest = inFlight.entries.first, let write = oldest.write, waiting || write.isFinished {
            waiting = false
            var timings = oldest.timings
            timings.store = try write.wait()
            try timings.measure(\.offsets) {
                let offsets = oldest.batch.commandOffsets()
                if !offsets.isEmpty {
                    try consumer.commit(offsets)
                }
            }
            reporter.committed(
                CommittedBatch(
                    batch: oldest.batch, commands: oldest.commands, duration: ContinuousClock.now - oldest.sent.started,
                    timings: timings))
            _ = inFlight.removeOldest()
        }
    }

    /// Waits for the acknowledgements of a batch; throws if a record failed.
    private func acknowledged(_ batch: OutputBatch, _ sent: SentBatch) throws -> CommitTimings {
        var timings = CommitTimings()
        timings.produce = sent.produced - sent.started
        try sent.tracker.waitForAll(timeout: producer.deliveryTimeout)
        timings.durable = (sent.tracker.completedAt ?? ContinuousClock.now) - sent.produced
        if let refused = producer.undeliverable(batch, sent.tracker) { throw refused }
        if let failure = sent.tracker.failures.first { throw failure.1 }
        return timings
    }

    func abandon() -> Int {
        let dropped = inFlight.removeAll()
        for entry in dropped {
            try? entry.sent.tracker.waitForAll(timeout: .seconds(30))
        }
        // Store writes under way finish before the stores are read again.
        writer.drain()
        return dropped.count
    }

    func close() {
        producer.close()
    }
}

/// An at-least-once batch handed to the producer, its acknowledgements counted.
struct SentBatch {
    let tracker: DeliveryTracker
    let started: ContinuousClock.Instant
    let produced: ContinuousClock.Instant

    /// Whether every record has its delivery report.
    var isAcknowledged: Bool { tracker.isComplete }
}
