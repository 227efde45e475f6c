import Foundation
import KafkaClient
import Testing
import TestThreads

@Suite(.ownThreads) struct TransactionTests {
    @Test func committedTransactionIsVisibleToReadCommittedConsumers() throws {
        let cluster = try EmbeddedKafkaCluster()
        try cluster.createTopic("tx-out", partitions: 1)
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster, transactionalID: uniqueName("tx")))
        try producer.initTransactions()
        try producer.beginTransaction()
        for index in 0..<5 {
            try producer.produce(KafkaProducerRecord(topic: "tx-out", partition: 0, value: "c\(index)".bytes))
        }
        try producer.commitTransaction()
        let values = try readAll(cluster, TopicPartition(topic: "tx-out", partition: 0)).compactMap(\.value)
        #expect(values == (0..<5).map { "c\($0)".bytes })
    }

    @Test func abortedTransactionDeliversNothingItHadQueued() throws {
        let cluster = try EmbeddedKafkaCluster()
        try cluster.createTopic("tx-abort", partitions: 1)
        var configuration = producerConfiguration(cluster, transactionalID: uniqueName("tx"))
        configuration.lingerMilliseconds = 1_000  // keep the aborted records queued until the abort purges them
        let producer = try KafkaProducer(configuration: configuration)
        try producer.initTransactions()
        try producer.beginTransaction()
        try producer.produce(KafkaProducerRecord(topic: "tx-abort", partition: 0, value: "aborted".bytes))
        try producer.abortTransaction()
        try producer.beginTransaction()
        try producer.produce(KafkaProducerRecord(topic: "tx-abort", partition: 0, value: "committed".bytes))
        try producer.commitTransaction()
        let values = try readAll(cluster, TopicPartition(topic: "tx-abort", partition: 0)).compactMap(\.value)
        #expect(values == ["committed".bytes])
    }

    @Test func groupOffsetsTravelInsideACommittedTransaction() throws {
        let cluster = try EmbeddedKafkaCluster()
        try cluster.createTopic("tx-in", partitions: 1)
        try cluster.createTopic("tx-copy", partitions: 1)
        let plain = try KafkaProducer(configuration: producerConfiguration(cluster))
        for index in 0..<6 {
            try plain.produce(KafkaProducerRecord(topic: "tx-in", partition: 0, value: "\(index)".bytes))
        }
        try plain.flush()

        let consumer = try KafkaConsumer(configuration: consumerConfiguration(cluster, group: uniqueName("copier")))
        try consumer.subscribe(["tx-in"])
        let input = try consume(consumer, count: 6)
        #expect(input.count == 6)

        // The embedded broker acknowledges transactional offset commits without storing them (see
        // EmbeddedKafkaCluster), so this checks the client side: the offsets join the transaction and it commits.
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster, transactionalID: uniqueName("tx")))
        try producer.initTransactions()
        try producer.beginTransaction()
        for record in input {
            try producer.produce(KafkaProducerRecord(topic: "tx-copy", partition: 0, value: record.value))
        }
        try producer.sendOffsetsToTransaction(
            [TopicPartitionOffset(topic: "tx-in", partition: 0, offset: 6)], groupMetadata: consumer.groupMetadata())
        try producer.commitTransaction()
        #expect(try readAll(cluster, TopicPartition(topic: "tx-copy", partition: 0)).compactMap(\.value) == input.compactMap(\.value))
        try consumer.close()
    }

    @Test func commitSurvivesInjectedCoordinatorErrors() throws {
        let cluster = try EmbeddedKafkaCluster()
        try cluster.createTopic("tx-faults", partitions: 1)
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster, transactionalID: uniqueName("tx")))
        try producer.initTransactions()
        cluster.pushRequestErrors(.endTransaction, [.coordinatorLoadInProgress, .notCoordinator])
        cluster.pushRequestErrors(.addPartitionsToTransaction, [.concurrentTransactions])
        try producer.beginTransaction()
        try producer.produce(KafkaProducerRecord(topic: "tx-faults", partition: 0, value: "x".bytes))
        try producer.commitTransaction()
        let values = try readAll(cluster, TopicPartition(topic: "tx-faults", partition: 0)).compactMap(\.value)
        #expect(values == ["x".bytes])
    }
}
