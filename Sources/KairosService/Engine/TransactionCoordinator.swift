import Foundation
import KafkaClient
import Logging
import ScheduleModel
import Synchronization

/// A schedule being fired in a batch, with the index of its fired record.
struct Firing {
    var partition: Int32
    var schedule: Schedule
    /// The occurrence fired (number and nominal instant).
    var occurrence: Occurrence
    var firedAt: Int64
}

/// Fired records Kafka refused for good (no such partition, too large, ...): the batch was not written, and these
/// firings must go to the DLQ instead when they are tried again.
struct UndeliverableFirings: Error, CustomStringConvertible {
    var firings: [(Firing, KafkaError)]
    var description: String {
        "undeliverable: " + firings.map { "\($0.0.schedule.id): \($0.1)" }.joined(separator: "; ")
    }
}

/// Everything one engine iteration wants written, committed as one unit.
struct OutputBatch {
    var records: [KafkaProducerRecord] = []
    /// The firing behind each fired record, by index in `records`.
    var firings: [Int: Firing] = [:]
    /// Firings sent to the DLQ because Kafka refused their record earlier.
    var deadLettered: [Firing] = []
    /// Store changes per partition, in the order they happen.
    var changes: [Int32: [StoreChange]] = [:]
    /// Next `commands` offset per partition, for the partitions whose commands this batch consumed.
    var nextCommandOffsets: [Int32: Int64] = [:]
    var fired = 0
    var rejected = 0
    /// What the batch did, counted in the metrics once it is committed.
    var tally = KairosMetrics.Tally()

    var isEmpty: Bool { records.isEmpty && nextCommandOffsets.isEmpty }
}

/// How a firing commits. In exactly-once mode one Kafka transaction holds a batch's fired records, changelog
/// updates, events, dead letters and `commands` offsets (KIP-447: fenced through the consumer's group metadata).
/// In at-least-once mode the idempotent producer writes the same records: `send` hands them over and returns,
/// `acknowledged` waits for every acknowledgement, then the engine writes the stores and `commitOffsets` commits the
/// offsets, so the engine builds the next batches meanwhile (`CommitPipeline`).
final class TransactionCoordinator {
    private let configuration: ProducerConfiguration
    private let guarantee: DeliveryGuarantee
    private let commandsTopic: String
    private let changelogTopic: String
    private let logger: Logger
    private var producer: KafkaProducer

    init(
        kafka: KafkaConfiguration, guarantee: DeliveryGuarantee, transactionalID: String, commandsTopic: String,
        changelogTopic: String, logger: Logger
    ) throws {
        var configuration = ProducerConfiguration(kafka: kafka)
        configuration.idempotent = true
        configuration.lingerMilliseconds = 0
        if guarantee == .exactlyOnce {
            configuration.transactionalID = transactionalID
            configuration.transactionTimeoutMilliseconds = 30_000
        }
        self.configuration = configuration
        self.guarantee = guarantee
        self.commandsTopic = commandsTopic
        self.changelogTopic = changelogTopic
        self.logger = logger
        producer = try Self.makeProducer(configuration, guarantee)
    }

    private static func makeProducer(_ configuration: ProducerConfiguration, _ guarantee: DeliveryGuarantee) throws
        -> KafkaProducer
    {
        let producer = try KafkaProducer(configuration: configuration)
        if guarantee == .exactlyOnce {
            // Fences an earlier producer with this id and aborts its open transaction.
            try producer.initTransactions(timeoutMilliseconds: 60_000)
        }
        return producer
    }

    /// Writes `batch` and waits until it is durable. In at-least-once mode `afterDurable` runs between the
    /// acknowledgements and the offset commit (it writes the stores); in exactly-once mode after the commit. A fired
    /// record that the producer refuses at once is replaced by `replacement(firing, error)` (its dead letter) in the
    /// same batch; one refused later fails the batch with `UndeliverableFirings`.
    func commit(
        _ batch: OutputBatch, consumer: KafkaConsumer,
        replacement: (Firing, KafkaError) -> [KafkaProducerRecord],
        afterDurable: ([Int32: Int64]) throws -> Void
    ) throws -> CommitTimings {
        switch guarantee {
        case .exactlyOnce:
            var timings = CommitTimings()
            let tracker = DeliveryTracker(changelogTopic: changelogTopic)
            let offsets = commandOffsets(batch)
            do {
                try producer.beginTransaction()
                try timings.measure(\.produce) { try produceAll(batch, tracker: tracker, replacement: replacement) }
                try timings.measure(\.offsets) {
                    if !offsets.isEmpty {
                        try producer.sendOffsetsToTransaction(offsets, groupMetadata: try consumer.groupMetadata())
                    }
                }
                try timings.measure(\.durable) {
                    // The transaction's commit flushes what is queued, but librdkafka's flush waits in 10 ms steps
                    // while another thread serves the delivery reports: wait for them here first, then commit.
                    try tracker.waitForAll(timeout: deliveryTimeout)
                    try producer.commitTransaction()
                }
            } catch {
                recover(from: error)
                try? tracker.waitForAll(timeout: .seconds(5))
                throw undeliverable(batch, tracker) ?? error
            }
            try timings.measure(\.store) { try afterDurable(tracker.changelogOffsets) }
            return timings
        case .atLeastOnce:
            let sent = try send(batch, replacement: replacement)
            return try finish(batch, sent, consumer: consumer, afterDurable: afterDurable)
        }
    }

