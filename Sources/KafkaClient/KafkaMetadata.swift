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

    static func fetch(handle: RDKafkaHandle, timeoutMilliseconds: Int32) throws(KafkaError) -> KafkaMetadata {
        var pointer: UnsafePointer<rd_kafka_metadata>?
        try KafkaError.check("fetch metadata", rd_kafka_metadata(handle.pointer, 1, nil, &pointer, timeoutMilliseconds))
        guard let metadata = pointer else {
            throw KafkaError.local("fetch metadata", "the broker returned no metadata")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        let brokers = (0..<Int(metadata.pointee.broker_cnt)).map { metadata.pointee.brokers[$0].id }
        var topics: [Topic] = []
        for index in 0..<Int(metadata.pointee.topic_cnt) {
            let topic = metadata.pointee.topics[index]
            // Topics that failed to resolve (e.g. being deleted) are left out, as if absent.
            guard topic.err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            let partitions = (0..<Int(topic.partition_cnt)).map { partitionIndex in
                let partition = topic.partitions[partitionIndex]
                return Partition(
                    id: partition.id,
                    leader: partition.leader,
                    replicas: (0..<Int(partition.replica_cnt)).map { partition.replicas[$0] },
                    inSyncReplicas: (0..<Int(partition.isr_cnt)).map { partition.isrs[$0] }
                )
            }
            topics.append(Topic(name: String(cString: topic.topic), partitions: partitions.sorted { $0.id < $1.id }))
        }
        return KafkaMetadata(brokerIDs: brokers.sorted(), topics: topics.sorted { $0.name < $1.name })
    }
}
