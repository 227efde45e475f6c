import CRDKafka

/// The metadata request, shared by consumers and the admin client.
extension RDKafkaHandle {
    /// Brokers and all topics as the cluster reports them now; topics that failed to resolve are left out.
    func metadata(timeoutMilliseconds: Int32) throws(KafkaError) -> KafkaMetadata {
        var result: UnsafePointer<rd_kafka_metadata>?
        try KafkaError.check("fetch metadata", rd_kafka_metadata(pointer, 1, nil, &result, timeoutMilliseconds))
        guard let metadata = result else {
            throw KafkaError.local("fetch metadata", "the broker returned no metadata")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        let brokers = (0..<Int(metadata.pointee.broker_cnt)).map { metadata.pointee.brokers[$0].id }
        var topics: [KafkaMetadata.Topic] = []
        for index in 0..<Int(metadata.pointee.topic_cnt) {
            let topic = metadata.pointee.topics[index]
            // Topics that failed to resolve (e.g. being deleted) are left out, as if absent.
            guard topic.err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            let partitions = (0..<Int(topic.partition_cnt)).map { partitionIndex in
                let partition = topic.partitions[partitionIndex]
                return KafkaMetadata.Partition(
                    id: partition.id,
                    leader: partition.leader,
                    replicas: (0..<Int(partition.replica_cnt)).map { partition.replicas[$0] },
                    inSyncReplicas: (0..<Int(partition.isr_cnt)).map { partition.isrs[$0] }
                )
            }
            topics.append(
                KafkaMetadata.Topic(name: String(cString: topic.topic), partitions: partitions.sorted { $0.id < $1.id })
            )
        }
        return KafkaMetadata(brokerIDs: brokers.sorted(), topics: topics.sorted { $0.name < $1.name })
    }
}
