import CRDKafka

/// Admin API calls: topic creation, answered on a queue of the call's own.
extension RDKafkaHandle {
    /// Creates `topics`. Returns, per topic name, nil when created or the topic's error. Throws when the request as
    /// a whole fails or no answer comes within `timeoutMilliseconds` plus 5 seconds.
    func createTopics(_ topics: [NewTopic], timeoutMilliseconds: Int32) throws(KafkaError) -> [String: KafkaError?] {
        var errorText = [CChar](repeating: 0, count: 512)
        var newTopics: [OpaquePointer?] = []
        defer { newTopics.forEach { rd_kafka_NewTopic_destroy($0) } }
        for topic in topics {
            guard
                let newTopic = rd_kafka_NewTopic_new(
                    topic.name, topic.partitions, topic.replicationFactor, &errorText, errorText.count)
            else {
                throw KafkaError.local(
                    "create topic \(topic.name)",
                    bufferText(errorText))
            }
            newTopics.append(newTopic)
            for (name, value) in topic.configs.sorted(by: { $0.key < $1.key }) {
                try KafkaError.check(
                    "create topic \(topic.name): config \(name)", rd_kafka_NewTopic_set_config(newTopic, name, value))
            }
        }
        let options = rd_kafka_AdminOptions_new(pointer, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        rd_kafka_AdminOptions_set_request_timeout(options, timeoutMilliseconds, &errorText, errorText.count)
        rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMilliseconds, &errorText, errorText.count)
        let queue = rd_kafka_queue_new(pointer)
        defer { rd_kafka_queue_destroy(queue) }
        rd_kafka_CreateTopics(pointer, &newTopics, newTopics.count, options, queue)
        guard let event = rd_kafka_queue_poll(queue, timeoutMilliseconds + 5_000) else {
            throw KafkaError(operation: "create topics", code: RD_KAFKA_RESP_ERR__TIMED_OUT)
        }
        defer { rd_kafka_event_destroy(event) }
        let code = rd_kafka_event_error(event)
        if code != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(
                operation: "create topics", code: code,
                message: rd_kafka_event_error_string(event).map { String(cString: $0) })
        }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count)
        else { return [:] }
        var outcome: [String: KafkaError?] = [:]
        for index in 0..<count {
            let result = results[index]
            let name = String(cString: rd_kafka_topic_result_name(result))
            let topicCode = rd_kafka_topic_result_error(result)
            outcome[name] =
                topicCode == RD_KAFKA_RESP_ERR_NO_ERROR
                ? nil
                : KafkaError(
                    operation: "create topic \(name)", code: topicCode,
                    message: rd_kafka_topic_result_error_string(result).map { String(cString: $0) })
        }
        return outcome
    }
}
