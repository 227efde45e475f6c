import CRDKafka

/// The cluster as one metadata request saw it: brokers and topics with their partitions.
public struct KafkaMetadata: Sendable {
    /// One partition of a topic and where its replicas are.
    public struct Partition: Sendable, Hashable {
        public var id: Int32
        public var leader: Int32
        public var replicas: [Int32]
        public var inSyncReplicas: [Int32]
    }

    /// One topic.
    public struct Topic: Sendable {
        public var name: String
        /// Partitions sorted by id.
        public var partitions: [Partition]
    }

    public var brokerIDs: [Int32]
    public var topics: [Topic]

    /// The topic called `name`; throws `unknownTopicOrPartition` if the cluster has none.
    public func topic(named name: String, operation: String = "describe topic") throws(KafkaError) -> Topic {
        guard let topic = topics.first(where: { $0.name == name }) else {
            throw KafkaError(operation: "\(operation) \(name)", code: RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
        }
        return topic
    }
}
