@testable import KairosEngine
import KafkaClient
import KairosWire
import ScheduleModel
import Testing
import TestThreads

@Suite(.ownThreads) struct ChangelogRestorerTests {
    let settings = testSettings()
    var changelog: String { settings.topics.changelog }

    func restorer(_ cluster: EmbeddedKafkaCluster, bufferRecords: Int = 1_000) -> ChangelogRestorer {
        ChangelogRestorer(
            kafka: clusterConfiguration(cluster), changelogTopic: changelog, bufferRecords: bufferRecords,
            logger: quietLogger)
    }

    func state(_ schedule: Schedule, partition: Int32 = 0) -> KafkaProducerRecord {
        ChangelogRecord.state(
            id: schedule.id, encoded: ScheduleCodec.encode(schedule), topic: changelog, partition: partition)
    }

    func tombstone(_ id: String, partition: Int32 = 0) -> KafkaProducerRecord {
        ChangelogRecord.tombstone(id: id, topic: changelog, partition: partition)
    }

    func progress(_ next: Int64, partition: Int32 = 0) -> KafkaProducerRecord {
        ChangelogRecord.progress(nextOffset: next, topic: changelog, partition: partition)
    }

    @Test func anEmptyStoreGetsTheStatesTombstonesAndProgressOfTheWholeChangelog() throws {
        let cluster = try embeddedCluster(settings)
        let scratch = try ScratchDirectory()
        let store = try openStore(scratch)
        defer { store.close() }
        let first = oneShot("a", at: 300)
        let replaced = oneShot("b", at: 900, payload: "new")
        try produceAndWait(
            cluster,
            [
                state(first), state(oneShot("b", at: 100, payload: "old")), state(oneShot("c", at: 200)),
                progress(3), tombstone("c"), state(replaced), progress(6),
            ])
        let outcomes = try restorer(cluster).restore([store])
        #expect(outcomes[0]?.records == 7)
        #expect(try store.schedule(id: "a") == first)
        #expect(try store.schedule(id: "b") == replaced)
        #expect(try store.schedule(id: "c") == nil)
        #expect(try store.due(upTo: 10_000, limit: 10).map(\.id) == ["a", "b"])
        #expect(store.nextDueTime == 300)
        #expect(try store.changelogOffset == 6)
        #expect(try store.commandsOffset == 6)
    }

    @Test func aStoreWithACheckpointReadsOnlyWhatFollowsIt() throws {
        let cluster = try embeddedCluster(settings)
        let scratch = try ScratchDirectory()
        let store = try openStore(scratch)
        defer { store.close() }
        // Offsets 0-2 are what the store already reflects (checkpoint 2); it holds `local`, which they do not.
        try produceAndWait(
            cluster, [state(oneShot("before", at: 1)), tombstone("local"), progress(40), state(oneShot("after", at: 5))])
        let local = oneShot("local", at: 7)
        try store.apply([.upsert(local)], changelogOffset: 2, commandsOffset: 40)
        let outcomes = try restorer(cluster).restore([store])
        #expect(outcomes[0]?.records == 1)
        #expect(try store.schedule(id: "before") == nil, "offset 0 precedes the checkpoint")
        #expect(try store.schedule(id: "local") == local, "the tombstone at offset 1 precedes the checkpoint")
        #expect(try store.schedule(id: "after") == oneShot("after", at: 5))
        #expect(try store.changelogOffset == 3)
        #expect(try store.commandsOffset == 40)
    }

    @Test func aStoreUpToDateOrAnEmptyChangelogReadsNothing() throws {
        let cluster = try embeddedCluster(settings, partitions: 2)
        let scratch = try ScratchDirectory()
        let current = try openStore(scratch, partition: 0)
        let fresh = try openStore(scratch, partition: 1)
        defer {
            current.close()
            fresh.close()
        }
        try produceAndWait(cluster, [state(oneShot("x", at: 1)), state(oneShot("y", at: 2))])
        try current.apply([.upsert(oneShot("z", at: 3))], changelogOffset: 1, commandsOffset: 8)
        let outcomes = try restorer(cluster).restore([current, fresh])
        #expect(outcomes[0]?.records == 0)
        #expect(outcomes[1]?.records == 0)
        #expect(try current.schedule(id: "x") == nil)
        #expect(try current.changelogOffset == 1 && current.commandsOffset == 8)
        #expect(try fresh.changelogOffset == nil && fresh.commandsOffset == nil)
        #expect(fresh.nextDueTime == nil)
    }

