import Foundation
@testable import KairosEngine
import KafkaClient
import KairosWire
import ScheduleModel
import Synchronization
import Testing
import TestThreads

@Suite(.ownThreads) struct PartitionOwnerTests {
    /// The states one partition went through in `EngineStatus`, seen from another thread.
    final class StateObserver: Sendable {
        private let status: EngineStatus
        private let partition: Int32
        private let seen = Mutex<[EngineStatus.Partition.State?]>([])
        private let stop = Atomic(false)
        private let stopped = DispatchSemaphore(value: 0)

        /// Watches partition `partition` of `status` on a thread of its own until `finish`.
        init(_ status: EngineStatus, partition: Int32) {
            self.status = status
            self.partition = partition
            look()
            let thread = Thread { [self] in
                while !stop.load(ordering: .acquiring) {
                    look()
                    Thread.sleep(forTimeInterval: 0.002)
                }
                stopped.signal()
            }
            thread.start()
        }

        private func look() {
            let state = status.snapshot.partitions[partition]?.state
            seen.withLock { if $0.last != state { $0.append(state) } }
        }

        /// Stops watching; returns the states seen, in order, without repeats, ending with the current one.
        func finish() -> [EngineStatus.Partition.State?] {
            stop.store(true, ordering: .releasing)
            stopped.wait()
            look()
            return seen.withLock { $0 }
        }
    }

    func commands(_ settings: EngineSettings, _ partitions: Int32...) -> [TopicPartition] {
        partitions.map { TopicPartition(topic: settings.topics.commands, partition: $0) }
    }

    func state(_ schedule: Schedule, _ settings: EngineSettings, partition: Int32) -> KafkaProducerRecord {
        ChangelogRecord.state(
            id: schedule.id, encoded: ScheduleCodec.encode(schedule), topic: settings.topics.changelog,
            partition: partition)
    }

    func progress(_ next: Int64, _ settings: EngineSettings, partition: Int32) -> KafkaProducerRecord {
        ChangelogRecord.progress(nextOffset: next, topic: settings.topics.changelog, partition: partition)
    }

    func owner(_ settings: EngineSettings, _ cluster: EmbeddedKafkaCluster, status: EngineStatus, metrics: KairosMetrics)
        -> PartitionOwner
    {
        PartitionOwner(
            settings: settings, kafka: clusterConfiguration(cluster), status: status, metrics: metrics,
            logger: quietLogger)
    }

    @Test func anAssignmentRestoresTheStoresAndResumesWhereTheyLeftOff() throws {
        let scratch = try ScratchDirectory()
        let settings = testSettings(stateDirectory: scratch.path)
        let cluster = try embeddedCluster(settings, partitions: 2)
        let first = oneShot("a", at: 4_000)
        let second = oneShot("b", at: 9_000)
        try produceAndWait(
            cluster,
            [state(first, settings, partition: 0), progress(5, settings, partition: 0), state(second, settings, partition: 1)])
        let status = EngineStatus()
        let metrics = KairosMetrics()
        let owner = owner(settings, cluster, status: status, metrics: metrics)
        defer { owner.releaseAll() }
        let resume = owner.handle(
            .assigned(commands(settings, 0, 1) + [TopicPartition(topic: settings.topics.events, partition: 0)]))
        // Partition 1's store has seen no command: it starts at the group's committed offset.
        #expect(resume == [TopicPartitionOffset(topic: settings.topics.commands, partition: 0, offset: 5)])
        #expect(owner.ownedPartitions == [0, 1])
        #expect(owner.failure == nil)
        #expect(try owner.stores[0]?.schedule(id: "a") == first)
        #expect(try owner.stores[1]?.schedule(id: "b") == second)
        #expect(owner.storePath(0) == scratch.url.appendingPathComponent(settings.groupID).appendingPathComponent("0").path)
        #expect(FileManager.default.fileExists(atPath: owner.storePath(1)))
        let snapshot = status.snapshot
        #expect(snapshot.joined)
        #expect(snapshot.partitions.keys.sorted() == [0, 1])
        let zero = try #require(snapshot.partitions[0])
        #expect(zero.state == .serving)
        #expect(zero.commandsOffset == 5)
        #expect(zero.nextDue == 4_000)
        #expect(zero.pending == 1)
        #expect(zero.restoredRecords == 2)
        let one = try #require(snapshot.partitions[1])
        #expect(one.state == .serving)
        #expect(one.commandsOffset == nil)
        #expect(one.nextDue == 9_000)
        #expect(one.restoredRecords == 1)
        #expect(metricValue(metrics, #"kairos_rebalances_total{event="assigned"}"#) == 1)
        #expect(metricValue(metrics, "kairos_restored_records_total") == 3)
    }

