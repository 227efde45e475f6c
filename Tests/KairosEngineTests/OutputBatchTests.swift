@testable import KairosEngine
import KafkaClient
import KairosWire
import ScheduleModel
import Testing
import TestThreads

@Suite(.ownThreads) struct OutputBatchTests {
    let topics = KairosTopics(prefix: "t")

    @Test func aPutWritesTheChangelogStateTheUpsertAndTheNewState() throws {
        var batch = OutputBatch(topics: topics)
        let schedule = oneShot("a", at: 500, payload: "hello")
        batch.put(schedule, replacing: nil, partition: 2)

        #expect(batch.records.count == 1)
        let record = try #require(batch.records.first)
        #expect(record.topic == "t.changelog")
        #expect(record.partition == 2)
        #expect(record.key == Array("a".utf8))
        #expect(record.value == ScheduleCodec.encode(schedule))
        guard case .schedule(let decoded, _) = ChangelogRecord.entry(key: record.key, value: record.value) else {
            Issue.record("the changelog record is not a schedule's state")
            return
        }
        #expect(decoded == schedule)

        #expect(batch.changes.keys.sorted() == [2])
        guard case .upsert(let stored, let encoded, let replacing) = batch.changes[2]?.first else {
            Issue.record("the store change is not an upsert")
            return
        }
        #expect(batch.changes[2]?.count == 1)
        #expect(stored == schedule)
        #expect(encoded == record.value)
        #expect(replacing == .absent)

        #expect(batch.state(of: "a", partition: 2) == .some(schedule))
        #expect(batch.changed("a", partition: 2))
        #expect(!batch.changed("a", partition: 0))
        #expect(batch.state(of: "b", partition: 2) == nil)
        #expect(!batch.isEmpty)
    }

    @Test func aPutOverAStoredStateSaysWhereItWasIndexed() {
        var batch = OutputBatch(topics: topics)
        let before = oneShot("a", at: 100)
        let after = oneShot("a", at: 900)
        batch.put(after, replacing: before, partition: 0)
        guard case .upsert(_, _, let replacing) = batch.changes[0]?.first else {
            Issue.record("the store change is not an upsert")
            return
        }
        #expect(replacing == .dueAt(100))
        #expect(batch.state(of: "a", partition: 0)??.fireAt == 900)
    }

    @Test func aRemoveWritesATombstoneTheDeleteAndAnEndedState() throws {
        var batch = OutputBatch(topics: topics)
        batch.remove(oneShot("gone", at: 300), partition: 1)

        let record = try #require(batch.records.first)
        #expect(batch.records.count == 1)
        #expect(record.topic == "t.changelog")
        #expect(record.partition == 1)
        #expect(record.key == Array("gone".utf8))
        #expect(record.value == nil)

        guard case .delete(let id, let replacing) = batch.changes[1]?.first else {
            Issue.record("the store change is not a delete")
            return
        }
        #expect(id == "gone")
        #expect(replacing == .dueAt(300))

        let state = batch.state(of: "gone", partition: 1)
        #expect(state != nil)
        #expect(state! == nil)
        #expect(batch.changed("gone", partition: 1))
    }

    @Test func theLastChangeOfAnIdInTheBatchIsItsState() {
        var batch = OutputBatch(topics: topics)
        let schedule = oneShot("x", at: 10)
        batch.put(schedule, replacing: nil, partition: 0)
        batch.remove(schedule, partition: 0)
        let state = batch.state(of: "x", partition: 0)
        #expect(state != nil && state! == nil)
        batch.put(oneShot("x", at: 20), replacing: nil, partition: 0)
        #expect(batch.state(of: "x", partition: 0)??.fireAt == 20)
        // Every change is kept, in order, for the store and the changelog.
        #expect(batch.changes[0]?.count == 3)
        #expect(batch.records.map { $0.value == nil } == [false, true, false])
    }

    @Test func advanceWritesTheNextStateOrEndsTheSchedule() throws {
        var batch = OutputBatch(topics: topics)
        let first = oneShot("r", at: 100)
        var next = first
        next.occurrence = 2
        next.scheduledFor = 200
        next.fireAt = 200
        let returned = batch.advance(first, to: next, partition: 0)
        #expect(returned == next)
        #expect(batch.state(of: "r", partition: 0) == .some(next))
        #expect(batch.records.last?.value == ScheduleCodec.encode(next))
        guard case .upsert(_, _, let replacing) = batch.changes[0]?.last else {
            Issue.record("advancing to a next state is not an upsert")
            return
        }
        #expect(replacing == .dueAt(100))

        let ended = batch.advance(next, to: nil, partition: 0)
        #expect(ended == nil)
        let state = batch.state(of: "r", partition: 0)
        #expect(state != nil && state! == nil)
        #expect(batch.records.count == 2)
        #expect(batch.records.last?.key == Array("r".utf8) && batch.records.last?.value == nil)
        guard case .delete(let id, let deleted) = batch.changes[0]?.last else {
            Issue.record("advancing to nothing is not a delete")
            return
        }
        #expect(id == "r")
        #expect(deleted == .dueAt(200))
    }

    @Test func anEventIsARecordOfTheEventsTopicKeyedById() throws {
        var batch = OutputBatch(topics: topics)
        let event = EventRecord(
            kind: .fired, id: "e1", occurrence: 3, scheduledFor: 1_000, at: 1_005, partition: 4, detail: "late")
        batch.append(event)
        let record = try #require(batch.records.first)
        #expect(record.topic == "t.events")
        #expect(record.key == Array("e1".utf8))
        #expect(try EventRecord(decoding: record.value ?? []) == event)
        // An event changes no state.
        #expect(batch.changes.isEmpty)
        #expect(!batch.changed("e1", partition: 4))
    }

    @Test func closeWithProgressWritesOneProgressRecordPerConsumedPartition() {
        var batch = OutputBatch(topics: topics)
        batch.nextCommandOffsets = [0: 17, 3: 42]
        batch.put(oneShot("a", at: 1), replacing: nil, partition: 0)
        batch.closeWithProgress()

        let progress = batch.records.filter { ChangelogRecord.isProgress(key: $0.key ?? []) }
        #expect(batch.records.count == 3)
        #expect(progress.count == 2)
        var offsets: [Int32: Int64] = [:]
        for record in progress {
            #expect(record.topic == "t.changelog")
            guard case .progress(let next) = ChangelogRecord.entry(key: record.key, value: record.value) else {
                Issue.record("a progress record does not read as progress")
                continue
            }
            offsets[record.partition ?? -1] = next
        }
        #expect(offsets == [0: 17, 3: 42])
    }

    @Test func closeWithProgressWritesNothingWhenNoCommandWasConsumed() {
        var batch = OutputBatch(topics: topics)
        batch.put(oneShot("a", at: 1), replacing: nil, partition: 0)
        batch.closeWithProgress()
        #expect(batch.records.count == 1)
        #expect(!ChangelogRecord.isProgress(key: batch.records[0].key ?? []))
    }

    @Test func aBatchIsEmptyUntilItHasARecordOrConsumedACommand() {
        var batch = OutputBatch(topics: topics)
        #expect(batch.isEmpty)
        batch.nextCommandOffsets[0] = 1
        #expect(!batch.isEmpty)

        var withRecord = OutputBatch(topics: topics)
        withRecord.append(EventRecord(kind: .scheduled, id: "a", occurrence: 1, scheduledFor: 1, at: 1, partition: 0))
        #expect(!withRecord.isEmpty)
    }
}
