import CRDKafka
import Synchronization

/// A Kafka protocol server on loopback inside this process: librdkafka's mock cluster. It serves produce, fetch,
/// consumer groups and transactions over TCP and keeps data in memory only. Used by the tests and by Kairos's
/// zero-setup embedded mode; production runs against Apache Kafka.
///
/// Known limits of the mock in librdkafka 2.0.2: topics are created only through `createTopic` (it does not
/// answer CreateTopics requests), topic configs (compaction, retention) are not applied, transactional offset
/// commits are acknowledged but not stored, producer fencing is not enforced, and aborted transactional records are
/// not hidden from read_committed consumers.
///
/// `@unchecked Sendable`: the mock cluster API is thread-safe; `cluster` is immutable and freed once, by
/// the `shutdown` that takes the owning handle out of its mutex.
public final class EmbeddedKafkaCluster: @unchecked Sendable {
    /// Request types of the Kafka protocol, for fault injection.
    public enum APIKey: Int16, Sendable {
        case produce = 0
        case fetch = 1
        case listOffsets = 2
        case metadata = 3
        case offsetCommit = 8
        case offsetFetch = 9
        case findCoordinator = 10
        case joinGroup = 11
        case heartbeat = 12
        case leaveGroup = 13
        case syncGroup = 14
        case initProducerID = 22
        case addPartitionsToTransaction = 24
        case addOffsetsToTransaction = 25
        case endTransaction = 26
        case transactionOffsetCommit = 28
    }

    /// Broker error codes worth injecting.
    public enum BrokerError: Int32, Sendable {
        case requestTimedOut = 7
        case notLeaderForPartition = 6
        case coordinatorLoadInProgress = 14
        case coordinatorNotAvailable = 15
        case notCoordinator = 16
        case notEnoughReplicas = 19
        case rebalanceInProgress = 27
        case concurrentTransactions = 51
        case invalidTransactionState = 48
        case producerFenced = 90
    }

    /// The handle that runs the brokers; nil once shut down.
    private let owner: Mutex<RDKafkaHandle?>
    private let cluster: OpaquePointer
    /// `host:port,host:port` of the brokers.
    public let bootstrapServers: String
    /// Ids of the brokers (1...n).
    public let brokerIDs: [Int32]

    /// Starts `brokers` brokers on ephemeral loopback ports.
    public init(brokers: Int = 1) throws(KafkaError) {
        guard brokers >= 1 else { throw KafkaError.local("start embedded broker", "at least one broker is needed") }
        let owner = try RDKafkaHandle(
            kind: .producer,
            properties: [
                // The owning handle never connects anywhere; silence its "no bootstrap.servers" notice.
                ("log_level", "3"),
                // The brokers' sockets take this handle's settings: answer small requests at once, not after a
                // delayed ACK.
                ("socket.nagle.disable", "true"),
            ],
            callbacks: RDKafkaCallbacks(logHandler: nil),
            operation: "start embedded broker"
        )
        guard let cluster = owner.makeMockCluster(brokers: Int32(brokers)) else {
            throw KafkaError.local("start embedded broker", "librdkafka could not start the mock cluster")
        }
        self.owner = Mutex(owner)
        self.cluster = cluster
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        self.brokerIDs = (1...Int32(brokers)).map { $0 }
    }

    deinit {
        shutdown()
    }

    /// Stops the brokers and frees the cluster. Idempotent.
    public func shutdown() {
        guard let owner = owner.withLock({ $0.take() }) else { return }
        // The cluster goes first; the owning handle is destroyed as this, its last reference, is released.
        withExtendedLifetime(owner) {
            rd_kafka_mock_cluster_destroy(cluster)
        }
    }

    /// Creates a topic (fails with `topicAlreadyExists` if it exists).
    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32 = 1) throws(KafkaError) {
        try KafkaError.check(
            "create topic \(name)", rd_kafka_mock_topic_create(cluster, name, partitions, replicationFactor))
    }

    /// Takes a broker off the network: its connections close and new ones are refused until `setBrokerUp`.
    public func setBrokerDown(_ brokerID: Int32) throws(KafkaError) {
        try KafkaError.check("take broker \(brokerID) down", rd_kafka_mock_broker_set_down(cluster, brokerID))
    }

    /// Brings a broker taken down with `setBrokerDown` back.
    public func setBrokerUp(_ brokerID: Int32) throws(KafkaError) {
        try KafkaError.check("bring broker \(brokerID) up", rd_kafka_mock_broker_set_up(cluster, brokerID))
    }

    /// Delays every response of a broker by `milliseconds`.
    public func setRoundTripTime(broker brokerID: Int32, milliseconds: Int32) throws(KafkaError) {
        try KafkaError.check(
            "set round-trip time of broker \(brokerID)", rd_kafka_mock_broker_set_rtt(cluster, brokerID, milliseconds))
    }

    /// The next `errors.count` requests of type `apiKey` (to any broker) fail with these errors, in order.
    public func pushRequestErrors(_ apiKey: APIKey, _ errors: [BrokerError]) {
        var codes = errors.map { rd_kafka_resp_err_t(rawValue: $0.rawValue) }
        rd_kafka_mock_push_request_errors_array(cluster, apiKey.rawValue, codes.count, &codes)
    }

    /// Forgets errors pushed for `apiKey` that were not consumed yet.
    public func clearRequestErrors(_ apiKey: APIKey) {
        rd_kafka_mock_clear_request_errors(cluster, apiKey.rawValue)
    }
}
