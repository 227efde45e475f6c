import Foundation
import KafkaClient
import Synchronization
import Testing
import TestThreads

@Suite(.ownThreads) struct KafkaConsumerTests {
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

    @Test func wakeUpEndsAWaitingPollEarly() throws {
        let cluster = try EmbeddedKafkaCluster()
        try cluster.createTopic("quiet", partitions: 1)
        let consumer = try KafkaConsumer(configuration: consumerConfiguration(cluster, group: uniqueName("quiet")))
        try consumer.subscribe(["quiet"])
        _ = try consumer.poll(timeoutMilliseconds: 500)  // join the group first
        let waker = Thread { [consumer] in
            Thread.sleep(forTimeInterval: 0.2)
            consumer.wakeUp()
        }
        let started = ContinuousClock.now
        waker.start()
        let result = try consumer.poll(timeoutMilliseconds: 10_000)
        let waited = ContinuousClock.now - started
        #expect(result.records.isEmpty)
        #expect(waited < .seconds(5), "poll waited \(waited) despite the wake-up")
        #expect(waited >= .milliseconds(150), "poll returned before the wake-up: \(waited)")
        try consumer.close()
    }

    @Test func cooperativeRebalanceSplitsPartitionsBetweenTwoMembers() throws {
        let cluster = try EmbeddedKafkaCluster()
        try cluster.createTopic("shared", partitions: 6)
        let group = uniqueName("pair")
        let eventsA = Mutex<[RebalanceEvent]>([])
        let eventsB = Mutex<[RebalanceEvent]>([])
        let memberA = try KafkaConsumer(configuration: consumerConfiguration(cluster, group: group)) { event in
            eventsA.withLock { $0.append(event) }
            return []
        }
        let memberB = try KafkaConsumer(configuration: consumerConfiguration(cluster, group: group)) { event in
            eventsB.withLock { $0.append(event) }
            return []
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

    @Test func rebalanceHandlerChoosesWhereANewPartitionStarts() throws {
        let cluster = try EmbeddedKafkaCluster()
        try cluster.createTopic("started", partitions: 2)
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster))
        for partition in Int32(0)..<2 {
            for index in 0..<5 {
                try producer.produce(KafkaProducerRecord(topic: "started", partition: partition, value: "\(index)".bytes))
            }
        }
        try producer.flush()
        let seen = Mutex<[RebalanceEvent]>([])
        let consumer = try KafkaConsumer(configuration: consumerConfiguration(cluster, group: uniqueName("s"))) { event in
            seen.withLock { $0.append(event) }
            // Partition 1 starts at offset 3; partition 0 at the committed offset (none: earliest).
            return [TopicPartitionOffset(topic: "started", partition: 1, offset: 3)]
        }
        try consumer.subscribe(["started"])
        let records = try consume(consumer, count: 7)
        #expect(records.filter { $0.partition == 0 }.map(\.offset) == [0, 1, 2, 3, 4])
        #expect(records.filter { $0.partition == 1 }.map(\.offset) == [3, 4])
        #expect(seen.withLock { $0 }.first.map { Set($0.partitions) } == Set((0..<2).map { TopicPartition(topic: "started", partition: $0) }))
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
        let empty = TopicPartition(topic: "seek", partition: 0)
        #expect(try consumer.endOffsets(of: [empty, partition]) == [empty: 0, partition: 8])
        try consumer.seek([TopicPartitionOffset(partition, offset: 5)])
        #expect(try consume(consumer, count: 3).map(\.offset) == [5, 6, 7])
        #expect(try consumer.position([partition]).first?.offset == 8)
        #expect(try consumer.partitionCount(of: "seek") == 2)
        #expect(throws: KafkaError.self) { try consumer.partitionCount(of: "no-such-topic") }
    }
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
