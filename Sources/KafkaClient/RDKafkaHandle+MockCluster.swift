import CRDKafka

/// Starting librdkafka's mock cluster, which this handle then owns (see `EmbeddedKafkaCluster`).
extension RDKafkaHandle {
    /// Starts `brokers` mock brokers on this handle; nil if librdkafka could not. The handle must outlive the
    /// cluster: destroy the cluster (`rd_kafka_mock_cluster_destroy`) before releasing the handle.
    func makeMockCluster(brokers: Int32) -> OpaquePointer? {
        rd_kafka_mock_cluster_new(pointer, brokers)
    }
}