    @Test func partitionsAreRestoringUntilTheirStoresServe() throws {
        let scratch = try ScratchDirectory()
        let settings = testSettings(stateDirectory: scratch.path)
        let cluster = try embeddedCluster(settings)
        try produceAndWait(cluster, [state(oneShot("slow", at: 1), settings, partition: 0)])
        // Every answer of the broker takes 300 ms, so the restore lasts long enough to be seen.
        try cluster.setRoundTripTime(broker: 1, milliseconds: 300)
        let status = EngineStatus()
        let owner = owner(settings, cluster, status: status, metrics: KairosMetrics())
        defer { owner.releaseAll() }
        let observer = StateObserver(status, partition: 0)
        _ = owner.handle(.assigned(commands(settings, 0)))
        #expect(observer.finish() == [nil, .restoring, .serving])
        #expect(try owner.stores[0]?.schedule(id: "slow") == oneShot("slow", at: 1))
    }

    @Test func aRevocationSettlesFirstThenClosesTheStoreAndKeepsItOnDisk() throws {
        let scratch = try ScratchDirectory()
        let settings = testSettings(stateDirectory: scratch.path)
        let cluster = try embeddedCluster(settings, partitions: 2)
        let kept = oneShot("kept", at: 70)
        try produceAndWait(cluster, [state(kept, settings, partition: 0), progress(3, settings, partition: 0)])
        let status = EngineStatus()
        let metrics = KairosMetrics()
        let owner = owner(settings, cluster, status: status, metrics: metrics)
        defer { owner.releaseAll() }
        _ = owner.handle(.assigned(commands(settings, 0, 1)))
        var seenBeforeRelease: [(store: Bool, status: Bool)] = []
        owner.beforeRelease = {
            seenBeforeRelease.append((owner.stores[0] != nil, status.snapshot.partitions[0] != nil))
        }
        #expect(owner.handle(.revoked(commands(settings, 0))).isEmpty)
        #expect(seenBeforeRelease.count == 1)
        #expect(seenBeforeRelease.first?.store == true && seenBeforeRelease.first?.status == true)
        #expect(owner.ownedPartitions == [1])
        #expect(status.snapshot.partitions.keys.sorted() == [1])
        #expect(metricValue(metrics, #"kairos_rebalances_total{event="revoked"}"#) == 1)
        // Closed (RocksDB's lock is free again) and kept.
        let reopened = try ScheduleStore(partition: 0, path: owner.storePath(0))
        #expect(try reopened.schedule(id: "kept") == kept)
        #expect(try reopened.changelogOffset == 1)
        reopened.close()
        // Coming back is quick: the store is current, nothing is replayed.
        let resume = owner.handle(.assigned(commands(settings, 0)))
        #expect(resume == [TopicPartitionOffset(topic: settings.topics.commands, partition: 0, offset: 3)])
        #expect(status.snapshot.partitions[0]?.restoredRecords == 0)
        #expect(try owner.stores[0]?.schedule(id: "kept") == kept)
    }

