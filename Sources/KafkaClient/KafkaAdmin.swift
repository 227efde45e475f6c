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
        try handle.createTopics(topics, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Brokers, topics and partitions as the cluster reports them now.
    public func metadata(timeoutMilliseconds: Int32 = 10_000) throws(KafkaError) -> KafkaMetadata {
        try handle.metadata(timeoutMilliseconds: timeoutMilliseconds)
    }
}
