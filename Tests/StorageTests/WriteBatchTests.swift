import Storage
import Testing
import TestThreads

@Suite(.ownThreads) struct WriteBatchTests {
    @Test func recordsOperationsAsAValue() {
        var batch = WriteBatch()
        #expect(batch.isEmpty)
        batch.put([1], [1])
        batch.delete([2], in: "cf")
        batch.deleteRange(from: [3], to: [4])
        #expect(batch.count == 3)
        let copy = batch
        batch.removeAll()
        #expect(batch.isEmpty)
        #expect(copy.count == 3)
        #expect(copy != batch)
    }

    @Test func operationsApplyInOrder() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try RocksDatabase(path: dir.path("db"))
        defer { db.close() }
        try db.put([5], [0])
        try db.put([6], [0])

        var batch = WriteBatch()
        batch.put([1], [1])
        batch.delete([1])              // put then delete: gone
        batch.delete([2])
        batch.put([2], [2])            // delete then put: present
        batch.put([3], [3])
        batch.put([3], [33])           // last put wins
        batch.deleteRange(from: [5], to: [7])
        batch.put([6], [66])           // put after the range delete survives it
        batch.deleteRange(from: [9], to: [8]) // inverted range: no-op
        try db.write(batch, sync: false)

        #expect(try db.get([1]) == nil)
        #expect(try db.get([2]) == [2])
        #expect(try db.get([3]) == [33])
        #expect(try db.get([5]) == nil)
        #expect(try db.get([6]) == [66])
    }

    @Test func batchWithAnUnknownColumnFamilyWritesNothing() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try RocksDatabase(path: dir.path("db"), options: .init(columnFamilies: ["known"]))
        defer { db.close() }
        var batch = WriteBatch()
        batch.put([1], [1], in: "known")
        batch.put([2], [2])
        batch.put([3], [3], in: "unknown")
        let error = try #require(throws: StorageError.self) { try db.write(batch, sync: true) }
        #expect(error.kind == .unknownColumnFamily)
        #expect(error.operation == "write batch")
        #expect(try db.get([1], in: "known") == nil)
        #expect(try db.get([2]) == nil)
    }

    @Test func theSameBatchCanBeWrittenToSeveralDatabases() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var batch = WriteBatch()
        batch.put([0x00], [0x00, 0x00])
        batch.put([0x01], [], in: "cf")
        for name in ["one", "two"] {
            let db = try RocksDatabase(path: dir.path(name), options: .init(columnFamilies: ["cf"]))
            defer { db.close() }
            try db.write(batch, sync: false)
            #expect(try db.get([0x00]) == [0x00, 0x00])
            #expect(try db.get([0x01], in: "cf") == [])
        }
    }

    @Test func emptyBatchIsANoOp() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try RocksDatabase(path: dir.path("db"))
        defer { db.close() }
        try db.write(WriteBatch(), sync: true)
        var count = 0
        try db.forEach { _, _ in count += 1; return true }
        #expect(count == 0)
    }
}