    @Test func aLostPartitionIsReleasedLikeARevokedOne() throws {
        let scratch = try ScratchDirectory()
        let settings = testSettings(stateDirectory: scratch.path)
        let cluster = try embeddedCluster(settings, partitions: 2)
        let status = EngineStatus()
        let metrics = KairosMetrics()
        let owner = owner(settings, cluster, status: status, metrics: metrics)
        defer { owner.releaseAll() }
        _ = owner.handle(.assigned(commands(settings, 0, 1)))
        var releases = 0
        owner.beforeRelease = { releases += 1 }
        // Partitions of other topics are none of the owner's business: nothing to settle.
        _ = owner.handle(.revoked([TopicPartition(topic: settings.topics.events, partition: 0)]))
        #expect(releases == 0)
        #expect(owner.ownedPartitions == [0, 1])
        _ = owner.handle(.lost(commands(settings, 1)))
        #expect(releases == 1)
        #expect(owner.ownedPartitions == [0])
        #expect(status.snapshot.partitions.keys.sorted() == [0])
        #expect(metricValue(metrics, #"kairos_rebalances_total{event="lost"}"#) == 1)
        let reopened = try ScheduleStore(partition: 1, path: owner.storePath(1))
        reopened.close()
    }

    @Test func aStoreThatCannotBeOpenedSetsTheFailureAndTheOthersServe() throws {
        let scratch = try ScratchDirectory()
        let settings = testSettings(stateDirectory: scratch.path)
        let cluster = try embeddedCluster(settings, partitions: 2)
        try produceAndWait(cluster, [progress(8, settings, partition: 1)])
        let owner = owner(settings, cluster, status: EngineStatus(), metrics: KairosMetrics())
        defer { owner.releaseAll() }
        // A file where partition 0's store directory belongs.
        try FileManager.default.createDirectory(
            atPath: scratch.url.appendingPathComponent(settings.groupID).path, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: owner.storePath(0), contents: Data("x".utf8)))
        let resume = owner.handle(.assigned(commands(settings, 0, 1)))
        #expect(resume == [TopicPartitionOffset(topic: settings.topics.commands, partition: 1, offset: 8)])
        #expect(owner.failure != nil)
        #expect(owner.ownedPartitions == [1])
    }

    @Test func storeWritesCoverTheOwnedPartitionsABatchChanged() throws {
        let scratch = try ScratchDirectory()
        let settings = testSettings(stateDirectory: scratch.path)
        let cluster = try embeddedCluster(settings, partitions: 3)
        let owner = assignedOwner(settings, cluster, partitions: [0, 1])
        defer { owner.releaseAll() }
        var batch = OutputBatch(topics: settings.topics)
        let written = oneShot("x", at: 33)
        batch.put(written, replacing: nil, partition: 0)
        batch.put(oneShot("elsewhere", at: 1), replacing: nil, partition: 2)
        batch.nextCommandOffsets = [0: 4, 1: 9, 2: 3]
        let writes = owner.storeWrites(of: batch, changelogOffsets: [0: 11, 2: 5]).sorted {
            $0.store.partition < $1.store.partition
        }
        #expect(writes.map(\.store.partition) == [0, 1], "partition 2 is not owned")
        #expect(writes.map(\.changes.count) == [1, 0])
        #expect(writes.map(\.changelogOffset) == [11, nil])
        #expect(writes.map(\.commandsOffset) == [4, 9])
        try ScheduleStore.applyAll(writes)
        let zero = try #require(owner.stores[0])
        let one = try #require(owner.stores[1])
        #expect(try zero.schedule(id: "x") == written)
        #expect(try zero.changelogOffset == 11 && zero.commandsOffset == 4)
        #expect(try one.changelogOffset == nil && one.commandsOffset == 9)
        #expect(owner.storeWrites(of: OutputBatch(topics: settings.topics), changelogOffsets: [0: 1]).isEmpty)
    }

    @Test func releaseAllClosesEveryStore() throws {
        let scratch = try ScratchDirectory()
        let settings = testSettings(stateDirectory: scratch.path)
        let cluster = try embeddedCluster(settings, partitions: 2)
        let status = EngineStatus()
        let owner = assignedOwner(settings, cluster, partitions: [0, 1], status: status)
        #expect(owner.ownedPartitions == [0, 1])
        owner.releaseAll()
        #expect(owner.ownedPartitions.isEmpty)
        #expect(status.snapshot.partitions.isEmpty)
        for partition: Int32 in [0, 1] {
            let reopened = try ScheduleStore(partition: partition, path: owner.storePath(partition))
            reopened.close()
        }
    }
}
