import KafkaClient
import KairosWire

/// Writes the API's commands to `commands`, each to its id's home partition, and returns where it landed.
final class CommandPublisher: Sendable {
    private let producer: KafkaProducer
    private let topic: String
    private let home: HomePartition

    init(kafka: KafkaConfiguration, topic: String, home: HomePartition) throws {
        var configuration = ProducerConfiguration(kafka: kafka)
        configuration.lingerMilliseconds = 1
        configuration.messageTimeoutMilliseconds = 30_000
        producer = try KafkaProducer(configuration: configuration)
        self.topic = topic
        self.home = home
    }

    /// The home partition of `id`.
    func partition(of id: String) -> Int32 { home.of(id) }

    /// Writes `record` (a command of `topic`) to its key's home partition; returns its partition and offset.
    func publish(_ record: KafkaProducerRecord) async throws -> DeliveryReport {
        var record = record
        record.topic = topic
        record.partition = home.of(key: record.key ?? [])
        return try await producer.send(record)
    }

    func close() {
        try? producer.flush(timeoutMilliseconds: 5_000)
    }
}
