import KafkaClient

/// Schedules whose fired record Kafka refused for good (no such partition, too large, not allowed), by partition
/// and id: the batch holding the record was aborted, and when the schedule is tried again it goes to the DLQ as
/// `delivery-failed` with the broker's reason instead. A new version of the schedule gets a fresh chance.
///
/// Owned by the engine thread.
final class RefusedFirings {
    private var refused: [Int32: [String: KafkaError]] = [:]

    /// Notes the firings of an aborted batch that Kafka refused.
    func note(_ undeliverable: UndeliverableFirings) {
        for (firing, error) in undeliverable.firings {
            refused[firing.partition, default: [:]][firing.schedule.id] = error
        }
    }

    /// Why Kafka refused the record of `id`, if it did.
    func error(for id: String, partition: Int32) -> KafkaError? {
        refused[partition]?[id]
    }

    /// A command replaced the schedule.
    func forget(_ id: String, partition: Int32) {
        refused[partition]?[id] = nil
    }

    /// These firings reached the DLQ in a committed batch.
    func deadLettered(_ firings: [Firing]) {
        for firing in firings {
            refused[firing.partition]?[firing.schedule.id] = nil
        }
    }
}
