import CRDKafka

/// Owns one `rd_kafka_t` and the Swift state its C callbacks reach through the handle's opaque pointer.
/// Every librdkafka call that takes the `rd_kafka_t` goes through a method of this class: the general ones are here,
/// the rest in extensions named for what they serve (`RDKafkaHandle+Consumer.swift`, `+Rebalance`, `+Producer`,
/// `+Admin`, `+Metadata`, `+MockCluster`). The public client types hold a handle and call those methods.
///
/// `@unchecked Sendable`: librdkafka handles are thread-safe; the pointer is immutable after `init` and destroyed
/// exactly once, in `deinit`, when no other reference can be using it.
final class RDKafkaHandle: @unchecked Sendable {
    enum Kind {
        case producer
        case consumer
    }

    /// The `rd_kafka_t`. Internal only because Swift has no access level for "this type's extensions in other
    /// files": only `RDKafkaHandle`'s own files (`RDKafkaHandle*.swift`) use it; everything else calls the methods.
    let pointer: OpaquePointer
    let callbacks: RDKafkaCallbacks

    /// Builds the configuration, registers the C callbacks `callbacks` needs (log lines, rebalances), applies
    /// `configure` for any other, and creates the handle.
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
        if callbacks.rebalance != nil {
            // The callback is in RDKafkaHandle+Rebalance.swift.
            rd_kafka_conf_set_rebalance_cb(conf, rdKafkaRebalanceCallback)
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

    /// Serves queued callbacks (delivery reports, logs, errors) for up to `timeoutMilliseconds`.
    func poll(timeoutMilliseconds: Int32) {
        rd_kafka_poll(pointer, timeoutMilliseconds)
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
    let logHandler: (@Sendable (KafkaLogLine) -> Void)?
    /// The rebalance handler of a group consumer; non-nil registers librdkafka's rebalance callback, so the handler
    /// decides where assigned partitions start (see `RDKafkaHandle+Rebalance.swift`).
    let rebalance: KafkaConsumer.RebalanceHandler?

    init(logHandler: (@Sendable (KafkaLogLine) -> Void)?, rebalance: KafkaConsumer.RebalanceHandler? = nil) {
        self.logHandler = logHandler
        self.rebalance = rebalance
    }

    static func from(_ handle: OpaquePointer?) -> RDKafkaCallbacks? {
        guard let handle, let opaque = rd_kafka_opaque(handle) else { return nil }
        return Unmanaged<RDKafkaCallbacks>.fromOpaque(opaque).takeUnretainedValue()
    }
}

/// The C log callback stays here, next to the handle that registers it.
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
            TopicPartitionOffset(
                topic: String(cString: element.topic), partition: element.partition, offset: element.offset)
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
