@testable import KairosEngine
import ScheduleModel
import Synchronization
import Testing
import TestThreads

@Suite(.ownThreads) struct StoreWriterTests {
    /// A writer that counts the background writes it finished.
    struct CountingWriter {
        final class Count: Sendable {
            let value = Atomic(0)
        }

        let count = Count()
        let writer: StoreWriter

        init() {
            let count = count
            writer = StoreWriter { count.value.add(1, ordering: .relaxed) }
        }

        var finished: Int { count.value.load(ordering: .relaxed) }
    }

    /// A write of `count` one-shots `<prefix>0`, `<prefix>1`, ... to `store`, at `changelogOffset`.
    func write(_ store: ScheduleStore, count: Int, prefix: String = "s", at fireAt: Int64 = 100, changelogOffset: Int64)
        -> StoreWrite
    {
        StoreWrite(
            store: store, changes: (0..<count).map { .upsert(oneShot("\(prefix)\($0)", at: fireAt)) },
            changelogOffset: changelogOffset, commandsOffset: nil)
    }

    /// A ticket whose write failed.
    func failedTicket() -> StoreWriteTicket {
        let ticket = StoreWriteTicket()
        ticket.run { throw EngineError("disk full") }
        return ticket
    }

    @Test func aSmallWriteRunsInlineWithoutTheFinishedCallback() throws {
        let scratch = try ScratchDirectory()
        let store = try openStore(scratch)
        defer { store.close() }
        let counting = CountingWriter()
        let ticket = counting.writer.start(
            [write(store, count: StoreWriter.backgroundWriteChanges - 1, changelogOffset: 7)], after: nil)
        // Done before `start` returned.
        #expect(ticket.isFinished)
        #expect(!ticket.failed)
        _ = try ticket.wait()
        #expect(try store.changelogOffset == 7)
        #expect(try store.due(upTo: .max, limit: 10_000).count == StoreWriter.backgroundWriteChanges - 1)
        counting.writer.drain()
        #expect(counting.finished == 0)
    }

    @Test func aLargeWriteRunsOnTheWriterThreadAndCallsTheFinishedCallback() throws {
        let scratch = try ScratchDirectory()
        let store = try openStore(scratch)
        defer { store.close() }
        let counting = CountingWriter()
        let ticket = counting.writer.start(
            [write(store, count: StoreWriter.backgroundWriteChanges, changelogOffset: 3)], after: nil)
        #expect(eventually { counting.finished == 1 })
        #expect(ticket.isFinished)
        _ = try ticket.wait()
        #expect(try store.changelogOffset == 3)
        #expect(try store.due(upTo: .max, limit: 10_000).count == StoreWriter.backgroundWriteChanges)
    }

    @Test func theChangesOfAllWritesCountTowardsTheBackgroundThreshold() throws {
        let scratch = try ScratchDirectory()
        let stores = try (0..<2).map { try openStore(scratch, partition: Int32($0)) }
        defer { stores.forEach { $0.close() } }
        let counting = CountingWriter()
        let half = StoreWriter.backgroundWriteChanges / 2
        let ticket = counting.writer.start(
            stores.map { write($0, count: half, changelogOffset: Int64($0.partition)) }, after: nil)
        #expect(eventually { counting.finished == 1 })
        _ = try ticket.wait()
        for store in stores {
            #expect(try store.due(upTo: .max, limit: 10_000).count == half)
        }
    }

    @Test func aSmallWriteAfterOneStillUnderWayWaitsItsTurnOnTheWriterThread() throws {
        let scratch = try ScratchDirectory()
        let store = try openStore(scratch)
        defer { store.close() }
        let counting = CountingWriter()
        let underWay = StoreWriteTicket()  // never finishes
        let ticket = counting.writer.start([write(store, count: 1, changelogOffset: 1)], after: underWay)
        #expect(eventually { counting.finished == 1 })
        #expect(ticket.isFinished && !ticket.failed)
        #expect(try store.schedule(id: "s0") != nil)
    }

    @Test func writesKeepTheirOrder() throws {
        let scratch = try ScratchDirectory()
        let store = try openStore(scratch)
        defer { store.close() }
        let counting = CountingWriter()
        // The large write puts `s0` at 100, the small one after it moves `s0` to 999: the small one must land last.
        let large = counting.writer.start(
            [write(store, count: StoreWriter.backgroundWriteChanges, at: 100, changelogOffset: 1)], after: nil)
        let small = counting.writer.start([write(store, count: 1, at: 999, changelogOffset: 2)], after: large)
        _ = try large.wait()
        _ = try small.wait()
        #expect(try store.schedule(id: "s0")?.fireAt == 999)
        #expect(try store.changelogOffset == 2)
        #expect(try store.due(upTo: 500, limit: 10_000).count == StoreWriter.backgroundWriteChanges - 1)
    }

    @Test func aWriteAfterAFailedOneIsNotDoneAndFails() throws {
        let scratch = try ScratchDirectory()
        let store = try openStore(scratch)
        defer { store.close() }
        let counting = CountingWriter()

        let inline = counting.writer.start([write(store, count: 1, changelogOffset: 5)], after: failedTicket())
        #expect(inline.isFinished && inline.failed)
        #expect(throws: EngineError.self) { _ = try inline.wait() }

        let background = counting.writer.start(
            [write(store, count: StoreWriter.backgroundWriteChanges, changelogOffset: 6)], after: failedTicket())
        #expect(eventually { counting.finished == 1 })
        #expect(background.failed)
        #expect(throws: EngineError.self) { _ = try background.wait() }

        // Neither wrote anything.
        #expect(try store.changelogOffset == nil)
        #expect(try store.due(upTo: .max, limit: 10).isEmpty)
    }

    @Test func aFailedStoreWriteFailsItsTicketAndTheWriteAfterIt() throws {
        let scratch = try ScratchDirectory()
        let closed = try openStore(scratch, name: "closed")
        closed.close()
        let store = try openStore(scratch, name: "open")
        defer { store.close() }
        let counting = CountingWriter()
        let failing = counting.writer.start([write(closed, count: 1, changelogOffset: 1)], after: nil)
        #expect(failing.failed)
        #expect(throws: (any Error).self) { _ = try failing.wait() }
        let next = counting.writer.start([write(store, count: 1, changelogOffset: 2)], after: failing)
        #expect(next.failed)
        #expect(try store.changelogOffset == nil)
    }

    @Test func drainReturnsOnceTheWritesUnderWayAreDone() throws {
        let scratch = try ScratchDirectory()
        let store = try openStore(scratch)
        defer { store.close() }
        let counting = CountingWriter()
        let tickets = (0..<3).map { index in
            counting.writer.start(
                [write(store, count: StoreWriter.backgroundWriteChanges, prefix: "w\(index)-", changelogOffset: Int64(index))],
                after: nil)
        }
        counting.writer.drain()
        #expect(tickets.allSatisfy { $0.isFinished && !$0.failed })
        #expect(counting.finished == 3)
        #expect(try store.changelogOffset == 2)
        #expect(try store.due(upTo: .max, limit: 10_000).count == 3 * StoreWriter.backgroundWriteChanges)
    }
}
