import Foundation
import KafkaClient
import Logging

/// The producer every batch is written with: idempotent, and transactional in exactly-once mode. It hands a
/// batch's records over, counting their acknowledgements, and puts a substitute (the firing's dead letter) in place
/// of a fired record the client refuses at once.
final class BatchProducer {
    private let configuration: ProducerConfiguration
    private let guarantee: DeliveryGuarantee
    private let changelogTopic: String
    private let logger: Logger
    private(set) var producer: KafkaProducer
    /// How long one call committing or aborting a transaction waits before it is resumed.
    var transactionCallTimeoutMilliseconds: Int32 = 60_000
    /// The records that stand in for a fired record Kafka refuses for good: its dead letter and event.
    private let substitute: (Firing, KafkaError) -> [KafkaProducerRecord]

    init(
        kafka: KafkaConfiguration, settings: EngineSettings, logger: Logger,
        substitute: @escaping (Firing, KafkaError) -> [KafkaProducerRecord]
    ) throws {
        var configuration = ProducerConfiguration(kafka: kafka)
        configuration.idempotent = true
        // The loop hands a whole batch over at once: nothing is gained by waiting for more.
        configuration.lingerMilliseconds = 0
        // Events and dead letters are keyed by schedule id: partitioned by the home rule, a reader finds an id's
        // events in one known partition (`HomePartition.of` over the events topic's partition count).
        configuration.partitioner = settings.homePartition?.rule.librdkafkaPartitioner
        if settings.guarantee == .exactlyOnce {
            configuration.transactionalID =
                "\(settings.groupID)-\(settings.instanceID ?? UUID().uuidString)"
            configuration.transactionTimeoutMilliseconds = settings.transactionTimeoutMilliseconds
        }
        self.configuration = configuration
        self.guarantee = settings.guarantee
        self.changelogTopic = settings.topics.changelog
        self.logger = logger
        self.substitute = substitute
        producer = try Self.makeProducer(configuration, settings.guarantee)
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

    /// A tracker for the acknowledgements of one batch.
    func makeTracker() -> DeliveryTracker {
        DeliveryTracker(changelogTopic: changelogTopic)
    }

    /// Hands every record of `batch` to the producer, counting their acknowledgements in `tracker`. A fired record
    /// refused at once is replaced by its substitute.
    func produce(_ batch: OutputBatch, into tracker: DeliveryTracker) throws {
        for (index, record) in batch.records.enumerated() {
            do {
                try producer.produce(record, onDelivery: tracker.expect(index: index))
            } catch {
                tracker.forget(index: index)
                guard error.isUndeliverableRecord, let firing = batch.firings[index] else { throw error }
                for record in substitute(firing, error) {
                    try producer.produce(record, onDelivery: tracker.expect(index: nil))
                }
            }
        }
    }

    /// The batch's fired records that Kafka refused for good, if any.
    func undeliverable(_ batch: OutputBatch, _ tracker: DeliveryTracker) -> UndeliverableFirings? {
        let refused = tracker.failures.compactMap { index, error in
            batch.firings[index].flatMap { error.isUndeliverableRecord ? ($0, error) : nil }
        }
        return refused.isEmpty ? nil : UndeliverableFirings(firings: refused)
    }

    /// A record's delivery report comes at the latest when its message timeout expires.
    var deliveryTimeout: Duration {
        .milliseconds(configuration.messageTimeoutMilliseconds) + .seconds(5)
    }

    /// Commits the open transaction. A commit that timed out goes on in the background (librdkafka's retriable
    /// timeout, as when the wall clock steps forward past its deadline): it is resumed, up to three calls in all,
    /// since a producer whose commit is neither resumed nor aborted refuses every later transaction.
    func commitTransaction() throws(KafkaError) {
        try Self.resuming("commit", logger: logger) { () throws(KafkaError) in
            try producer.commitTransaction(timeoutMilliseconds: transactionCallTimeoutMilliseconds)
        }
    }

    /// After a failed transaction: aborts it (resuming an abort that timed out), or recreates the producer when it
    /// failed fatally (fenced) or cannot abort: the new producer's initialisation fences the old one and aborts
    /// its transaction.
    func recover(from error: any Error) {
        if (error as? KafkaError)?.isFatal == true || producer.fatalError != nil {
            logger.warning("transactional producer failed fatally; recreating it", metadata: ["error": "\(error)"])
        } else {
            do {
                try Self.resuming("abort", logger: logger) { () throws(KafkaError) in
                    try producer.abortTransaction(timeoutMilliseconds: transactionCallTimeoutMilliseconds)
                }
                return
            } catch {
                logger.warning("abort failed; recreating the producer", metadata: ["error": "\(error)"])
            }
        }
        do {
            producer = try Self.makeProducer(configuration, guarantee)
        } catch {
            logger.error("could not recreate the producer", metadata: ["error": "\(error)"])
        }
    }

    /// Calls `operation` again while it fails with a retriable error that needs no abort, up to three calls.
    private static func resuming(
        _ name: String, logger: Logger, _ operation: () throws(KafkaError) -> Void
    ) throws(KafkaError) {
        var calls = 1
        while true {
            do {
                return try operation()
            } catch where error.isRetriable && !error.transactionRequiresAbort && !error.isFatal && calls < 3 {
                calls += 1
                logger.warning("transaction \(name) did not finish in time; resuming it", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Flushes what is queued (shutdown).
    func close() {
        try? producer.flush(timeoutMilliseconds: 10_000)
    }
}

/// Fired records Kafka refused for good (no such partition, too large, ...): the batch was not written, and these
/// firings must go to the DLQ instead when they are tried again.
struct UndeliverableFirings: Error, CustomStringConvertible {
    var firings: [(Firing, KafkaError)]
    var description: String {
        "undeliverable: " + firings.map { "\($0.0.schedule.id): \($0.1)" }.joined(separator: "; ")
    }
}
