@testable import KairosEngine
import KairosWire
import ScheduleModel
import Testing
import TestThreads

@Suite(.ownThreads) struct ScheduleViewTests {
    let topics = KairosTopics(prefix: "t")

    /// A batch that wrote `puts` and removed `removes` in `partition`.
    func batch(puts: [Schedule] = [], removes: [Schedule] = [], partition: Int32 = 0) -> OutputBatch {
        var batch = OutputBatch(topics: topics)
        for schedule in puts { batch.put(schedule, replacing: nil, partition: partition) }
        for schedule in removes { batch.remove(schedule, partition: partition) }
        return batch
    }

    /// A store of partition 0 holding `schedules`.
    func store(_ scratch: ScratchDirectory, holding schedules: [Schedule]) throws -> ScheduleStore {
        let store = try openStore(scratch)
        try store.apply(schedules.map { .upsert($0) }, changelogOffset: 0, commandsOffset: nil)
        return store
    }

    @Test func theBatchWinsOverThePipelineWhichWinsOverTheStore() throws {
        let scratch = try ScratchDirectory()
        let store = try store(scratch, holding: [oneShot("a", at: 100)])
        defer { store.close() }
        let owner = unrestoredOwner(serving: [store])

        let storeOnly = ScheduleView(owner: owner, inFlight: CommitPipeline())
        #expect(try storeOnly.schedule("a", partition: 0, in: batch())?.fireAt == 100)

        let view = ScheduleView(owner: owner, inFlight: inFlightPipeline([batch(puts: [oneShot("a", at: 200)])]))
        #expect(try view.schedule("a", partition: 0, in: batch())?.fireAt == 200)
        #expect(try view.schedule("a", partition: 0, in: batch(puts: [oneShot("a", at: 300)]))?.fireAt == 300)
        // Nothing anywhere, or a partition the instance does not own.
        #expect(try view.schedule("b", partition: 0, in: batch()) == nil)
        #expect(try view.schedule("a", partition: 1, in: batch()) == nil)
    }

    @Test func anEndInANewerLayerHidesTheOlderState() throws {
        let scratch = try ScratchDirectory()
        let store = try store(scratch, holding: [oneShot("a", at: 100), oneShot("b", at: 100)])
        defer { store.close() }
        let owner = unrestoredOwner(serving: [store])
        // The pipeline ended `a`; the batch ends `b` after the pipeline re-created it.
        let view = ScheduleView(
            owner: owner,
            inFlight: inFlightPipeline([batch(puts: [oneShot("b", at: 150)], removes: [oneShot("a", at: 100)])]))
        #expect(try view.schedule("a", partition: 0, in: batch()) == nil)
        #expect(try view.schedule("b", partition: 0, in: batch())?.fireAt == 150)
        #expect(try view.schedule("b", partition: 0, in: batch(removes: [oneShot("b", at: 150)])) == nil)
        // The ended `a` is not due either, though the store still indexes it.
        #expect(try view.due(partition: 0, upTo: 1_000, limit: 10, passingOver: [], in: batch()).map(\.id) == ["b"])
    }