    @Test func partitionsAreRestoredTogetherEachIntoItsOwnStore() throws {
        let cluster = try embeddedCluster(settings, partitions: 3)
        let scratch = try ScratchDirectory()
        let stores = try (0..<3).map { try openStore(scratch, partition: Int32($0)) }
        defer { stores.forEach { $0.close() } }
        try produceAndWait(
            cluster,
            [
                state(oneShot("p0", at: 10), partition: 0), state(oneShot("p2-a", at: 20), partition: 2),
                progress(4, partition: 2), state(oneShot("p2-b", at: 30), partition: 2),
            ])
        let outcomes = try restorer(cluster).restore(stores)
        #expect(outcomes.mapValues(\.records) == [0: 1, 1: 0, 2: 3])
        #expect(try stores[0].due(upTo: 100, limit: 10).map(\.id) == ["p0"])
        #expect(try stores[1].due(upTo: 100, limit: 10).isEmpty)
        #expect(try stores[2].due(upTo: 100, limit: 10).map(\.id) == ["p2-a", "p2-b"])
        #expect(try stores.map { try $0.changelogOffset } == [0, nil, 2])
        #expect(try stores.map { try $0.commandsOffset } == [nil, nil, 4])
    }

    @Test func aSmallBufferWritesInRoundsToTheSameStores() throws {
        let cluster = try embeddedCluster(settings, partitions: 2)
        // Ids are created, moved, and ended across many rounds of 7 records; the last state of each decides.
        var records: [KafkaProducerRecord] = []
        for step in 0..<120 {
            let partition = Int32(step % 2)
            let id = "s\(step % 13)"
            switch step % 5 {
            case 3: records.append(tombstone(id, partition: partition))
            case 4: records.append(progress(Int64(step), partition: partition))
            default: records.append(state(oneShot(id, at: Int64(1_000 - step)), partition: partition))
            }
        }
        try produceAndWait(cluster, records)
        let scratch = try ScratchDirectory()
        let large = try (0..<2).map { try openStore(scratch, partition: Int32($0), name: "large") }
        let small = try (0..<2).map { try openStore(scratch, partition: Int32($0), name: "small") }
        defer { (large + small).forEach { $0.close() } }
        let inOneRound = try restorer(cluster, bufferRecords: 1_000).restore(large)
        let inRounds = try restorer(cluster, bufferRecords: 7).restore(small)
        #expect(inOneRound.mapValues(\.records) == [0: 60, 1: 60])
        #expect(inRounds.mapValues(\.records) == [0: 60, 1: 60])
        for partition in 0..<2 {
            let expected = try large[partition].due(upTo: 10_000, limit: 100)
            #expect(!expected.isEmpty)
            #expect(try small[partition].due(upTo: 10_000, limit: 100) == expected)
            #expect(small[partition].nextDueTime == large[partition].nextDueTime)
            #expect(try small[partition].changelogOffset == 59)
            #expect(try large[partition].changelogOffset == 59)
            #expect(try small[partition].commandsOffset == large[partition].commandsOffset)
        }
        // Partition 0 gets the even steps: the last progress among them is step 114.
        #expect(try small[0].commandsOffset == 114)
        #expect(try small[1].commandsOffset == 119)
    }

    @Test func unreadableRecordsAreSkipped() throws {
        let cluster = try embeddedCluster(settings)
        let scratch = try ScratchDirectory()
        let store = try openStore(scratch)
        defer { store.close() }
        let good = oneShot("good", at: 50)
        try produceAndWait(
            cluster,
            [
                KafkaProducerRecord(topic: changelog, partition: 0, key: Array("bad".utf8), value: [0x63, 1, 2]),
                KafkaProducerRecord(topic: changelog, partition: 0, key: nil, value: [1]),
                KafkaProducerRecord(topic: changelog, partition: 0, key: [0xFF] + Array("commands-next-offset".utf8),
                    value: [9]),
                state(good),
            ])
        let outcomes = try restorer(cluster).restore([store])
        #expect(outcomes[0]?.records == 4)
        #expect(try store.schedule(id: "good") == good)
        #expect(try store.schedule(id: "bad") == nil)
        #expect(try store.due(upTo: 1_000, limit: 10).map(\.id) == ["good"])
        #expect(try store.changelogOffset == 3)
        #expect(try store.commandsOffset == nil)
    }

    @Test func aChangelogWrittenInTransactionsIsRestoredPastItsMarkers() throws {
        let cluster = try embeddedCluster(settings)
        let scratch = try ScratchDirectory()
        let store = try openStore(scratch)
        defer { store.close() }
        var configuration = ProducerConfiguration(kafka: clusterConfiguration(cluster))
        configuration.transactionalID = "restore-\(settings.groupID)"
        let producer = try KafkaProducer(configuration: configuration)
        try producer.initTransactions()
        for index in 0..<3 {
            try producer.beginTransaction()
            try producer.produce(state(oneShot("tx\(index)", at: Int64(index))))
            try producer.produce(progress(Int64(index + 1)))
            try producer.commitTransaction()
        }
        let outcomes = try restorer(cluster).restore([store])
        // Three transactions of two records (on Apache Kafka each followed by its commit marker, which the embedded
        // broker does not write): the checkpoint is the offset of the last record read.
        #expect(outcomes[0]?.records == 6)
        #expect(try store.due(upTo: 10, limit: 10).map(\.id) == ["tx0", "tx1", "tx2"])
        let last = try #require(try readAll(cluster, topic: changelog).last?.offset)
        #expect(try store.changelogOffset == last)
        #expect(try store.commandsOffset == 3)
    }
}
