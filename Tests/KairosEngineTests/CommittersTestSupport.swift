@testable import KairosEngine
import KafkaClient
import KairosWire
import ScheduleModel

/// What the committer tests need: a cluster, an owner serving partition 0 restored from it, a consumer in the group,
/// and a producer for batches.
struct CommitterHarness {
    let settings: EngineSettings
    let cluster: EmbeddedKafkaCluster
    let owner: PartitionOwner
    let consumer: KafkaConsumer
    let metrics = KairosMetrics()
    let refused = RefusedFirings()
    let producer: BatchProducer
    let scratch: ScratchDirectory

    init(guarantee: DeliveryGuarantee) throws {
        let scratch = try ScratchDirectory()
        self.scratch = scratch
        var settings = testSettings(stateDirectory: scratch.path, guarantee: guarantee)
        settings.instanceID = "committer-\(guarantee.rawValue)"
        self.settings = settings
        cluster = try embeddedCluster(settings)
        owner = assignedOwner(settings, cluster)
        var configuration = ConsumerConfiguration(kafka: clusterConfiguration(cluster), groupID: settings.groupID)
        configuration.partitionAssignmentStrategy = "range"
        consumer = try KafkaConsumer(configuration: configuration)
        try consumer.assign([TopicPartitionOffset(topic: settings.topics.commands, partition: 0, offset: 0)])
        producer = try BatchProducer(kafka: clusterConfiguration(cluster), settings: settings, logger: quietLogger) {
            firing, error in
            [
                DeadLetterRecord.deliveryFailed(
                    firing.schedule, occurrence: firing.occurrence, reason: "refused: \(error.codeName)",
                    topic: settings.topics.deadLetters)
            ]
        }
    }

    var reporter: CommitReporter { CommitReporter(metrics: metrics, refused: refused, logger: quietLogger) }

    /// A batch that creates `id` due at `at`, with its event, having consumed commands up to `next`.
    func creating(_ id: String, at: Int64, next: Int64) -> OutputBatch {
        var batch = OutputBatch(topics: settings.topics)
        batch.put(oneShot(id, at: at), replacing: nil, partition: 0)
        batch.append(EventRecord(kind: .scheduled, id: id, occurrence: 1, scheduledFor: at, at: at, partition: 0))
        batch.nextCommandOffsets[0] = next
        batch.closeWithProgress()
        return batch
    }

    /// Everything committed to `topic` partition 0, as a read_committed reader sees it.
    func committed(_ topic: String) throws -> [KafkaConsumerRecord] {
        try readAll(cluster, topic: topic)
    }

    func close() {
        owner.releaseAll()
        try? consumer.close()
    }
}