    @Test func dueMergesTheStoreAndThePipelineInFireTimeThenIdOrderUpToTheLimit() throws {
        let scratch = try ScratchDirectory()
        let store = try store(
            scratch, holding: [oneShot("s1", at: 100), oneShot("b", at: 200), oneShot("s3", at: 300)])
        defer { store.close() }
        let view = ScheduleView(
            owner: unrestoredOwner(serving: [store]),
            inFlight: inFlightPipeline([batch(puts: [oneShot("a", at: 200), oneShot("p", at: 250)])]))
        let empty = batch()
        #expect(
            try view.due(partition: 0, upTo: 300, limit: 10, passingOver: [], in: empty).map(\.id) == [
                "s1", "a", "b", "p", "s3",
            ])
        #expect(try view.due(partition: 0, upTo: 300, limit: 3, passingOver: [], in: empty).map(\.id) == ["s1", "a", "b"])
        #expect(try view.due(partition: 0, upTo: 220, limit: 10, passingOver: [], in: empty).map(\.id) == ["s1", "a", "b"])
        #expect(try view.due(partition: 0, upTo: 99, limit: 10, passingOver: [], in: empty).isEmpty)
        #expect(try view.due(partition: 0, upTo: 300, limit: 0, passingOver: [], in: empty).isEmpty)
        #expect(try view.due(partition: 1, upTo: 300, limit: 10, passingOver: [], in: empty).isEmpty)
    }

    @Test func dueReadsTheNewerStateOfAScheduleThePipelineMoved() throws {
        let scratch = try ScratchDirectory()
        let store = try store(scratch, holding: [oneShot("moved", at: 100), oneShot("kept", at: 150)])
        defer { store.close() }
        let view = ScheduleView(
            owner: unrestoredOwner(serving: [store]),
            inFlight: inFlightPipeline([batch(puts: [oneShot("moved", at: 5_000)])]))
        let due = try view.due(partition: 0, upTo: 1_000, limit: 10, passingOver: [], in: batch())
        #expect(due.map(\.id) == ["kept"])
        let later = try view.due(partition: 0, upTo: 5_000, limit: 10, passingOver: [], in: batch())
        #expect(later.map(\.id) == ["kept", "moved"])
        #expect(later.last?.fireAt == 5_000)
    }

    @Test func duePassesOverPassedIdsInTheStoreAndThePipeline() throws {
        let scratch = try ScratchDirectory()
        let store = try store(scratch, holding: [oneShot("s1", at: 100), oneShot("s2", at: 200)])
        defer { store.close() }
        let storeOnly = ScheduleView(owner: unrestoredOwner(serving: [store]), inFlight: CommitPipeline())
        #expect(
            try storeOnly.due(partition: 0, upTo: 1_000, limit: 10, passingOver: ["s1"], in: batch()).map(\.id) == ["s2"])
        // Passing over does not use up the limit.
        #expect(
            try storeOnly.due(partition: 0, upTo: 1_000, limit: 1, passingOver: ["s1"], in: batch()).map(\.id) == ["s2"])

        let view = ScheduleView(
            owner: unrestoredOwner(serving: [store]), inFlight: inFlightPipeline([batch(puts: [oneShot("p", at: 150)])]))
        #expect(
            try view.due(partition: 0, upTo: 1_000, limit: 10, passingOver: ["p", "s2"], in: batch()).map(\.id) == [
                "s1"
            ])
    }

    @Test func dueLeavesOutTheIdsTheBatchChangedAfterTheLimit() throws {
        let scratch = try ScratchDirectory()
        let store = try store(scratch, holding: [oneShot("s1", at: 100), oneShot("s2", at: 200), oneShot("s3", at: 300)])
        defer { store.close() }
        let view = ScheduleView(owner: unrestoredOwner(serving: [store]), inFlight: CommitPipeline())
        let changed = batch(puts: [oneShot("s1", at: 100)])
        #expect(try view.due(partition: 0, upTo: 1_000, limit: 10, passingOver: [], in: changed).map(\.id) == ["s2", "s3"])
        // The limit counts the changed id: its new state decides next iteration.
        #expect(try view.due(partition: 0, upTo: 1_000, limit: 2, passingOver: [], in: changed).map(\.id) == ["s2"])
        // A change in another partition does not matter.
        let elsewhere = batch(puts: [oneShot("s1", at: 100)], partition: 1)
        #expect(
            try view.due(partition: 0, upTo: 1_000, limit: 10, passingOver: [], in: elsewhere).map(\.id) == [
                "s1", "s2", "s3",
            ])
    }

    @Test func earliestDueIsTheEarliestOfTheStoreAndThePipelinePassingOverPassedIds() throws {
        let scratch = try ScratchDirectory()
        let store = try store(scratch, holding: [oneShot("s1", at: 100), oneShot("s2", at: 200)])
        defer { store.close() }
        let owner = unrestoredOwner(serving: [store])

        let storeOnly = ScheduleView(owner: owner, inFlight: CommitPipeline())
        #expect(try storeOnly.earliestDue(partition: 0, passingOver: []) == 100)
        #expect(try storeOnly.earliestDue(partition: 0, passingOver: ["s1"]) == 200)
        #expect(try storeOnly.earliestDue(partition: 0, passingOver: ["s1", "s2"]) == nil)
        #expect(try storeOnly.earliestDue(partition: 1, passingOver: []) == nil)

        let earlier = ScheduleView(owner: owner, inFlight: inFlightPipeline([batch(puts: [oneShot("p", at: 50)])]))
        #expect(try earlier.earliestDue(partition: 0, passingOver: []) == 50)
        #expect(try earlier.earliestDue(partition: 0, passingOver: ["p"]) == 100)

        // The pipeline moved s1 later: the store's entry for it is out of date.
        let moved = ScheduleView(owner: owner, inFlight: inFlightPipeline([batch(puts: [oneShot("s1", at: 900)])]))
        #expect(try moved.earliestDue(partition: 0, passingOver: []) == 200)
        #expect(try moved.earliestDue(partition: 0, passingOver: ["s2"]) == 900)
    }
}
