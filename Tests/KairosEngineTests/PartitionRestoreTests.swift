@testable import KairosEngine
import KafkaClient
import KairosWire
import ScheduleModel
import Testing
import TestThreads

@Suite(.ownThreads) struct PartitionRestoreTests {
    let topic = "t.changelog"

    /// A changelog record of partition 0 at `offset`, as the restore consumer reads it.
    func read(_ record: KafkaProducerRecord, at offset: Int64) -> KafkaConsumerRecord {
        consumed(record, offset: offset)
    }

    @Test func aStoreWithoutCheckpointIsRestoredFromTheStartOfTheChangelog() throws {
        let scratch = try ScratchDirectory()
        let store = try openStore(scratch)
        defer { store.close() }
        let restore = PartitionRestore(store: store, checkpoint: nil, end: 5)
        #expect(restore.state == .registered)
        #expect(restore.start == TopicPartitionOffset.beginning)
        #expect(restore.begin() == TopicPartitionOffset.beginning)
        #expect(restore.state == .restoring)
    }

    @Test func aStoreWithACheckpointIsRestoredFromTheRecordAfterIt() throws {
        let scratch = try ScratchDirectory()
        let store = try openStore(scratch)
        defer { store.close() }
        let restore = PartitionRestore(store: store, checkpoint: 3, end: 10)
        #expect(restore.begin() == 4)
        #expect(restore.state == .restoring)
        #expect(restore.end == 10)
    }

    @Test(arguments: [(checkpoint: Int64?.none, end: Int64(0)), (checkpoint: 9, end: 10), (checkpoint: 12, end: 10)])
    func nothingToReplayCompletesAtOnce(checkpoint: Int64?, end: Int64) throws {
        let scratch = try ScratchDirectory()
        let store = try openStore(scratch)
        defer { store.close() }
        let restore = PartitionRestore(store: store, checkpoint: checkpoint, end: end)
        #expect(restore.begin() == nil)
        #expect(restore.state == .completed)
        #expect(restore.pendingWrite == nil)
        // A completed restore is not completed again.
        #expect(!restore.reached(end, endOfPartition: true))
    }

    @Test func theRestoreCompletesOnceThePositionReachesTheEnd() throws {
        let scratch = try ScratchDirectory()
        let store = try openStore(scratch)
        defer { store.close() }
        let restore = PartitionRestore(store: store, checkpoint: nil, end: 10)
        _ = restore.begin()
        #expect(!restore.reached(9, endOfPartition: false))
        #expect(restore.state == .restoring)
        #expect(restore.reached(10, endOfPartition: false))
        #expect(restore.state == .completed)
        #expect(!restore.reached(11, endOfPartition: false), "only the first call completes it")
    }

    @Test func theEndOfThePartitionCompletesTheRestoreBeforeTheEndOffset() throws {
        let scratch = try ScratchDirectory()
        let store = try openStore(scratch)
        defer { store.close() }
        let restore = PartitionRestore(store: store, checkpoint: nil, end: 10)
        _ = restore.begin()
        #expect(restore.reached(4, endOfPartition: true))
        #expect(restore.state == .completed)
    }

    @Test func aRestoreThatHasNotBegunIsNotCompletedByAPosition() throws {
        let scratch = try ScratchDirectory()
        let store = try openStore(scratch)
        defer { store.close() }
        let restore = PartitionRestore(store: store, checkpoint: nil, end: 10)
        #expect(!restore.reached(10, endOfPartition: true))
        #expect(restore.state == .registered)
    }

    @Test func recordsReadBecomeOneWriteReachingTheLastOffsetAndTheHighestProgress() throws {
        let scratch = try ScratchDirectory()
        let store = try openStore(scratch)
        defer { store.close() }
        let restore = PartitionRestore(store: store, checkpoint: nil, end: 20)
        _ = restore.begin()
        #expect(restore.pendingWrite == nil && !restore.hasChanges)
        let kept = oneShot("kept", at: 500)
        let gone = oneShot("gone", at: 100)
        let entries = [
            restore.receive(read(stateRecord(gone), at: 10)),
            restore.receive(read(ChangelogRecord.progress(nextOffset: 7, topic: topic, partition: 0), at: 11)),
            restore.receive(read(stateRecord(kept), at: 12)),
            restore.receive(read(ChangelogRecord.tombstone(id: "gone", topic: topic, partition: 0), at: 13)),
            // Progress only moves forward.
            restore.receive(read(ChangelogRecord.progress(nextOffset: 5, topic: topic, partition: 0), at: 14)),
        ]
        #expect(entries.map(kind) == ["schedule", "progress", "schedule", "removed", "progress"])
        #expect(restore.records == 5)
        #expect(restore.hasChanges)
        let write = try #require(restore.pendingWrite)
        #expect(write.changelogOffset == 14)
        #expect(write.commandsOffset == 7)
        #expect(write.changes.count == 3)
        try ScheduleStore.applyAll([write])
        restore.written()
        #expect(try store.schedule(id: "kept") == kept)
        #expect(try store.schedule(id: "gone") == nil)
        #expect(try store.changelogOffset == 14)
        #expect(try store.commandsOffset == 7)
        #expect(try store.due(upTo: 1_000, limit: 10).map(\.id) == ["kept"])
        // Written: no changes wait, but the checkpoint still stands for the next round.
        #expect(!restore.hasChanges)
        #expect(restore.pendingWrite?.changes.isEmpty == true && restore.pendingWrite?.changelogOffset == 14)
    }

    @Test func anUnreadableRecordIsCountedButChangesNothing() throws {
        let scratch = try ScratchDirectory()
        let store = try openStore(scratch)
        defer { store.close() }
        let restore = PartitionRestore(store: store, checkpoint: nil, end: 5)
        _ = restore.begin()
        let damaged = KafkaProducerRecord(topic: topic, partition: 0, key: Array("bad".utf8), value: [0x63, 0x01])
        let keyless = KafkaProducerRecord(topic: topic, partition: 0, key: nil, value: [1])
        #expect(kind(restore.receive(read(damaged, at: 0))) == "unreadable")
        #expect(kind(restore.receive(read(keyless, at: 1))) == "unreadable")
        #expect(restore.records == 2)
        #expect(!restore.hasChanges)
        // The checkpoint still moves past them, so they are not read again.
        #expect(restore.pendingWrite?.changelogOffset == 1)
        #expect(restore.pendingWrite?.commandsOffset == nil)
    }

    func stateRecord(_ schedule: Schedule) -> KafkaProducerRecord {
        ChangelogRecord.state(id: schedule.id, encoded: ScheduleCodec.encode(schedule), topic: topic, partition: 0)
    }

    func kind(_ entry: ChangelogRecord.Entry) -> String {
        switch entry {
        case .schedule: "schedule"
        case .removed: "removed"
        case .progress: "progress"
        case .unreadable: "unreadable"
        }
    }
}
