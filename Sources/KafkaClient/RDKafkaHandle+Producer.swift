import CRDKafka

/// Producer calls: produce, flush, the outbound queue and transactions.
extension RDKafkaHandle {
    /// Queues `record`, passing `deliveryOpaque` to the delivery report callback. While the client's queue is full it
    /// serves callbacks and retries for up to `queueFullTimeoutMilliseconds`, then throws. On success librdkafka
    /// owns the record's copy and will report its delivery; on a throw nothing was queued and `deliveryOpaque` is
    /// still the caller's.
    func produce(
        _ record: KafkaProducerRecord,
        deliveryOpaque: UnsafeMutableRawPointer?,
        queueFullTimeoutMilliseconds: Int
    ) throws(KafkaError) {
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
                        pointer, record.topic, record.partition ?? RD_KAFKA_PARTITION_UA,
                        key, keyCount, keyPresent, value, valueCount, valuePresent,
                        headers, record.timestamp ?? 0, deliveryOpaque
                    )
                }
            }
            if code == RD_KAFKA_RESP_ERR_NO_ERROR {
                return  // librdkafka owns the headers now.
            }
            if code == RD_KAFKA_RESP_ERR__QUEUE_FULL && ContinuousClock.now < deadline {
                poll(timeoutMilliseconds: 10)
                continue
            }
            if let headers { rd_kafka_headers_destroy(headers) }
            throw KafkaError(operation: "produce to \(record.topic)", code: code)
        }
    }

    func flush(timeoutMilliseconds: Int32) throws(KafkaError) {
        try KafkaError.check("flush", rd_kafka_flush(pointer, timeoutMilliseconds))
    }

    /// Records queued or in flight, not yet acknowledged.
    var outboundQueueLength: Int {
        Int(rd_kafka_outq_len(pointer))
    }

    // MARK: Transactions

    func initTransactions(timeoutMilliseconds: Int32) throws(KafkaError) {
        try KafkaError.check("init transactions", rd_kafka_init_transactions(pointer, timeoutMilliseconds))
    }

    func beginTransaction() throws(KafkaError) {
        try KafkaError.check("begin transaction", rd_kafka_begin_transaction(pointer))
    }

    func sendOffsetsToTransaction(
        _ offsets: [TopicPartitionOffset],
        groupMetadata: ConsumerGroupMetadata,
        timeoutMilliseconds: Int32
    ) throws(KafkaError) {
        let list = offsets.makeCList()
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try KafkaError.check(
            "send offsets to transaction",
            rd_kafka_send_offsets_to_transaction(pointer, list, groupMetadata.cMetadata, timeoutMilliseconds)
        )
    }

    func commitTransaction(timeoutMilliseconds: Int32) throws(KafkaError) {
        try KafkaError.check("commit transaction", rd_kafka_commit_transaction(pointer, timeoutMilliseconds))
    }

    func abortTransaction(timeoutMilliseconds: Int32) throws(KafkaError) {
        try KafkaError.check("abort transaction", rd_kafka_abort_transaction(pointer, timeoutMilliseconds))
    }
}

/// Calls `body` with the bytes, their count and 1, or with nil, 0 and 0 for nil (how the produce shim tells a null
/// key or value from an empty one).
private func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawPointer?, Int, Int32) -> R) -> R {
    guard let bytes else { return body(nil, 0, 0) }
    return bytes.withUnsafeBytes { buffer in body(buffer.baseAddress, buffer.count, 1) }
}
