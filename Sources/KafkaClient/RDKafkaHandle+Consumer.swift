import CRDKafka

/// Consumer calls: polling, subscription and assignment, offsets, watermarks, group metadata and close. Each takes
/// and returns Swift values; the C partition lists live only inside these methods.
extension RDKafkaHandle {
    /// What one consumer poll returned.
    enum ConsumerEvent {
        case record(KafkaConsumerRecord)
        /// The end of a partition was reached (only with `enable.partition.eof`).
        case reachedEnd(TopicPartitionOffset)
        /// An error the client reports and, unless the handle has a fatal error, recovers from by itself.
        case error(KafkaError)
    }

    /// Serves everything (rebalances, logs, errors) through the consumer queue, i.e. from `consumerPoll`.
    func serveEventsFromConsumerPoll() {
        rd_kafka_poll_set_consumer(pointer)
    }

    /// The queue `consumerPoll` waits on, kept to wake a waiting poll.
    func consumerQueue() -> RDKafkaQueue? {
        rd_kafka_queue_get_consumer(pointer).map { RDKafkaQueue($0, of: self) }
    }

    /// Waits up to `timeoutMilliseconds` for the next record or event; nil when none came.
    func consumerPoll(timeoutMilliseconds: Int32) -> ConsumerEvent? {
        guard let message = rd_kafka_consumer_poll(pointer, timeoutMilliseconds) else { return nil }
        defer { rd_kafka_message_destroy(message) }
        let code = message.pointee.err
        if code == RD_KAFKA_RESP_ERR_NO_ERROR {
            return .record(KafkaConsumerRecord(message))
        } else if code == RD_KAFKA_RESP_ERR__PARTITION_EOF {
            let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
            return .reachedEnd(
                TopicPartitionOffset(topic: topic, partition: message.pointee.partition, offset: message.pointee.offset)
            )
        } else {
            let text = rd_kafka_message_errstr(message).map { String(cString: $0) }
            return .error(KafkaError(operation: "consume", code: code, message: text))
        }
    }

    func subscribe(_ topics: [String]) throws(KafkaError) {
        let list = topics.map { TopicPartition(topic: $0, partition: RD_KAFKA_PARTITION_UA) }.makeCList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check("subscribe to \(topics.joined(separator: ","))", rd_kafka_subscribe(pointer, list))
    }

    func assign(_ offsets: [TopicPartitionOffset]) throws(KafkaError) {
        let list = offsets.makeCList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check("assign", rd_kafka_assign(pointer, list))
    }

    /// Commits synchronously and surfaces the first per-partition failure.
    func commit(_ offsets: [TopicPartitionOffset]) throws(KafkaError) {
        let list = offsets.makeCList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check("commit offsets", rd_kafka_commit(pointer, list, 0))
        if let error = firstPartitionError(list, operation: "commit offset") {
            throw error
        }
    }

    func committed(_ partitions: [TopicPartition], timeoutMilliseconds: Int32) throws(KafkaError)
        -> [TopicPartitionOffset]
    {
        let list = partitions.makeCList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check("fetch committed offsets", rd_kafka_committed(pointer, list, timeoutMilliseconds))
        if let error = firstPartitionError(list, operation: "fetch committed offset") {
            throw error
        }
        return topicPartitionOffsets(list)
    }

    func position(_ partitions: [TopicPartition]) throws(KafkaError) -> [TopicPartitionOffset] {
        let list = partitions.makeCList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check("read position", rd_kafka_position(pointer, list))
        return topicPartitionOffsets(list)
    }

    func seek(_ offsets: [TopicPartitionOffset], timeoutMilliseconds: Int32) throws(KafkaError) {
        let list = offsets.makeCList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check("seek", rd_kafka_seek_partitions(pointer, list, timeoutMilliseconds))
        if let error = firstPartitionError(list, operation: "seek") {
            throw error
        }
    }

    func pause(_ partitions: [TopicPartition]) throws(KafkaError) {
        let list = partitions.makeCList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check("pause", rd_kafka_pause_partitions(pointer, list))
    }

    func resume(_ partitions: [TopicPartition]) throws(KafkaError) {
        let list = partitions.makeCList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check("resume", rd_kafka_resume_partitions(pointer, list))
    }

    func assignment() throws(KafkaError) -> [TopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        try KafkaError.check("read assignment", rd_kafka_assignment(pointer, &list))
        guard let list else { return [] }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return topicPartitionOffsets(list).map(\.topicPartition)
    }

    /// Low and high watermarks asked of the partition's leader.
    func queryWatermarks(of partition: TopicPartition, timeoutMilliseconds: Int32) throws(KafkaError)
        -> (low: Int64, high: Int64)
    {
        var low: Int64 = 0
        var high: Int64 = 0
        try KafkaError.check(
            "query watermarks of \(partition)",
            rd_kafka_query_watermark_offsets(
                pointer, partition.topic, partition.partition, &low, &high, timeoutMilliseconds)
        )
        return (low, high)
    }

    /// End offsets in one ListOffsets request per leader.
    func endOffsets(of partitions: [TopicPartition], timeoutMilliseconds: Int32) throws(KafkaError)
        -> [TopicPartition: Int64]
    {
        // offsets_for_times takes the timestamp to look up in each element's offset; "end" answers the end offset.
        let list = partitions.map { TopicPartitionOffset($0, offset: TopicPartitionOffset.end) }.makeCList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check("query end offsets", rd_kafka_offsets_for_times(pointer, list, timeoutMilliseconds))
        if let error = firstPartitionError(list, operation: "query end offset") {
            throw error
        }
        return Dictionary(
            topicPartitionOffsets(list).map { ($0.topicPartition, $0.offset) }, uniquingKeysWith: { $1 })
    }

    /// The watermarks of the last fetch response, without asking the broker; nil when there are none.
    func cachedWatermarks(of partition: TopicPartition) -> (low: Int64, high: Int64)? {
        var low: Int64 = 0
        var high: Int64 = 0
        let code = rd_kafka_get_watermark_offsets(pointer, partition.topic, partition.partition, &low, &high)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return (low, high)
    }

    func consumerGroupMetadata() throws(KafkaError) -> ConsumerGroupMetadata {
        guard let metadata = rd_kafka_consumer_group_metadata(pointer) else {
            throw KafkaError.local("read group metadata", "the consumer is not a group member")
        }
        return ConsumerGroupMetadata(metadata)
    }

    /// Leaves the group (the rebalance callback sees the final revocation) and stops fetching.
    func closeConsumer() throws(KafkaError) {
        try KafkaError.check("close consumer", rd_kafka_consumer_close(pointer))
    }
}

extension KafkaConsumerRecord {
    /// Copies a C message.
    fileprivate init(_ message: UnsafeMutablePointer<rd_kafka_message_t>) {
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
