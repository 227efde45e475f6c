import CRDKafka

/// A topic to create.
public struct NewTopic: Sendable, Hashable {
    public var name: String
    public var partitions: Int32
    /// Replicas per partition; -1 uses the broker's default.
    public var replicationFactor: Int32
    /// Topic configs, e.g. `cleanup.policy` = `compact`.
    public var configs: [String: String]

    public init(name: String, partitions: Int32, replicationFactor: Int32 = -1, configs: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.configs = configs
    }
}

/// Cluster administration: topic creation and description.
public final class KafkaAdmin: Sendable {
    private let handle: RDKafkaHandle
    private let poller: Poller

    public init(configuration: KafkaConfiguration) throws(KafkaError) {
        var properties = configuration.baseProperties()
        properties.append(contentsOf: configuration.properties.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        handle = try RDKafkaHandle(
            kind: .producer,
            properties: properties,
            callbacks: RDKafkaCallbacks(logHandler: configuration.logHandler),
            operation: "create admin client"
        )
        poller = Poller(handle: handle)
    }

    deinit {
        poller.stop()
    }

    /// Creates `topics`. Returns, per topic name, nil when created or a `KafkaError` (for example
    /// `topicAlreadyExists`). Throws when the request as a whole fails (broker unreachable, not supported).
    public func createTopics(_ topics: [NewTopic], timeoutMilliseconds: Int32 = 30_000) throws(KafkaError)
        -> [String: KafkaError?]
    {
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
        let options = rd_kafka_AdminOptions_new(handle.pointer, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        rd_kafka_AdminOptions_set_request_timeout(options, timeoutMilliseconds, &errorText, errorText.count)
        rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMilliseconds, &errorText, errorText.count)
        let queue = rd_kafka_queue_new(handle.pointer)
        defer { rd_kafka_queue_destroy(queue) }
        rd_kafka_CreateTopics(handle.pointer, &newTopics, newTopics.count, options, queue)
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

    /// Brokers, topics and partitions as the cluster reports them now.
    public func metadata(timeoutMilliseconds: Int32 = 10_000) throws(KafkaError) -> KafkaMetadata {
        try KafkaMetadata.fetch(handle: handle, timeoutMilliseconds: timeoutMilliseconds)
    }
}
