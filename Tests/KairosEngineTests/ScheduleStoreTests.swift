import ScheduleModel
import Testing

@testable import KairosEngine
import TestThreads

@Suite(.ownThreads) struct ScheduleStoreTests {
    @Test func dueSchedulesComeInFireTimeThenIdOrderUpToTheLimit() throws {
        let scratch = try ScratchDirectory()
        let store = try openStore(scratch)
        defer { store.close() }
        try store.apply(
            [
                .upsert(oneShot("c", at: 300)), .upsert(oneShot("b", at: 100)), .upsert(oneShot("a", at: 100)),
                .upsert(oneShot("late", at: 10_000)),
            ], changelogOffset: 3, commandsOffset: 4)
        #expect(store.nextDueTime == 100)
        #expect(try store.due(upTo: 299, limit: 10).map(\.id) == ["a", "b"])
        #expect(try store.due(upTo: 300, limit: 2).map(\.id) == ["a", "b"])
        #expect(try store.due(upTo: 300, limit: 10).map(\.id) == ["a", "b", "c"])
        #expect(try store.due(upTo: 99, limit: 10).isEmpty)
        #expect(try store.due(upTo: 300, limit: 0).isEmpty)
    }

    @Test func aReplacementMovesTheIndexEntryAndADeleteRemovesIt() throws {
        let scratch = try ScratchDirectory()
        let store = try openStore(scratch)
        defer { store.close() }
        let first = oneShot("x", at: 100)
        try store.apply([.upsert(first)], changelogOffset: 0, commandsOffset: 1)
        // The caller says what it replaces (read in the same batch), so no read is needed.
        try store.apply([.upsert(oneShot("x", at: 500), replacing: .of(first))], changelogOffset: 1, commandsOffset: 2)
        #expect(try store.due(upTo: 400, limit: 10).isEmpty)
        #expect(store.nextDueTime == 500)
        // Unknown: the store reads the old state itself.
        try store.apply([.upsert(oneShot("x", at: 50))], changelogOffset: 2, commandsOffset: 3)
        #expect(try store.due(upTo: 600, limit: 10).map(\.fireAt) == [50])
        try store.apply([.delete(id: "x")], changelogOffset: 3, commandsOffset: 4)
        #expect(try store.schedule(id: "x") == nil)
        #expect(store.nextDueTime == nil)
        #expect(try store.due(upTo: .max, limit: 10).isEmpty)
    }

    @Test func laterChangesInOneWriteSeeEarlierOnes() throws {
        let scratch = try ScratchDirectory()
        let store = try openStore(scratch)
        defer { store.close() }
        try store.apply(
            [.upsert(oneShot("y", at: 10)), .upsert(oneShot("y", at: 20)), .upsert(oneShot("y", at: 30))],
            changelogOffset: 0, commandsOffset: nil)
        #expect(try store.due(upTo: .max, limit: 10).map(\.fireAt) == [30])
        try store.apply([.upsert(oneShot("z", at: 5)), .delete(id: "z")], changelogOffset: 1, commandsOffset: nil)
        #expect(try store.schedule(id: "z") == nil)
        #expect(store.nextDueTime == 30)
    }

    @Test func theCheckpointAndTheSchedulesOutliveAReopen() throws {
        let scratch = try ScratchDirectory()
        var store = try openStore(scratch, partition: 3)
        #expect(try store.changelogOffset == nil && store.commandsOffset == nil)
        let schedule = oneShot("keep", at: 777, payload: "bytes")
        try store.apply([.upsert(schedule)], changelogOffset: 41, commandsOffset: 9)
        store.close()
        store = try openStore(scratch, partition: 3)
        defer { store.close() }
        #expect(try store.changelogOffset == 41)
        #expect(try store.commandsOffset == 9)
        #expect(try store.schedule(id: "keep") == schedule)
        #expect(store.nextDueTime == 777)
        #expect(try store.approximateCount() >= 1)
    }

    @Test func aScanPassesOverSkippedIdsAndSaysWhenToLookAgain() throws {
        let scratch = try ScratchDirectory()
        let store = try openStore(scratch)
        defer { store.close() }
        try store.apply(
            (1...5).map { .upsert(oneShot("s\($0)", at: Int64($0) * 100)) }, changelogOffset: 0, commandsOffset: nil)
        let result = try store.due(upTo: 300, limit: 10) { $0 == "s1" || $0 == "s3" }
        #expect(result.due.map(\.id) == ["s2"])
        #expect(result.nextDueTime == 400)
        // With room for one, the second unskipped due schedule is when to look again.
        let limited = try store.due(upTo: 500, limit: 1) { $0 == "s1" }
        #expect(limited.due.map(\.id) == ["s2"])
        #expect(limited.nextDueTime == 300)
        // All skipped: nothing due and nothing to look at.
        let none = try store.due(upTo: 500, limit: 10) { _ in true }
        #expect(none.due.isEmpty && none.nextDueTime == nil)
    }

    @Test func writesToSeveralStoresGoTogether() throws {
        let scratch = try ScratchDirectory()
        let stores = try (0..<3).map { try openStore(scratch, partition: Int32($0)) }
        defer { stores.forEach { $0.close() } }
        let writes = stores.map { store in
            StoreWrite(
                store: store, changes: (0..<600).map { .upsert(oneShot("p\(store.partition)-\($0)", at: Int64($0))) },
                changelogOffset: Int64(store.partition), commandsOffset: 10 + Int64(store.partition))
        }
        try ScheduleStore.applyAll(writes)
        for store in stores {
            #expect(try store.due(upTo: .max, limit: 1_000).count == 600)
            #expect(try store.changelogOffset == Int64(store.partition))
            #expect(try store.commandsOffset == 10 + Int64(store.partition))
        }
    }
}
