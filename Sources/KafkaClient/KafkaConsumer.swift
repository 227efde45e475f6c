import CRDKafka

/// What one `poll` returned.
public struct KafkaPollResult: Sendable {
    /// Records in offset order per partition.
    public var records: [KafkaConsumerRecord] = []
    /// Partitions whose end was reached, with the offset of the end (only with `enablePartitionEOF`).
    public var reachedEnd: [TopicPartitionOffset] = []
    /// Errors the client reported that it recovers from by itself (a broker connection lost, for example).
    public var errors: [KafkaError] = []
}

/// A Kafka consumer: a consumer-group member (`subscribe`) or a reader of explicitly assigned partitions (`assign`).
///
/// `poll` and everything that changes the assignment belong to one thread at a time: the rebalance handler runs
/// synchronously inside `poll`, on the polling thread.
///
/// `@unchecked Sendable`: librdkafka's consumer handle is thread-safe; the rebalance handler is invoked only from
/// `poll`, on the caller's thread.
public final class KafkaConsumer: @unchecked Sendable {
    /// Handles assignment changes; see `RebalanceEvent` for when each case runs. For `.assigned` it returns the
    /// starting offsets of partitions that should not start at the committed offset; otherwise its result is ignored.
    public typealias RebalanceHandler = (RebalanceEvent) -> [TopicPartitionOffset]

    private let handle: RDKafkaHandle
    /// The queue `poll` waits on (everything is forwarded to it); kept for `wakeUp`.
    private let consumerQueue: OpaquePointer?
    private var closed = false

    /// Creates the consumer. Group consumers use `partitionAssignmentStrategy` from `configuration`; with
    /// cooperative-sticky, assignments change incrementally.
    public init(
        configuration: ConsumerConfiguration,
        rebalanceHandler: RebalanceHandler? = nil
    ) throws(KafkaError) {
        let callbacks = RDKafkaCallbacks(logHandler: configuration.kafka.logHandler) { pointer, code, list in
            applyRebalance(pointer, code, list, handler: rebalanceHandler)
        }
        handle = try RDKafkaHandle(
            kind: .consumer,
            properties: configuration.properties(),
            callbacks: callbacks,
            operation: "create consumer"
        ) { conf in
            if configuration.groupID != nil {
                rd_kafka_conf_set_rebalance_cb(conf, rebalanceCallback)
            }
        }
        // Serve everything (rebalances, logs, errors) through the consumer queue, i.e. from `poll`.
        rd_kafka_poll_set_consumer(handle.pointer)
        consumerQueue = rd_kafka_queue_get_consumer(handle.pointer)
    }

    deinit {
        if !closed {
            rd_kafka_consumer_close(handle.pointer)
        }
        if let consumerQueue {
            rd_kafka_queue_destroy(consumerQueue)
        }
    }

    /// Makes a `poll` waiting on another thread return now, before its timeout (with what it has, possibly nothing).
    /// Safe from any thread at any time; a wake-up with no `poll` waiting makes the next one return at once.
    public func wakeUp() {
        if let consumerQueue {
            rd_kafka_queue_yield(consumerQueue)
        }
    }

    /// Joins the consumer group for `topics` (replacing an earlier subscription).
    public func subscribe(_ topics: [String]) throws(KafkaError) {
        let list = topics.map { TopicPartition(topic: $0, partition: RD_KAFKA_PARTITION_UA) }.makeCList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check("subscribe to \(topics.joined(separator: ","))", rd_kafka_subscribe(handle.pointer, list))
    }

    /// Reads exactly these partitions from these offsets, outside any group (replaces the assignment).
    public func assign(_ offsets: [TopicPartitionOffset]) throws(KafkaError) {
        let list = offsets.makeCList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check("assign", rd_kafka_assign(handle.pointer, list))
    }

