import CRDKafka

/// Owns one `rd_kafka_t` and the Swift state its C callbacks reach through the handle's opaque pointer.
/// Every librdkafka handle call in this module goes through an instance of this class.
///
/// `@unchecked Sendable`: librdkafka handles are thread-safe; the pointer is immutable after `init` and destroyed
/// exactly once, in `deinit`, when no other reference can be using it.
final class RDKafkaHandle: @unchecked Sendable {
    enum Kind {
        case producer
        case consumer
    }

    let pointer: OpaquePointer
    let callbacks: RDKafkaCallbacks

    /// Builds the configuration, registers the callbacks, and creates the handle.
    init(
        kind: Kind,
        properties: [(String, String)],
        callbacks: RDKafkaCallbacks,
        operation: String,
        configure: (OpaquePointer) -> Void = { _ in }
    ) throws(KafkaError) {
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError.local(operation, "could not allocate a configuration")
        }
        var errorText = [CChar](repeating: 0, count: 512)
        for (name, value) in properties {
            let result = rd_kafka_conf_set(conf, name, value, &errorText, errorText.count)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw KafkaError.local(
                    operation,
                    "Kafka property '\(name)' = '\(value)': \(bufferText(errorText))"
                )
            }
        }
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(callbacks).toOpaque())
        if callbacks.logHandler != nil {
            rd_kafka_conf_set_log_cb(conf, rdKafkaLogCallback)
        }
        configure(conf)
        let type = kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER
        // On success rd_kafka_new takes the configuration; on failure it stays ours.
        guard let handle = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError.local(
                operation,
                bufferText(errorText)
            )
        }
        self.pointer = handle
        self.callbacks = callbacks
    }

    deinit {
        rd_kafka_destroy(pointer)
    }

    /// The fatal error of the handle, if one was raised (idempotent and transactional producers).
    func fatalError(operation: String) -> KafkaError? {
        var text = [CChar](repeating: 0, count: 512)
        let code = rd_kafka_fatal_error(pointer, &text, text.count)
        guard code != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return KafkaError(
            operation: operation,
            code: code,
            message: bufferText(text),
            isFatal: true
        )
    }
}

/// Swift state reached from librdkafka's C callbacks through the handle's opaque pointer.
///
/// `@unchecked Sendable`: both fields are immutable; `logHandler` is `@Sendable` (librdkafka logs from its own
/// threads), and `rebalance` is only ever invoked from a consumer poll, on the one thread that polls.
final class RDKafkaCallbacks: @unchecked Sendable {
    typealias Rebalance = (OpaquePointer, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>)
        -> Void

    let logHandler: (@Sendable (KafkaLogLine) -> Void)?
    let rebalance: Rebalance?

    init(logHandler: (@Sendable (KafkaLogLine) -> Void)?, rebalance: Rebalance? = nil) {
        self.logHandler = logHandler
        self.rebalance = rebalance
    }

    static func from(_ handle: OpaquePointer?) -> RDKafkaCallbacks? {
        guard let handle, let opaque = rd_kafka_opaque(handle) else { return nil }
        return Unmanaged<RDKafkaCallbacks>.fromOpaque(opaque).takeUnretainedValue()
    }
}

private let rdKafkaLogCallback:
    @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
        handle, level, facility, message in
        guard let callbacks = RDKafkaCallbacks.from(handle), let logHandler = callbacks.logHandler else { return }
        logHandler(
            KafkaLogLine(
                level: level,
                facility: facility.map { String(cString: $0) } ?? "",
                message: message.map { String(cString: $0) } ?? ""
            )
        )
    }

extension Array where Element == TopicPartition {
    /// A new C partition list; the caller destroys it.
    func makeCList() -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = newPartitionList(capacity: count)
        for item in self {
            rd_kafka_topic_partition_list_add(list, item.topic, item.partition)
        }
        return list
    }
}

extension Array where Element == TopicPartitionOffset {
    /// A new C partition list carrying offsets; the caller destroys it.
    func makeCList() -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = newPartitionList(capacity: count)
        for item in self {
            // rd_kafka_topic_partition_list_add returns the new element; it never fails (allocation aborts).
            rd_kafka_topic_partition_list_add(list, item.topicPartition.topic, item.topicPartition.partition)?
                .pointee.offset = item.offset
        }
        return list
    }
}

/// The NUL-terminated text librdkafka wrote into an error buffer.
func bufferText(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

private func newPartitionList(capacity: Int) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
    guard let list = rd_kafka_topic_partition_list_new(Int32(capacity)) else {
        preconditionFailure("librdkafka aborts on allocation failure; a nil list cannot happen")
    }
    return list
}

/// Reads a C partition list into Swift values.
func topicPartitionOffsets(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartitionOffset] {
    var result: [TopicPartitionOffset] = []
    result.reserveCapacity(Int(list.pointee.cnt))
    for index in 0..<Int(list.pointee.cnt) {
        let element = list.pointee.elems[index]
        result.append(
            TopicPartitionOffset(topic: String(cString: element.topic), partition: element.partition, offset: element.offset)
        )
    }
    return result
}

/// The first per-partition error of a C partition list, if any.
func firstPartitionError(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>, operation: String) -> KafkaError? {
    for index in 0..<Int(list.pointee.cnt) {
        let element = list.pointee.elems[index]
        if element.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            return KafkaError(
                operation: "\(operation) \(String(cString: element.topic))[\(element.partition)]",
                code: element.err
            )
        }
    }
    return nil
}
