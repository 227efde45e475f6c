import Storage
import Testing
import TestThreads

@Suite(.ownThreads) struct RocksIteratorTests {
    private func populatedDatabase(_ dir: TemporaryDirectory) throws -> RocksDatabase {
        let db = try RocksDatabase(path: dir.path("db"))
        for key: [UInt8] in [[0x00], [0x00, 0x00], [0x10], [0x20], [0x20, 0x00], [0x30], [0xFF]] {
            try db.put(key, key + [0xEE])
        }
        return db
    }

    private func keys(_ iterator: RocksIterator, reverse: Bool = false) throws -> [[UInt8]] {
        var result: [[UInt8]] = []
        while let key = try iterator.key() {
            result.append(key)
            if reverse { try iterator.previous() } else { try iterator.next() }
        }
        return result
    }

    @Test func movesForwardAndBackward() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try populatedDatabase(dir)
        defer { db.close() }
        let iterator = try db.makeIterator()
        #expect(!iterator.isValid)
        #expect(try iterator.entry() == nil)

        try iterator.seekToFirst()
        #expect(iterator.isValid)
        #expect(try iterator.key() == [0x00])
        #expect(try iterator.value() == [0x00, 0xEE])
        try iterator.next()
        #expect(try iterator.key() == [0x00, 0x00])
        try iterator.previous()
        #expect(try iterator.key() == [0x00])
        try iterator.previous()
        #expect(!iterator.isValid)
        try iterator.checkStatus()

        try iterator.seekToLast()
        #expect(try iterator.key() == [0xFF])

        try iterator.seek(to: [0x20])
        #expect(try iterator.key() == [0x20])
        try iterator.seek(to: [0x20, 0x00, 0x00])
        #expect(try iterator.key() == [0x30])
        try iterator.seekForPrevious([0x20, 0x00, 0x00])
        #expect(try iterator.key() == [0x20, 0x00])
        try iterator.seekForPrevious([0x00, 0x00])
        let entry = try #require(try iterator.entry())
        #expect(entry.key == [0x00, 0x00] && entry.value == [0x00, 0x00, 0xEE])

        try iterator.seekToFirst()
        #expect(try keys(iterator) == [[0x00], [0x00, 0x00], [0x10], [0x20], [0x20, 0x00], [0x30], [0xFF]])
        try iterator.next() // past the end: stays invalid
        #expect(!iterator.isValid)
    }

    @Test func boundsClampSeeks() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try populatedDatabase(dir)
        defer { db.close() }
        let iterator = try db.makeIterator(from: [0x00, 0x00], to: [0x30])
        try iterator.seekToFirst()
        #expect(try keys(iterator) == [[0x00, 0x00], [0x10], [0x20], [0x20, 0x00]])
        try iterator.seekToLast()
        #expect(try keys(iterator, reverse: true) == [[0x20, 0x00], [0x20], [0x10], [0x00, 0x00]])
        try iterator.seek(to: [0x30])
        #expect(!iterator.isValid)
        try iterator.seekForPrevious([0x00])
        #expect(!iterator.isValid)

        let empty = try db.makeIterator(from: [0x11], to: [0x12])
        try empty.seekToFirst()
        #expect(!empty.isValid)
        try empty.seekToLast()
        #expect(!empty.isValid)
    }

    @Test func readsTheStateAtCreation() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try populatedDatabase(dir)
        defer { db.close() }
        let iterator = try db.makeIterator(from: [0x10], to: [0x40])
        try db.put([0x15], [0x15])
        try db.delete([0x20])
        try iterator.seekToFirst()
        #expect(try keys(iterator) == [[0x10], [0x20], [0x20, 0x00], [0x30]])

        let fresh = try db.makeIterator(from: [0x10], to: [0x40])
        try fresh.seekToFirst()
        #expect(try keys(fresh) == [[0x10], [0x15], [0x20, 0x00], [0x30]])
    }

    @Test func iteratesAColumnFamilyAtASnapshot() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try RocksDatabase(path: dir.path("db"), options: .init(columnFamilies: ["cf"]))
        defer { db.close() }
        try db.put([1], [1], in: "cf")
        try db.put([9], [9])
        let snapshot = try db.snapshot()
        try db.put([2], [2], in: "cf")
        let iterator = try db.makeIterator(in: "cf", snapshot: snapshot)
        try iterator.seekToFirst()
        #expect(try keys(iterator) == [[1]])
    }

    @Test func anIteratorOfAClosedDatabaseThrows() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try populatedDatabase(dir)
        defer { db.close() }
        let iterator = try db.makeIterator(from: [0x10])
        try iterator.seekToFirst()
        #expect(try iterator.key() == [0x10])
        db.close()
        #expect(!iterator.isValid)
        let error = try #require(throws: StorageError.self) { try iterator.next() }
        #expect(error.kind == .closed)
        #expect(throws: StorageError.self) { try iterator.key() }
        #expect(throws: StorageError.self) { try iterator.seekToFirst() }
        #expect(throws: StorageError.self) { try iterator.checkStatus() }
    }
}