    /// At-least-once: hands `batch` to the producer and returns without waiting for the acknowledgements;
    /// `acknowledged` runs (on the producer's thread) once they are all in. `finish` completes it.
    func send(
        _ batch: OutputBatch, replacement: (Firing, KafkaError) -> [KafkaProducerRecord],
        acknowledged: @escaping @Sendable () -> Void = {}
    ) throws -> SentBatch {
        precondition(guarantee == .atLeastOnce, "an exactly-once batch commits in one transaction")
        let started = ContinuousClock.now
        let tracker = DeliveryTracker(changelogTopic: changelogTopic)
        // No flush: with linger.ms at 0 the records go out at once, and librdkafka's flush would wait in 10 ms
        // steps while another thread serves the delivery reports.
        try produceAll(batch, tracker: tracker, replacement: replacement)
        tracker.seal(onComplete: acknowledged)
        return SentBatch(tracker: tracker, started: started, produced: ContinuousClock.now)
    }

    /// At-least-once: waits for the acknowledgements of a batch from `send`, runs `afterDurable` (it writes the
    /// stores), then commits the `commands` offsets. Throws if a record failed, before `afterDurable`.
    func finish(
        _ batch: OutputBatch, _ sent: SentBatch, consumer: KafkaConsumer,
        afterDurable: ([Int32: Int64]) throws -> Void
    ) throws -> CommitTimings {
        var timings = try acknowledged(batch, sent)
        try timings.measure(\.store) { try afterDurable(sent.tracker.changelogOffsets) }
        try timings.measure(\.offsets) { try commitOffsets(batch, consumer: consumer) }
        return timings
    }

    /// At-least-once: waits for the acknowledgements of a batch from `send`; throws if a record failed. Then the
    /// stores may be written (`changelogOffsets` of the tracker are where they are), and the offsets committed.
    func acknowledged(_ batch: OutputBatch, _ sent: SentBatch) throws -> CommitTimings {
        var timings = CommitTimings()
        timings.produce = sent.produced - sent.started
        try sent.tracker.waitForAll(timeout: deliveryTimeout)
        timings.durable = (sent.tracker.completedAt ?? ContinuousClock.now) - sent.produced
        if let refused = undeliverable(batch, sent.tracker) { throw refused }
        if let failure = sent.tracker.failures.first { throw failure.1 }
        return timings
    }

    /// At-least-once: commits the `commands` offsets a batch consumed, once its stores are written.
    func commitOffsets(_ batch: OutputBatch, consumer: KafkaConsumer) throws {
        let offsets = commandOffsets(batch)
        if !offsets.isEmpty {
            try consumer.commit(offsets)
        }
    }

    private func commandOffsets(_ batch: OutputBatch) -> [TopicPartitionOffset] {
        batch.nextCommandOffsets.map { TopicPartitionOffset(topic: commandsTopic, partition: $0.key, offset: $0.value) }
    }

    private func produceAll(
        _ batch: OutputBatch, tracker: DeliveryTracker, replacement: (Firing, KafkaError) -> [KafkaProducerRecord]
    ) throws {
        for (index, record) in batch.records.enumerated() {
            do {
                try producer.produce(record, onDelivery: tracker.expect(index: index))
            } catch {
                tracker.forget(index: index)
                guard error.isUndeliverableRecord, let firing = batch.firings[index] else { throw error }
                for substitute in replacement(firing, error) {
                    try producer.produce(substitute, onDelivery: tracker.expect(index: nil))
                }
            }
        }
    }

    /// The batch's fired records that Kafka refused for good, if any.
    private func undeliverable(_ batch: OutputBatch, _ tracker: DeliveryTracker) -> UndeliverableFirings? {
        let refused = tracker.failures.compactMap { index, error in
            batch.firings[index].flatMap { error.isUndeliverableRecord ? ($0, error) : nil }
        }
        return refused.isEmpty ? nil : UndeliverableFirings(firings: refused)
    }

    /// A record's delivery report comes at the latest when its message timeout expires.
    private var deliveryTimeout: Duration {
        .milliseconds(configuration.messageTimeoutMilliseconds) + .seconds(5)
    }