    /// Waits up to `timeoutMilliseconds` for a first record or event, then takes what else is ready without
    /// waiting, up to `maxRecords` records. Returns early when a rebalance happened.
    public func poll(maxRecords: Int = 1_000, timeoutMilliseconds: Int32) throws(KafkaError) -> KafkaPollResult {
        var result = KafkaPollResult()
        var timeout = timeoutMilliseconds
        while result.records.count < maxRecords {
            guard let message = rd_kafka_consumer_poll(handle.pointer, timeout) else { break }
            timeout = 0
            defer { rd_kafka_message_destroy(message) }
            let code = message.pointee.err
            if code == RD_KAFKA_RESP_ERR_NO_ERROR {
                result.records.append(KafkaConsumerRecord(message))
            } else if code == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
                result.reachedEnd.append(
                    TopicPartitionOffset(topic: topic, partition: message.pointee.partition, offset: message.pointee.offset)
                )
            } else {
                let text = rd_kafka_message_errstr(message).map { String(cString: $0) }
                let error = KafkaError(operation: "consume", code: code, message: text)
                if let fatal = handle.fatalError(operation: "consume") {
                    throw fatal
                }
                result.errors.append(error)
            }
        }
        return result
    }

    /// Commits `offsets` (each the offset of the next record to read) for the group and waits for the answer.
    public func commit(_ offsets: [TopicPartitionOffset]) throws(KafkaError) {
        let list = offsets.makeCList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check("commit offsets", rd_kafka_commit(handle.pointer, list, 0))
        if let error = firstPartitionError(list, operation: "commit offset") {
            throw error
        }
    }

    /// The group's committed offsets for `partitions`; `TopicPartitionOffset.invalid` where the group has none.
    public func committed(_ partitions: [TopicPartition], timeoutMilliseconds: Int32 = 10_000) throws(KafkaError)
        -> [TopicPartitionOffset]
    {
        let list = partitions.makeCList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check("fetch committed offsets", rd_kafka_committed(handle.pointer, list, timeoutMilliseconds))
        if let error = firstPartitionError(list, operation: "fetch committed offset") {
            throw error
        }
        return topicPartitionOffsets(list)
    }

    /// The offset of the next record `poll` will return for each partition (after what was returned so far).
    public func position(_ partitions: [TopicPartition]) throws(KafkaError) -> [TopicPartitionOffset] {
        let list = partitions.makeCList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check("read position", rd_kafka_position(handle.pointer, list))
        return topicPartitionOffsets(list)
    }

    /// Moves the read position of assigned partitions; the next `poll` continues from there.
    public func seek(_ offsets: [TopicPartitionOffset], timeoutMilliseconds: Int32 = 10_000) throws(KafkaError) {
        let list = offsets.makeCList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check("seek", rd_kafka_seek_partitions(handle.pointer, list, timeoutMilliseconds))
        if let error = firstPartitionError(list, operation: "seek") {
            throw error
        }
    }

    /// Stops fetching these assigned partitions until `resume`; they stay assigned.
    public func pause(_ partitions: [TopicPartition]) throws(KafkaError) {
        let list = partitions.makeCList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check("pause", rd_kafka_pause_partitions(handle.pointer, list))
    }

    /// Fetches paused partitions again.
    public func resume(_ partitions: [TopicPartition]) throws(KafkaError) {
        let list = partitions.makeCList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check("resume", rd_kafka_resume_partitions(handle.pointer, list))
    }

    /// The partitions currently assigned to this consumer.
    public func assignment() throws(KafkaError) -> [TopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        try KafkaError.check("read assignment", rd_kafka_assignment(handle.pointer, &list))
        guard let list else { return [] }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return topicPartitionOffsets(list).map(\.topicPartition)
    }

    /// Low (first) and high (next to be written) offsets of a partition, asked of the broker.
    /// For a read_committed consumer the high offset is the last stable offset.
    public func watermarks(of partition: TopicPartition, timeoutMilliseconds: Int32 = 10_000) throws(KafkaError)
        -> (low: Int64, high: Int64)
    {
        var low: Int64 = 0
        var high: Int64 = 0
        try KafkaError.check(
            "query watermarks of \(partition)",
            rd_kafka_query_watermark_offsets(
                handle.pointer, partition.topic, partition.partition, &low, &high, timeoutMilliseconds)
        )
        return (low, high)
    }

    /// The end offset (next to be written) of each of `partitions`, asked of their leaders in one request per broker
    /// rather than one per partition. For a read_committed consumer it is the last stable offset.
    public func endOffsets(of partitions: [TopicPartition], timeoutMilliseconds: Int32 = 10_000) throws(KafkaError)
        -> [TopicPartition: Int64]
    {
        guard !partitions.isEmpty else { return [:] }
        // offsets_for_times takes the timestamp to look up in each element's offset; "end" answers the end offset.
        let list = partitions.map { TopicPartitionOffset($0, offset: TopicPartitionOffset.end) }.makeCList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check(
            "query end offsets", rd_kafka_offsets_for_times(handle.pointer, list, timeoutMilliseconds))
        if let error = firstPartitionError(list, operation: "query end offset") {
            throw error
        }
        return Dictionary(
            topicPartitionOffsets(list).map { ($0.topicPartition, $0.offset) }, uniquingKeysWith: { $1 })
    }

    /// The high watermark of `partition` as of the last fetch response, without asking the broker; nil before the
    /// first fetch of the partition.
    public func cachedHighWatermark(of partition: TopicPartition) -> Int64? {
        var low: Int64 = 0
        var high: Int64 = 0
        let code = rd_kafka_get_watermark_offsets(handle.pointer, partition.topic, partition.partition, &low, &high)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { return nil }
        return high
    }

    /// This member's group metadata, for `KafkaProducer.sendOffsetsToTransaction`.
    public func groupMetadata() throws(KafkaError) -> ConsumerGroupMetadata {
        guard let pointer = rd_kafka_consumer_group_metadata(handle.pointer) else {
            throw KafkaError.local("read group metadata", "the consumer is not a group member")
        }
        return ConsumerGroupMetadata(pointer: pointer)
    }

    /// Number of partitions of `topic`, asked of the broker.
    public func partitionCount(of topic: String, timeoutMilliseconds: Int32 = 10_000) throws(KafkaError) -> Int {
        try KafkaMetadata.fetch(handle: handle, timeoutMilliseconds: timeoutMilliseconds)
            .topic(named: topic, operation: "count partitions").partitions.count
    }

    /// Leaves the group (the rebalance handler sees the final revocation) and stops fetching. Idempotent.
    public func close() throws(KafkaError) {
        guard !closed else { return }
        closed = true
        try KafkaError.check("close consumer", rd_kafka_consumer_close(handle.pointer))
    }
}

