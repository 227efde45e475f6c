import Foundation
import KafkaClient
import Testing
import TestThreads

@Suite(.ownThreads) struct KafkaProducerTests {
    @Test func recordsRoundTripWithKeysValuesAndHeaders() async throws {
        let cluster = try EmbeddedKafkaCluster()
        try cluster.createTopic("round-trip", partitions: 3)
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster))
        let binary: [UInt8] = [0, 1, 2, 0xFF, 0xFE, 0]
        let sent = [
            KafkaProducerRecord(
                topic: "round-trip", partition: 1, key: "k1".bytes, value: "hello".bytes,
                headers: [KafkaHeader("a", "1"), KafkaHeader("a", "2"), KafkaHeader(name: "null", value: nil),
                          KafkaHeader(name: "empty", value: [])],
                timestamp: 1_700_000_000_123),
            KafkaProducerRecord(topic: "round-trip", partition: 1, key: binary, value: binary),
            KafkaProducerRecord(topic: "round-trip", partition: 1, key: "empty-value".bytes, value: []),
            KafkaProducerRecord(topic: "round-trip", partition: 1, key: "tombstone".bytes, value: nil),
            KafkaProducerRecord(topic: "round-trip", partition: 1, key: nil, value: "no key".bytes),
        ]
        var reports: [DeliveryReport] = []
        for record in sent {
            reports.append(try await producer.send(record))
        }
        #expect(reports.map(\.offset) == [0, 1, 2, 3, 4])
        #expect(reports.allSatisfy { $0.topic == "round-trip" && $0.partition == 1 })

        let received = try readAll(cluster, TopicPartition(topic: "round-trip", partition: 1))
        #expect(received.count == sent.count)
        for (record, original) in zip(received, sent) {
            #expect(record.key == original.key)
            #expect(record.value == original.value)
            #expect(record.headers == original.headers)
        }
        #expect(received[0].timestamp == 1_700_000_000_123)
        #expect(received[2].value == [])
        #expect(received[3].value == nil)
    }

    @Test func keyedRecordsWithoutPartitionLandOnOnePartitionPerKey() async throws {
        let cluster = try EmbeddedKafkaCluster()
        try cluster.createTopic("keyed", partitions: 4)
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster))
        var partitionsByKey: [String: Set<Int32>] = [:]
        for index in 0..<40 {
            let key = "key-\(index % 5)"
            let report = try await producer.send(KafkaProducerRecord(topic: "keyed", key: key.bytes, value: []))
            partitionsByKey[key, default: []].insert(report.partition)
        }
        #expect(partitionsByKey.count == 5)
        #expect(partitionsByKey.values.allSatisfy { $0.count == 1 })
    }

    @Test func deliveryFailsWithTheTopicNamedWhenThePartitionDoesNotExist() async throws {
        let cluster = try EmbeddedKafkaCluster()
        try cluster.createTopic("small", partitions: 1)
        var configuration = producerConfiguration(cluster)
        configuration.messageTimeoutMilliseconds = 2_000
        let producer = try KafkaProducer(configuration: configuration)
        await #expect {
            _ = try await producer.send(KafkaProducerRecord(topic: "small", partition: 7, value: []))
        } throws: { error in
            let error = try #require(error as? KafkaError)
            return error.description.contains("small")
                && [KafkaError.Code.unknownTopicOrPartition, KafkaError.Code.unknownPartition].contains(error.code)
        }
    }

    @Test func invalidPropertyIsRejectedWithItsName() {
        var configuration = ProducerConfiguration(kafka: KafkaConfiguration(bootstrapServers: "127.0.0.1:1"))
        configuration.kafka.properties["no.such.property"] = "1"
        #expect {
            _ = try KafkaProducer(configuration: configuration)
        } throws: { error in
            String(describing: error).contains("no.such.property")
        }
    }

    @Test func idempotentProducerRetriesThroughInjectedProduceErrors() async throws {
        let cluster = try EmbeddedKafkaCluster()
        try cluster.createTopic("retried", partitions: 1)
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster))
        _ = try await producer.send(KafkaProducerRecord(topic: "retried", partition: 0, value: "warm-up".bytes))
        cluster.pushRequestErrors(.produce, [.notLeaderForPartition, .requestTimedOut, .notEnoughReplicas])
        for index in 0..<10 {
            _ = try await producer.send(KafkaProducerRecord(topic: "retried", partition: 0, value: "\(index)".bytes))
        }
        let values = try readAll(cluster, TopicPartition(topic: "retried", partition: 0)).compactMap(\.value)
        #expect(values == ["warm-up".bytes] + (0..<10).map { "\($0)".bytes })
    }

    @Test func producerWaitsOutABrokerOutage() async throws {
        let cluster = try EmbeddedKafkaCluster()
        try cluster.createTopic("outage", partitions: 1)
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster))
        _ = try await producer.send(KafkaProducerRecord(topic: "outage", partition: 0, value: "before".bytes))
        try cluster.setBrokerDown(1)
        let pending = Task { try await producer.send(KafkaProducerRecord(topic: "outage", partition: 0, value: "during".bytes)) }
        try await Task.sleep(for: .seconds(2))
        try cluster.setBrokerUp(1)
        let report = try await pending.value
        #expect(report.offset == 1)
        let values = try readAll(cluster, TopicPartition(topic: "outage", partition: 0)).compactMap(\.value)
        #expect(values == ["before".bytes, "during".bytes])
    }
}