    private func recover(from error: any Error) {
        if (error as? KafkaError)?.isFatal == true || producer.fatalError != nil {
            logger.warning("transactional producer failed fatally; recreating it", metadata: ["error": "\(error)"])
            do {
                producer = try Self.makeProducer(configuration, guarantee)
            } catch {
                logger.error("could not recreate the producer", metadata: ["error": "\(error)"])
            }
        } else {
            do {
                try producer.abortTransaction()
            } catch {
                logger.warning("abort failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Flushes what is queued (shutdown).
    func close() {
        try? producer.flush(timeoutMilliseconds: 10_000)
    }
}

/// An at-least-once batch handed to the producer (`TransactionCoordinator.send`), its acknowledgements counted.
struct SentBatch {
    let tracker: DeliveryTracker
    let started: ContinuousClock.Instant
    let produced: ContinuousClock.Instant

    /// Whether every record has its delivery report.
    var isAcknowledged: Bool { tracker.isComplete }
}

/// Where a batch's commit spent its time, for the debug log.
struct CommitTimings: CustomStringConvertible {
    /// Handing the records to the producer.
    var produce = Duration.zero
    /// Until Kafka acknowledged every record (exactly-once: and the transaction committed).
    var durable = Duration.zero
    /// Writing the stores.
    var store = Duration.zero
    /// Committing the `commands` offsets (at-least-once) or adding them to the transaction (exactly-once).
    var offsets = Duration.zero

    mutating func measure(_ phase: WritableKeyPath<CommitTimings, Duration>, _ body: () throws -> Void) rethrows {
        let started = ContinuousClock.now
        defer { self[keyPath: phase] += ContinuousClock.now - started }
        try body()
    }

    var description: String {
        func ms(_ duration: Duration) -> String {
            let (seconds, attoseconds) = duration.components
            return String(format: "%.1f", Double(seconds) * 1_000 + Double(attoseconds) / 1e15)
        }
        return "produce=\(ms(produce))ms durable=\(ms(durable))ms store=\(ms(store))ms offsets=\(ms(offsets))ms"
    }
}

/// Counts delivery reports of one batch, remembers the highest changelog offset per partition and which records
/// (by batch index) failed.
final class DeliveryTracker: Sendable {
    private struct State {
        var outstanding = 0
        var changelogOffsets: [Int32: Int64] = [:]
        var failures: [Int: KafkaError] = [:]
        var otherFailure: KafkaError?
        /// Set by `seal`: every record is registered, and this runs when the last report is in.
        var sealed = false
        var onComplete: (@Sendable () -> Void)?
        /// When the last report came in, once sealed.
        var completedAt: ContinuousClock.Instant?
    }

    private let changelogTopic: String
    private let state = Mutex(State())
    private let done = DispatchSemaphore(value: 0)

    init(changelogTopic: String) {
        self.changelogTopic = changelogTopic
    }

    /// Registers one more record (`index` in the batch, nil for a substitute) and returns its delivery handler.
    func expect(index: Int?) -> KafkaProducer.DeliveryHandler {
        state.withLock { $0.outstanding += 1 }
        return { [self] result in
            let completed = state.withLock { state -> (@Sendable () -> Void)? in
                switch result {
                case .success(let report):
                    if report.topic == changelogTopic {
                        state.changelogOffsets[report.partition] = max(
                            state.changelogOffsets[report.partition] ?? report.offset, report.offset)
                    }
                case .failure(let error):
                    if let index {
                        state.failures[index] = error
                    } else {
                        state.otherFailure = state.otherFailure ?? error
                    }
                }
                state.outstanding -= 1
                guard state.sealed, state.outstanding == 0 else { return nil }
                state.completedAt = ContinuousClock.now
                return state.onComplete
            }
            done.signal()
            completed?()
        }
    }

    /// Marks every record registered; `onComplete` runs once all their reports are in (at once if they are).
    func seal(onComplete: @escaping @Sendable () -> Void) {
        let complete = state.withLock { state in
            state.sealed = true
            state.onComplete = onComplete
            if state.outstanding == 0 {
                state.completedAt = ContinuousClock.now
            }
            return state.outstanding == 0
        }
        if complete {
            onComplete()
        }
    }

    /// Whether every registered record has its report.
    var isComplete: Bool { state.withLock { $0.outstanding == 0 } }

    /// When the last report of a sealed tracker came in.
    var completedAt: ContinuousClock.Instant? { state.withLock { $0.completedAt } }

    /// Takes back a registration whose record the producer refused at once (its handler will never run).
    func forget(index: Int) {
        state.withLock { $0.outstanding -= 1 }
    }

    var changelogOffsets: [Int32: Int64] { state.withLock { $0.changelogOffsets } }

    /// Records that failed, by batch index, in index order.
    var failures: [(Int, KafkaError)] { state.withLock { $0.failures.sorted { $0.key < $1.key } } }

    /// Waits until every registered record has its report; throws a substitute record's failure.
    func waitForAll(timeout: Duration = .seconds(120)) throws {
        let deadline = ContinuousClock.now + timeout
        while state.withLock({ $0.outstanding }) > 0 {
            guard ContinuousClock.now < deadline else {
                throw EngineError("delivery reports did not arrive within \(timeout)")
            }
            _ = done.wait(timeout: .now() + .milliseconds(100))
        }
        if let error = state.withLock({ $0.otherFailure }) {
            throw error
        }
    }
}
