import CRDKafka

// librdkafka calls the rebalance callback from inside a consumer poll with the raw `rd_kafka_t`, not with our
// `RDKafkaHandle`; the callback and everything it does with that handle therefore live here, among the handle's
// files. The consumer only supplies the Swift handler (`RDKafkaCallbacks.rebalance`), registered by
// `RDKafkaHandle.init`.

/// The C rebalance callback: finds the consumer's handler through the handle's opaque pointer and applies the event.
let rdKafkaRebalanceCallback:
    @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
        UnsafeMutableRawPointer?
    ) -> Void = { consumer, code, list, _ in
        guard let consumer, let list, let callbacks = RDKafkaCallbacks.from(consumer),
            let handler = callbacks.rebalance
        else { return }
        applyRebalance(consumer, code, list, handler: handler)
    }

/// Runs the handler for the event, then changes the assignment as librdkafka requires of a rebalance callback:
/// incrementally under the cooperative protocol, wholesale under the eager one.
private func applyRebalance(
    _ consumer: OpaquePointer,
    _ code: rd_kafka_resp_err_t,
    _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>,
    handler: KafkaConsumer.RebalanceHandler
) {
    let partitions = topicPartitionOffsets(list).map(\.topicPartition)
    let cooperative = String(cString: rd_kafka_rebalance_protocol(consumer)) == "COOPERATIVE"
    switch code {
    case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
        let starts = handler(.assigned(partitions))
        for start in starts {
            rd_kafka_topic_partition_list_set_offset(
                list, start.topicPartition.topic, start.topicPartition.partition, start.offset)
        }
        if cooperative {
            if let error = rd_kafka_incremental_assign(consumer, list) { rd_kafka_error_destroy(error) }
        } else {
            rd_kafka_assign(consumer, list)
        }
    case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
        _ = handler(rd_kafka_assignment_lost(consumer) != 0 ? .lost(partitions) : .revoked(partitions))
        if cooperative {
            if let error = rd_kafka_incremental_unassign(consumer, list) { rd_kafka_error_destroy(error) }
        } else {
            rd_kafka_assign(consumer, nil)
        }
    default:
        // A rebalance error: drop the whole assignment, as librdkafka documents.
        _ = handler(.lost(partitions))
        rd_kafka_assign(consumer, nil)
    }
}
