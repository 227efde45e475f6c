import CRDKafka

/// A Kafka producer: plain, idempotent or transactional, depending on its configuration.
///
/// Records are queued by `produce`; a background thread serves delivery reports. Methods may be called from any
/// thread; transaction calls block (librdkafka waits for the coordinator) and belong on a thread of their own,
/// not on Swift's cooperative pool.
public final class KafkaProducer: Sendable {
    /// Called once per record with where it landed or why it was not delivered.
    public typealias DeliveryHandler = @Sendable (Result<DeliveryReport, KafkaError>) -> Void

    private let handle: RDKafkaHandle
    private let poller: Poller

    /// Creates the producer. Throws when a property is invalid; connecting happens in the background.
    public init(configuration: ProducerConfiguration) throws(KafkaError) {
        let callbacks = RDKafkaCallbacks(logHandler: configuration.kafka.logHandler)
        handle = try RDKafkaHandle(
            kind: .producer,
            properties: configuration.properties(),
            callbacks: callbacks,
            operation: "create producer"
        ) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf, deliveryReportCallback)
        }
        poller = Poller(handle: handle)
    }

    deinit {
        poller.stop()
    }

    /// Queues `record` for delivery. `onDelivery` is called later on the delivery thread. When the client's queue is
    /// full this waits for room for up to `queueFullTimeoutMilliseconds`, then throws.
    public func produce(
        _ record: KafkaProducerRecord,
        queueFullTimeoutMilliseconds: Int = 30_000,
        onDelivery: DeliveryHandler? = nil
    ) throws(KafkaError) {
        let opaque = onDelivery.map { Unmanaged.passRetained(DeliveryBox($0)).toOpaque() }
        do throws(KafkaError) {
            try handle.produce(
                record, deliveryOpaque: opaque, queueFullTimeoutMilliseconds: queueFullTimeoutMilliseconds)
        } catch {
            // Not queued: no delivery report will release the handler.
            if let opaque { Unmanaged<DeliveryBox>.fromOpaque(opaque).release() }
            throw error
        }
    }

    /// Produces `record` and waits for its delivery report.
    public func send(_ record: KafkaProducerRecord) async throws(KafkaError) -> DeliveryReport {
        let result: Result<DeliveryReport, KafkaError> = await withCheckedContinuation { continuation in
            do throws(KafkaError) {
                try produce(record) { continuation.resume(returning: $0) }
            } catch {
                continuation.resume(returning: .failure(error))
            }
        }
        return try result.get()
    }

    /// Waits until every queued record is delivered or failed, or the timeout passes (then throws `timedOut`).
    public func flush(timeoutMilliseconds: Int32 = 30_000) throws(KafkaError) {
        try handle.flush(timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Records queued or in flight, not yet acknowledged.
    public var outstandingRecords: Int {
        handle.outboundQueueLength
    }

    // MARK: Transactions

    /// Registers the transactional id with the coordinator, fencing older producers that used it and
    /// completing or aborting their open transaction. Call once before the first transaction.
    public func initTransactions(timeoutMilliseconds: Int32 = 30_000) throws(KafkaError) {
        try handle.initTransactions(timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Starts a transaction: records produced from now on belong to it.
    public func beginTransaction() throws(KafkaError) {
        try handle.beginTransaction()
    }

    /// Adds consumer offsets to the transaction (KIP-447): they are committed for the group if and only if the
    /// transaction commits, and only while the consumer is still the member `groupMetadata` describes.
    public func sendOffsetsToTransaction(
        _ offsets: [TopicPartitionOffset],
        groupMetadata: ConsumerGroupMetadata,
        timeoutMilliseconds: Int32 = 30_000
    ) throws(KafkaError) {
        try handle.sendOffsetsToTransaction(
            offsets, groupMetadata: groupMetadata, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Flushes the transaction's records and commits it. On an error with `transactionRequiresAbort`, call
    /// `abortTransaction`; on a fatal error the producer must be recreated.
    public func commitTransaction(timeoutMilliseconds: Int32 = 60_000) throws(KafkaError) {
        try handle.commitTransaction(timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Aborts the transaction: its records are never seen by read_committed consumers; queued ones are purged.
    public func abortTransaction(timeoutMilliseconds: Int32 = 60_000) throws(KafkaError) {
        try handle.abortTransaction(timeoutMilliseconds: timeoutMilliseconds)
    }

    /// The producer's fatal error, if it has one (for example after being fenced).
    public var fatalError: KafkaError? {
        handle.fatalError(operation: "producer")
    }
}

/// Holds a delivery handler across the C boundary; retained while the record is in flight.
private final class DeliveryBox {
    let handler: KafkaProducer.DeliveryHandler
    init(_ handler: @escaping KafkaProducer.DeliveryHandler) { self.handler = handler }
}

/// The C delivery report callback stays here, with the `DeliveryBox` it unpacks; the producer registers it.
private let deliveryReportCallback:
    @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
        _, message, _ in
        guard let message, let opaque = message.pointee._private else { return }
        let box = Unmanaged<DeliveryBox>.fromOpaque(opaque).takeRetainedValue()
        let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
            box.handler(
                .success(
                    DeliveryReport(topic: topic, partition: message.pointee.partition, offset: message.pointee.offset))
            )
        } else {
            box.handler(.failure(KafkaError(operation: "deliver to \(topic)", code: message.pointee.err)))
        }
    }
