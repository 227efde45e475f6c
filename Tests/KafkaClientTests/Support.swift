import Foundation
import KafkaClient

/// Configurations pointing at an embedded cluster, with timeouts short enough for tests.
func kafkaConfiguration(_ cluster: EmbeddedKafkaCluster) -> KafkaConfiguration {
    KafkaConfiguration(bootstrapServers: cluster.bootstrapServers, clientID: "kafka-client-tests")
}

func consumerConfiguration(_ cluster: EmbeddedKafkaCluster, group: String? = nil) -> ConsumerConfiguration {
    var configuration = ConsumerConfiguration(kafka: kafkaConfiguration(cluster), groupID: group)
    configuration.sessionTimeoutMilliseconds = 6_000
    configuration.heartbeatIntervalMilliseconds = 500
    return configuration
}

func producerConfiguration(_ cluster: EmbeddedKafkaCluster, transactionalID: String? = nil) -> ProducerConfiguration {
    var configuration = ProducerConfiguration(kafka: kafkaConfiguration(cluster))
    configuration.transactionalID = transactionalID
    configuration.lingerMilliseconds = 1
    return configuration
}

/// Polls until `count` records arrived or `seconds` passed.
func consume(
    _ consumer: KafkaConsumer, count: Int, seconds: Double = 15
) throws -> [KafkaConsumerRecord] {
    var records: [KafkaConsumerRecord] = []
    let deadline = Date().addingTimeInterval(seconds)
    while records.count < count && Date() < deadline {
        records += try consumer.poll(maxRecords: count - records.count, timeoutMilliseconds: 100).records
    }
    return records
}

/// Reads a whole partition from the beginning with a fresh consumer, stopping at the high watermark.
func readAll(
    _ cluster: EmbeddedKafkaCluster, _ partition: TopicPartition,
    isolation: ConsumerConfiguration.IsolationLevel = .readCommitted
) throws -> [KafkaConsumerRecord] {
    var configuration = consumerConfiguration(cluster)
    configuration.isolationLevel = isolation
    configuration.enablePartitionEOF = true
    let consumer = try KafkaConsumer(configuration: configuration)
    try consumer.assign([TopicPartitionOffset(partition, offset: TopicPartitionOffset.beginning)])
    var records: [KafkaConsumerRecord] = []
    let deadline = Date().addingTimeInterval(15)
    while Date() < deadline {
        let result = try consumer.poll(timeoutMilliseconds: 100)
        records += result.records
        if !result.reachedEnd.isEmpty { break }
    }
    return records
}

func uniqueName(_ base: String) -> String {
    "\(base)-\(UUID().uuidString.prefix(8))"
}

extension String {
    var bytes: [UInt8] { Array(utf8) }
}