private func applyRebalance(
    _ pointer: OpaquePointer,
    _ code: rd_kafka_resp_err_t,
    _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>,
    handler: KafkaConsumer.RebalanceHandler?
) {
    let partitions = topicPartitionOffsets(list).map(\.topicPartition)
    let cooperative = String(cString: rd_kafka_rebalance_protocol(pointer)) == "COOPERATIVE"
    switch code {
    case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
        let starts = handler?(.assigned(partitions)) ?? []
        for start in starts {
            rd_kafka_topic_partition_list_set_offset(
                list, start.topicPartition.topic, start.topicPartition.partition, start.offset)
        }
        if cooperative {
            if let error = rd_kafka_incremental_assign(pointer, list) { rd_kafka_error_destroy(error) }
        } else {
            rd_kafka_assign(pointer, list)
        }
    case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
        _ = handler?(rd_kafka_assignment_lost(pointer) != 0 ? .lost(partitions) : .revoked(partitions))
        if cooperative {
            if let error = rd_kafka_incremental_unassign(pointer, list) { rd_kafka_error_destroy(error) }
        } else {
            rd_kafka_assign(pointer, nil)
        }
    default:
        // A rebalance error: drop the whole assignment, as librdkafka documents.
        _ = handler?(.lost(partitions))
        rd_kafka_assign(pointer, nil)
    }
}

private let rebalanceCallback:
    @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
        UnsafeMutableRawPointer?
    ) -> Void = { pointer, code, list, _ in
        guard let pointer, let list, let callbacks = RDKafkaCallbacks.from(pointer) else { return }
        callbacks.rebalance?(pointer, code, list)
    }

extension KafkaConsumerRecord {
    /// Copies a C message.
    init(_ message: UnsafeMutablePointer<rd_kafka_message_t>) {
        let pointee = message.pointee
        var headers: [KafkaHeader] = []
        var cHeaders: OpaquePointer?
        if rd_kafka_message_headers(message, &cHeaders) == RD_KAFKA_RESP_ERR_NO_ERROR, let cHeaders {
            var index = 0
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(cHeaders, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                headers.append(
                    KafkaHeader(
                        name: name.map { String(cString: $0) } ?? "",
                        value: value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
                    )
                )
                index += 1
            }
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        self.init(
            topic: pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "",
            partition: pointee.partition,
            offset: pointee.offset,
            key: pointee.key.map { Array(UnsafeRawBufferPointer(start: $0, count: pointee.key_len)) },
            value: pointee.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: pointee.len)) },
            headers: headers,
            timestamp: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp
        )
    }
}
