import CRDKafka
import Foundation
import Synchronization

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
        var headers: OpaquePointer?
        if !record.headers.isEmpty {
            headers = rd_kafka_headers_new(record.headers.count)
            for header in record.headers {
                if let value = header.value, value.isEmpty {
                    // A non-null pointer with size 0 is an empty header, not a null one.
                    rd_kafka_header_add(headers, header.name, -1, "", 0)
                } else if let value = header.value {
                    value.withUnsafeBytes { bytes in
                        _ = rd_kafka_header_add(headers, header.name, -1, bytes.baseAddress, bytes.count)
                    }
                } else {
                    rd_kafka_header_add(headers, header.name, -1, nil, 0)
                }
            }
        }
        let deadline = ContinuousClock.now + .milliseconds(queueFullTimeoutMilliseconds)
        while true {
            let code = withOptionalBytes(record.key) { key, keyCount, keyPresent in
                withOptionalBytes(record.value) { value, valueCount, valuePresent in
                    kairos_rd_kafka_produce(
                        handle.pointer, record.topic, record.partition ?? RD_KAFKA_PARTITION_UA,
                        key, keyCount, keyPresent, value, valueCount, valuePresent,
                        headers, record.timestamp ?? 0, opaque
                    )
                }
            }
            if code == RD_KAFKA_RESP_ERR_NO_ERROR {
                return  // librdkafka owns the headers now.
            }
            if code == RD_KAFKA_RESP_ERR__QUEUE_FULL && ContinuousClock.now < deadline {
                rd_kafka_poll(handle.pointer, 10)
                continue
            }
            if let headers { rd_kafka_headers_destroy(headers) }
            if let opaque { Unmanaged<DeliveryBox>.fromOpaque(opaque).release() }
            throw KafkaError(operation: "produce to \(record.topic)", code: code)
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
        try KafkaError.check("flush", rd_kafka_flush(handle.pointer, timeoutMilliseconds))
    }

    /// Records queued or in flight, not yet acknowledged.
    public var outstandingRecords: Int {
        Int(rd_kafka_outq_len(handle.pointer))
    }

    // MARK: Transactions

    /// Registers the transactional id with the coordinator, fencing older producers that used it and
    /// completing or aborting their open transaction. Call once before the first transaction.
    public func initTransactions(timeoutMilliseconds: Int32 = 30_000) throws(KafkaError) {
        try KafkaError.check("init transactions", rd_kafka_init_transactions(handle.pointer, timeoutMilliseconds))
    }

    /// Starts a transaction: records produced from now on belong to it.
    public func beginTransaction() throws(KafkaError) {
        try KafkaError.check("begin transaction", rd_kafka_begin_transaction(handle.pointer))
    }

    /// Adds consumer offsets to the transaction (KIP-447): they are committed for the group if and only if the
    /// transaction commits, and only while the consumer is still the member `groupMetadata` describes.
    public func sendOffsetsToTransaction(
        _ offsets: [TopicPartitionOffset],
        groupMetadata: ConsumerGroupMetadata,
        timeoutMilliseconds: Int32 = 30_000
    ) throws(KafkaError) {
        let list = offsets.makeCList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check(
            "send offsets to transaction",
            rd_kafka_send_offsets_to_transaction(handle.pointer, list, groupMetadata.pointer, timeoutMilliseconds)
        )
    }

    /// Flushes the transaction's records and commits it. On an error with `transactionRequiresAbort`, call
    /// `abortTransaction`; on a fatal error the producer must be recreated.
    public func commitTransaction(timeoutMilliseconds: Int32 = 60_000) throws(KafkaError) {
        try KafkaError.check("commit transaction", rd_kafka_commit_transaction(handle.pointer, timeoutMilliseconds))
    }

    /// Aborts the transaction: its records are never seen by read_committed consumers; queued ones are purged.
    public func abortTransaction(timeoutMilliseconds: Int32 = 60_000) throws(KafkaError) {
        try KafkaError.check("abort transaction", rd_kafka_abort_transaction(handle.pointer, timeoutMilliseconds))
    }

    /// The producer's fatal error, if it has one (for example after being fenced).
    public var fatalError: KafkaError? {
        handle.fatalError(operation: "producer")
    }
}

private func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawPointer?, Int, Int32) -> R) -> R {
    guard let bytes else { return body(nil, 0, 0) }
    return bytes.withUnsafeBytes { buffer in body(buffer.baseAddress, buffer.count, 1) }
}

/// Holds a delivery handler across the C boundary; retained while the record is in flight.
private final class DeliveryBox {
    let handler: KafkaProducer.DeliveryHandler
    init(_ handler: @escaping KafkaProducer.DeliveryHandler) { self.handler = handler }
}

private let deliveryReportCallback:
    @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
        _, message, _ in
        guard let message, let opaque = message.pointee._private else { return }
        let box = Unmanaged<DeliveryBox>.fromOpaque(opaque).takeRetainedValue()
        let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
            box.handler(
                .success(DeliveryReport(topic: topic, partition: message.pointee.partition, offset: message.pointee.offset))
            )
        } else {
            box.handler(.failure(KafkaError(operation: "deliver to \(topic)", code: message.pointee.err)))
        }
    }

/// Serves a handle's callbacks (delivery reports, logs) on a thread of its own until stopped.
final class Poller: Sendable {
    private final class State: Sendable {
        let stopped = Atomic<Bool>(false)
        let finished = DispatchSemaphore(value: 0)
    }

    private let state = State()

    init(handle: RDKafkaHandle) {
        let thread = Thread { [state] in
            while !state.stopped.load(ordering: .acquiring) {
                rd_kafka_poll(handle.pointer, 50)
            }
            state.finished.signal()
        }
        thread.name = "kafka-poller"
        thread.start()
    }

    /// Stops the thread and waits for it; safe to call more than once.
    func stop() {
        if !state.stopped.exchange(true, ordering: .acquiringAndReleasing) {
            state.finished.wait()
        }
    }
}
