import KafkaClient
import KairosWire
import NIOPosix

/// Reads a schedule's recent events: the engine writes an id's events to the partition of `events` its home rule
/// picks (`HomePartition` over that topic's partition count), so one partition's tail holds them all.
struct EventsReader: Sendable {
    let kafka: KafkaConfiguration
    let topic: String
    let rule: HomePartition.Rule
    /// Records read back from the end of the partition at most.
    static let depth: Int64 = 20_000

    /// The last `limit` events of `id`, oldest first.
    func events(of id: String, limit: Int) async throws -> [EventRecord] {
        let kafka = kafka
        let topic = topic
        let rule = rule
        return try await NIOThreadPool.singleton.runIfActive {
            var configuration = ConsumerConfiguration(kafka: kafka)
            configuration.isolationLevel = .readCommitted
            configuration.enablePartitionEOF = true
            let consumer = try KafkaConsumer(configuration: configuration)
            defer { try? consumer.close() }
            let partitions = try consumer.partitionCount(of: topic)
            let partition = TopicPartition(
                topic: topic, partition: HomePartition(rule: rule, partitions: Int32(partitions)).of(id))
            let (low, high) = try consumer.watermarks(of: partition)
            guard high > low else { return [] }
            try consumer.assign([TopicPartitionOffset(partition, offset: max(low, high - Self.depth))])
            let key = Array(id.utf8)
            var found: [EventRecord] = []
            var reachedEnd = false
            let deadline = ContinuousClock.now + .seconds(10)
            while !reachedEnd && ContinuousClock.now < deadline {
                let result = try consumer.poll(maxRecords: 5_000, timeoutMilliseconds: 200)
                for record in result.records where record.key == key {
                    if let event = try? EventRecord(decoding: record.value ?? []) { found.append(event) }
                }
                reachedEnd = !result.reachedEnd.isEmpty || (result.records.last.map { $0.offset + 1 >= high } ?? false)
            }
            return Array(found.suffix(limit))
        }
    }
}
