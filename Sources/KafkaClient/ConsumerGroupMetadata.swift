import CRDKafka

/// A consumer's group membership (group id, generation, member id) as a transactional producer needs it to commit
/// offsets in a transaction and be fenced if the member has been replaced (KIP-447).
///
/// `@unchecked Sendable`: the C object is immutable after creation and destroyed once, in `deinit`.
public final class ConsumerGroupMetadata: @unchecked Sendable {
    /// The `rd_kafka_consumer_group_metadata_t`, read by `RDKafkaHandle.sendOffsetsToTransaction`.
    let cMetadata: OpaquePointer

    init(_ cMetadata: OpaquePointer) {
        self.cMetadata = cMetadata
    }

    deinit {
        rd_kafka_consumer_group_metadata_destroy(cMetadata)
    }
}
