import Foundation
public import KafkaClient
import KairosWire
public import Logging
import Synchronization

/// Which instance serves which partition, and where its API is: every instance writes an entry about itself to
/// `<prefix>.instances` (compacted, keyed by instance) when what it serves changes and every few seconds, and reads
/// everyone's. The API uses it to pass a request for an id to the instance that owns its home partition.
///
/// An entry older than `staleAfter` is ignored (an instance that died without saying so); when two live entries
/// claim a partition, the newer wins (the new owner says so as soon as it serves).
public final class InstanceDirectory: Sendable {
    /// What one instance says about itself.
    public struct Entry: Codable, Sendable, Hashable {
        public var instance: String
        /// Base URL of its API.
        public var api: String
        /// The partitions it serves.
        public var partitions: [Int32]
        /// When it said so, epoch ms.
        public var at: Int64
    }

    /// How often an instance repeats its entry.
    static let heartbeat: Duration = .seconds(3)
    /// An entry not repeated for this long is ignored.
    static let staleAfter: Int64 = 15_000

    public let instance: String
    private let topic: String
    private let entries = Mutex<[String: Entry]>([:])
    private let kafka: KafkaConfiguration
    private let logger: Logger
    private let stopped = Atomic(false)

    public init(instance: String, topic: String, kafka: KafkaConfiguration, logger: Logger) {
        self.instance = instance
        self.topic = topic
        self.kafka = kafka
        self.logger = logger
    }

    /// The live entries, newest first.
    public var live: [Entry] {
        let now = Int64(Date().timeIntervalSince1970 * 1_000)
        return entries.withLock { Array($0.values) }.filter { now - $0.at <= Self.staleAfter }.sorted { $0.at > $1.at }
    }

    /// The API of the instance serving `partition`, if a live one says it does.
    public func owner(of partition: Int32) -> Entry? {
        live.first { $0.partitions.contains(partition) }
    }

    /// Reads the directory and writes this instance's entry (`own()` says what it serves, `api` where it is) until
    /// `stop`; blocks the calling thread. Leaves a tombstone on the way out.
    public func run(api: String, own: @Sendable () -> [Int32]) throws {
        var consumerConfiguration = ConsumerConfiguration(kafka: kafka)
        consumerConfiguration.isolationLevel = .readCommitted
        let consumer = try KafkaConsumer(configuration: consumerConfiguration)
        defer { try? consumer.close() }
        try consumer.assign([TopicPartitionOffset(topic: topic, partition: 0, offset: TopicPartitionOffset.beginning)])
        var producerConfiguration = ProducerConfiguration(kafka: kafka)
        producerConfiguration.lingerMilliseconds = 0
        let producer = try KafkaProducer(configuration: producerConfiguration)
        defer { try? producer.flush(timeoutMilliseconds: 5_000) }
        var said: [Int32]?
        var lastSaid = ContinuousClock.now
        while !stopped.load(ordering: .acquiring) {
            let serving = own()
            if serving != said || ContinuousClock.now - lastSaid >= Self.heartbeat {
                let entry = Entry(
                    instance: instance, api: api, partitions: serving, at: Int64(Date().timeIntervalSince1970 * 1_000))
                do {
                    try producer.produce(
                        KafkaProducerRecord(
                            topic: topic, partition: 0, key: Array(instance.utf8),
                            value: Array(try JSONEncoder().encode(entry))))
                    entries.withLock { $0[instance] = entry }
                    said = serving
                    lastSaid = ContinuousClock.now
                } catch {
                    logger.warning("cannot write to the directory of instances", metadata: ["error": "\(error)"])
                }
            }
            for record in try consumer.poll(maxRecords: 1_000, timeoutMilliseconds: 200).records {
                guard let key = record.key else { continue }
                let name = String(decoding: key, as: UTF8.self)
                guard name != instance else { continue }
                if let value = record.value, let entry = try? JSONDecoder().decode(Entry.self, from: Data(value)) {
                    entries.withLock { $0[name] = entry }
                } else {
                    entries.withLock { $0[name] = nil }
                }
            }
        }
        try? producer.produce(KafkaProducerRecord(topic: topic, partition: 0, key: Array(instance.utf8), value: nil))
    }

    /// Makes `run` return after its current round.
    public func stop() {
        stopped.store(true, ordering: .releasing)
    }
}
