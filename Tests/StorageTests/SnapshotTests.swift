import Storage
import Testing
import TestThreads

@Suite(.ownThreads) struct SnapshotTests {
    @Test func readsSeeTheStateWhenTheSnapshotWasTaken() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try RocksDatabase(path: dir.path("db"), options: .init(columnFamilies: ["cf"]))
        defer { db.close() }
        try db.put([1], [1])
        try db.put([2], [2], in: "cf")
        let snapshot = try db.snapshot()

        var batch = WriteBatch()
        batch.put([1], [0x11])
        batch.delete([2], in: "cf")
        batch.put([3], [3], in: "cf")
        try db.write(batch, sync: false)
        try db.flush()

        #expect(try db.get([1], snapshot: snapshot) == [1])
        #expect(try db.get([2], in: "cf", snapshot: snapshot) == [2])
        #expect(try db.get([3], in: "cf", snapshot: snapshot) == nil)
        #expect(try db.get([1]) == [0x11])
        #expect(try db.get([2], in: "cf") == nil)

        var seen: [[UInt8]] = []
        try db.forEach(in: "cf", snapshot: snapshot) { key, _ in seen.append(key); return true }
        #expect(seen == [[2]])
    }

    @Test func aSnapshotOfAnotherDatabaseIsRejected() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let one = try RocksDatabase(path: dir.path("one"))
        defer { one.close() }
        let two = try RocksDatabase(path: dir.path("two"))
        defer { two.close() }
        let snapshot = try one.snapshot()
        let error = try #require(throws: StorageError.self) { try two.get([1], snapshot: snapshot) }
        #expect(error.kind == .invalidArgument)
        #expect(throws: StorageError.self) { try two.makeIterator(snapshot: snapshot) }
    }

    @Test func snapshotsOutlivingTheirDatabaseAreHarmless() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var snapshots: [Snapshot] = []
        do {
            let db = try RocksDatabase(path: dir.path("db"))
            defer { db.close() }
            try db.put([1], [1])
            snapshots = [try db.snapshot(), try db.snapshot()]
            db.close()
            let error = try #require(throws: StorageError.self) { try db.get([1], snapshot: snapshots[0]) }
            #expect(error.kind == .closed)
        }
        snapshots.removeAll() // released after close: must not touch the closed handle
        #expect(snapshots.isEmpty)
    }
}
