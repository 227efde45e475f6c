import Foundation
import KafkaClient
import Synchronization
import Testing

@Suite struct KafkaConsumerTests {
    @Test func committedOffsetsAreWhereTheGroupResumes() throws {
        let cluster = try EmbeddedKafkaCluster()
        try cluster.createTopic("resume", partitions: 1)
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster))
        for index in 0..<10 {
            try producer.produce(KafkaProducerRecord(topic: "resume", partition: 0, value: "\(index)".bytes))
        }
        try producer.flush()
        let group = uniqueName("resume")

        let first = try KafkaConsumer(configuration: consumerConfiguration(cluster, group: group))
        try first.subscribe(["resume"])
        let firstRecords = try consume(first, count: 10)
        #expect(firstRecords.count == 10)
        try first.commit([TopicPartitionOffset(topic: "resume", partition: 0, offset: 4)])
        try first.close()

        let second = try KafkaConsumer(configuration: consumerConfiguration(cluster, group: group))
        try second.subscribe(["resume"])
        let resumed = try consume(second, count: 6)
        #expect(resumed.map(\.offset) == Array(4..<10))
        #expect(try second.committed([TopicPartition(topic: "resume", partition: 0)]).first?.offset == 4)
        try second.close()
    }

    @Test func cooperativeRebalanceSplitsPartitionsBetweenTwoMembers() throws {
        let cluster = try EmbeddedKafkaCluster()
        try cluster.createTopic("shared", partitions: 6)
        let group = uniqueName("pair")
        let eventsA = Mutex<[RebalanceEvent]>([])
        let eventsB = Mutex<[RebalanceEvent]>([])
        let memberA = try KafkaConsumer(configuration: consumerConfiguration(cluster, group: group)) { event in
            eventsA.withLock { $0.append(event) }
        }
        let memberB = try KafkaConsumer(configuration: consumerConfiguration(cluster, group: group)) { event in
            eventsB.withLock { $0.append(event) }
        }
        try memberA.subscribe(["shared"])
        try pollUntil(memberA) { try memberA.assignment().count == 6 }

        try memberB.subscribe(["shared"])
        try pollUntil(memberA, memberB) {
            let a = Set(try memberA.assignment())
            let b = Set(try memberB.assignment())
            return a.count == 3 && b.count == 3 && a.isDisjoint(with: b)
        }
        let a = Set(try memberA.assignment())
        let b = Set(try memberB.assignment())
        #expect(a.union(b) == Set((0..<6).map { TopicPartition(topic: "shared", partition: $0) }))

        // Cooperative: A gave up only what B took, and never lost its whole assignment.
        let historyA = eventsA.withLock { $0 }
        #expect(historyA.first == .assigned((0..<6).map { TopicPartition(topic: "shared", partition: $0) }))
        let revoked = historyA.compactMap { if case .revoked(let p) = $0 { p } else { nil } }.flatMap { $0 }
        #expect(Set(revoked) == b)
        #expect(!historyA.contains { if case .lost = $0 { true } else { false } })
        let assignedB = eventsB.withLock { $0 }.compactMap { if case .assigned(let p) = $0 { p } else { nil } }
        #expect(Set(assignedB.flatMap { $0 }) == b)

        // B leaves: A takes everything back, and B saw its partitions revoked.
        try memberB.close()
        try pollUntil(memberA) { try memberA.assignment().count == 6 }
        let finalB = eventsB.withLock { $0 }
        #expect(finalB.last == .revoked(Array(b).sorted()) || Set(finalB.last?.partitions ?? []) == b)
        try memberA.close()
    }

    @Test func rebalanceHandlerRunsBeforeRecordsOfANewPartitionArrive() throws {
        let cluster = try EmbeddedKafkaCluster()
        try cluster.createTopic("paused", partitions: 1)
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster))
        for index in 0..<3 {
            try producer.produce(KafkaProducerRecord(topic: "paused", partition: 0, value: "\(index)".bytes))
        }
        try producer.flush()
        let holder = ConsumerHolder()
        let consumer = try KafkaConsumer(configuration: consumerConfiguration(cluster, group: uniqueName("p"))) { event in
            if case .assigned(let partitions) = event {
                try? holder.consumer?.pause(partitions)
            }
        }
        holder.consumer = consumer
        try consumer.subscribe(["paused"])
        let whilePaused = try consume(consumer, count: 1, seconds: 4)
        #expect(whilePaused.isEmpty)
        #expect(try consumer.assignment() == [TopicPartition(topic: "paused", partition: 0)])
        try consumer.resume([TopicPartition(topic: "paused", partition: 0)])
        #expect(try consume(consumer, count: 3).count == 3)
        holder.consumer = nil
        try consumer.close()
    }

    @Test func seekWatermarksAndPartitionCount() throws {
        let cluster = try EmbeddedKafkaCluster()
        try cluster.createTopic("seek", partitions: 2)
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster))
        for index in 0..<8 {
            try producer.produce(KafkaProducerRecord(topic: "seek", partition: 1, value: "\(index)".bytes))
        }
        try producer.flush()
        let consumer = try KafkaConsumer(configuration: consumerConfiguration(cluster))
        let partition = TopicPartition(topic: "seek", partition: 1)
        try consumer.assign([TopicPartitionOffset(partition, offset: 0)])
        #expect(try consume(consumer, count: 8).count == 8)
        let marks = try consumer.watermarks(of: partition)
        #expect(marks.low == 0 && marks.high == 8)
        try consumer.seek([TopicPartitionOffset(partition, offset: 5)])
        #expect(try consume(consumer, count: 3).map(\.offset) == [5, 6, 7])
        #expect(try consumer.position([partition]).first?.offset == 8)
        #expect(try consumer.partitionCount(of: "seek") == 2)
        #expect(throws: KafkaError.self) { try consumer.partitionCount(of: "no-such-topic") }
    }
}

/// Lets a rebalance handler reach its consumer (which exists only after the handler is created).
final class ConsumerHolder: @unchecked Sendable {
    var consumer: KafkaConsumer?
}

/// Polls all consumers until `condition` holds, for at most 30 seconds.
func pollUntil(_ consumers: KafkaConsumer..., condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(30)
    while Date() < deadline {
        for consumer in consumers {
            _ = try consumer.poll(timeoutMilliseconds: 50)
        }
        if try condition() { return }
    }
    Issue.record("condition not reached within 30 s")
}
