import Foundation
import Storage
import Testing
import TestThreads

@Suite(.ownThreads) struct RocksDatabaseTests {
    // MARK: Point operations

    @Test func putGetDeleteRoundTripWithBinaryData() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try RocksDatabase(path: dir.path("db"))
        defer { db.close() }

        let pairs: [([UInt8], [UInt8])] = [
            ([], [0x01]),                                   // empty key
            ([0x00], []),                                   // empty value
            ([0x00, 0x00], [0x00, 0x00, 0x00]),             // zero bytes everywhere
            ([0x61, 0x00, 0x62], [0xFF, 0x00, 0xFE, 0x00]), // embedded 0x00
            ([0xFF, 0xFF], Array(repeating: 0xAB, count: 100_000)),
        ]
        for (key, value) in pairs {
            try db.put(key, value)
        }
        for (key, value) in pairs {
            #expect(try db.get(key) == value)
        }
        #expect(try db.get([0x00, 0x00, 0x00]) == nil)
        #expect(try db.get([0x61, 0x00]) == nil)

        try db.put([0x00], [0x07], sync: true)
        #expect(try db.get([0x00]) == [0x07])

        try db.delete([0x00, 0x00])
        #expect(try db.get([0x00, 0x00]) == nil)
        #expect(try db.get([0x00]) == [0x07])
        try db.delete([0x42, 0x42]) // missing key: no error
        try db.delete([], sync: true)
        #expect(try db.get([]) == nil)
    }

    @Test func batchedGetAnswersEachKeyInOrderFromMemtableAndFiles() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try RocksDatabase(path: dir.path("db"), options: .init(columnFamilies: ["cf"]))
        defer { db.close() }
        #expect(try db.get([[UInt8]](), in: "cf").isEmpty)
        for index in 0..<200 {
            try db.put(Array("k\(index)".utf8), Array(repeating: UInt8(index), count: index), in: "cf")
        }
        try db.flush()  // half on disk, half in the memtable
        for index in 200..<400 {
            try db.put(Array("k\(index)".utf8), Array(repeating: UInt8(index % 256), count: index % 7), in: "cf")
        }
        try db.put([], [0x01], in: "cf")
        try db.put([0x00], [], in: "cf")
        try db.delete(Array("k5".utf8), in: "cf")
        // Unsorted, with duplicates, missing keys, an empty key and an empty value.
        let keys: [[UInt8]] = [Array("k399".utf8), Array("k5".utf8), [], Array("nope".utf8), Array("k7".utf8), [0x00]]
            + (0..<400).map { Array("k\($0)".utf8) }.reversed() + [Array("k7".utf8)]
        let batched = try db.get(keys, in: "cf")
        #expect(batched.count == keys.count)
        for (key, value) in zip(keys, batched) {
            #expect(value == (try db.get(key, in: "cf")), "key \(key)")
        }
        #expect(batched[0] == [] && batched[1] == nil && batched[2] == [0x01])
        #expect(batched[3] == nil && batched[4] == Array(repeating: 7, count: 7) && batched[5] == [])
        #expect(throws: StorageError.self) { try db.get([[0x01]], in: "no-such-family") }
    }

    @Test func unknownColumnFamilyIsRejected() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try RocksDatabase(path: dir.path("db"), options: .init(columnFamilies: ["known"]))
        defer { db.close() }

        try db.put([1], [1], in: "known")
        #expect(try db.get([1], in: "known") == [1])
        #expect(try db.get([1]) == nil)

        let error = try #require(throws: StorageError.self) { try db.put([1], [1], in: "nope") }
        #expect(error.kind == .unknownColumnFamily)
        #expect(error.description.contains("nope"))
        #expect(throws: StorageError.self) { try db.get([1], in: "nope") }
        #expect(throws: StorageError.self) { try db.forEach(in: "nope") { _, _ in true } }
    }

    // MARK: Write batches

    @Test func batchesAcrossColumnFamiliesBecomeVisibleAtomically() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try RocksDatabase(path: dir.path("db"), options: .init(columnFamilies: ["left", "right"]))
        defer { db.close() }
        let keyCount = 64
        let rounds = 400
        func key(_ index: Int) -> [UInt8] { [0x6B, UInt8(index)] }
        func encode(_ round: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(round).bigEndian) { Array($0) } }
        func decode(_ bytes: [UInt8]) -> Int { bytes.reduce(0) { $0 << 8 | Int($1) } }

        // Round r: all keys live in "left" (r even) or "right" (r odd), each with value r.
        var initial = WriteBatch()
        for index in 0..<keyCount { initial.put(key(index), encode(0), in: "left") }
        try db.write(initial, sync: false)

        let readerStarted: [UInt8] = Array("reader-started".utf8)
        let writer = Task.detached {
            // Start only once the reader is reading, so the two really overlap.
            while try db.get(readerStarted) == nil { await Task.yield() }
            for round in 1...rounds {
                let (from, to) = round % 2 == 1 ? ("left", "right") : ("right", "left")
                var batch = WriteBatch()
                for index in 0..<keyCount {
                    batch.delete(key(index), in: from)
                    batch.put(key(index), encode(round), in: to)
                }
                try db.write(batch, sync: false)
            }
        }

        var lastRound = -1
        var roundsSeen = Set<Int>()
        var reads = 0
        while lastRound < rounds && reads < 1_000_000 {
            let snapshot = try db.snapshot()
            var left: [[UInt8]: Int] = [:]
            var right: [[UInt8]: Int] = [:]
            try db.forEach(in: "left", snapshot: snapshot) { key, value in
                left[key] = decode(value)
                return true
            }
            try db.forEach(in: "right", snapshot: snapshot) { key, value in
                right[key] = decode(value)
                return true
            }
            let values = Set(left.values).union(right.values)
            let round = values.first ?? -1
            let whole = round % 2 == 0
                ? left.count == keyCount && right.isEmpty
                : right.count == keyCount && left.isEmpty
            guard values.count == 1, whole, round >= lastRound else {
                let seen = "rounds \(values.sorted()), left \(left.count) keys, right \(right.count) keys"
                Issue.record("partial batch visible after round \(lastRound): \(seen)")
                break
            }
            lastRound = round
            roundsSeen.insert(round)
            reads += 1
            if reads == 1 { try db.put(readerStarted, []) }
            await Task.yield() // blocking reads: leave the writer a cooperative thread
        }
        try db.put(readerStarted, []) // even if the reader stopped early, let the writer finish
        try await writer.value
        #expect(lastRound == rounds)
        #expect(roundsSeen.count >= 2)
    }

    @Test func syncBatchSurvivesCloseAndReopen() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path("db")
        let options = RocksDatabase.Options(columnFamilies: ["a", "b"])
        do {
            let db = try RocksDatabase(path: path, options: options)
            defer { db.close() }
            try db.put([9], [9], in: "b")
            var batch = WriteBatch()
            batch.put([1], [0x10], in: "a")
            batch.put([2], [0x20], in: "b")
            batch.put([3], [], in: nil)
            batch.delete([9], in: "b")
            try db.write(batch, sync: true)
            db.close()
        }
        let reopened = try RocksDatabase(path: path, options: options)
        defer { reopened.close() }
        #expect(try reopened.get([1], in: "a") == [0x10])
        #expect(try reopened.get([2], in: "b") == [0x20])
        #expect(try reopened.get([3]) == [])
        #expect(try reopened.get([9], in: "b") == nil)
    }

    // MARK: Iteration

    @Test func boundedIterationYieldsExactlyTheRangeInBytewiseOrder() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try RocksDatabase(path: dir.path("db"))
        defer { db.close() }
        var random = SeededGenerator(seed: 0x5EED)
        let alphabet: [UInt8] = [0x00, 0x01, 0x41, 0x7F, 0x80, 0xFE, 0xFF]
        var keySet = Set<[UInt8]>()
        while keySet.count < 400 {
            let length = Int.random(in: 1...5, using: &random)
            keySet.insert((0..<length).map { _ in alphabet.randomElement(using: &random) ?? 0 })
        }
        let keys = Array(keySet).shuffled(using: &random)
        func valueFor(_ key: [UInt8]) -> [UInt8] { key.reversed() + [UInt8(key.count)] }
        for key in keys { try db.put(key, valueFor(key)) }
        let sorted = keys.sorted { $0.lexicographicallyPrecedes($1) }

        func collect(_ lower: [UInt8]?, _ upper: [UInt8]?, reverse: Bool) throws -> [[UInt8]] {
            var seen: [[UInt8]] = []
            try db.forEach(from: lower, to: upper, reverse: reverse) { key, value in
                #expect(value == valueFor(key))
                seen.append(key)
                return true
            }
            return seen
        }
        func expected(_ lower: [UInt8]?, _ upper: [UInt8]?) -> [[UInt8]] {
            sorted.filter { key in
                (lower.map { !key.lexicographicallyPrecedes($0) } ?? true)
                    && (upper.map { key.lexicographicallyPrecedes($0) } ?? true)
            }
        }

        #expect(try collect(nil, nil, reverse: false) == sorted)
        #expect(try collect(nil, nil, reverse: true) == sorted.reversed())
        var nonEmptyRanges = 0
        for _ in 0..<60 {
            // Bounds are existing keys or fresh byte strings, in random order.
            func bound() -> [UInt8]? {
                switch Int.random(in: 0..<5, using: &random) {
                case 0: return nil
                case 1, 2: return keys.randomElement(using: &random)
                default: return (0..<Int.random(in: 1...4, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                }
            }
            let lower = bound()
            let upper = bound()
            let want = expected(lower, upper)
            if !want.isEmpty { nonEmptyRanges += 1 }
            #expect(try collect(lower, upper, reverse: false) == want, "[\(String(describing: lower)), \(String(describing: upper)))")
            #expect(try collect(lower, upper, reverse: true) == want.reversed(), "reverse [\(String(describing: lower)), \(String(describing: upper)))")
        }
        #expect(nonEmptyRanges > 10)

        // Bounds that exclude everything.
        let someKey = sorted[sorted.count / 2]
        for (lower, upper) in [
            (someKey, someKey),                    // empty half-open range
            ([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], nil), // past the largest key
            (nil, [0x00]),                         // before the smallest key
            ([0x41, 0x41, 0x41, 0x41, 0x41, 0x00], [0x41, 0x41, 0x41, 0x41, 0x41, 0x01]),
        ] as [([UInt8]?, [UInt8]?)] {
            #expect(expected(lower, upper).isEmpty)
            #expect(try collect(lower, upper, reverse: false).isEmpty)
            #expect(try collect(lower, upper, reverse: true).isEmpty)
        }

        // Early stop from the closure.
        var firstFive: [[UInt8]] = []
        try db.forEach { key, _ in
            firstFive.append(key)
            return firstFive.count < 5
        }
        #expect(firstFive == Array(sorted.prefix(5)))
        var lastThree: [[UInt8]] = []
        try db.forEach(reverse: true) { key, _ in
            lastThree.append(key)
            return lastThree.count < 3
        }
        #expect(lastThree == Array(sorted.suffix(3).reversed()))

        // Errors thrown by the closure propagate and stop the iteration.
        struct Stop: Error {}
        var visited = 0
        #expect(throws: Stop.self) {
            try db.forEach { _, _ in
                visited += 1
                if visited == 7 { throw Stop() }
                return true
            }
        }
        #expect(visited == 7)

        // Prefix iteration, including prefixes whose successor overflows.
        for prefix: [UInt8] in [[0x41], [0x00, 0x00], [0xFF], [0xFF, 0xFF], [0x7F, 0x80, 0xFE]] {
            let want = sorted.filter { $0.starts(with: prefix) }
            var got: [[UInt8]] = []
            try db.forEach(prefix: prefix) { key, _ in got.append(key); return true }
            #expect(got == want, "prefix \(prefix)")
            var gotReverse: [[UInt8]] = []
            try db.forEach(prefix: prefix, reverse: true) { key, _ in gotReverse.append(key); return true }
            #expect(gotReverse == want.reversed(), "reverse prefix \(prefix)")
        }
    }

    @Test func deleteRangeRemovesExactlyTheHalfOpenRange() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try RocksDatabase(path: dir.path("db"), options: .init(columnFamilies: ["other"]))
        defer { db.close() }
        var all: [[UInt8]] = []
        for index in 0..<100 {
            all.append([0x00, UInt8(index)])
            all.append([0x00, UInt8(index), 0xFF])
        }
        all += [[], [0x00], [0x01], [0x00, 0x50, 0x00]]
        for key in all {
            try db.put(key, [1])
            try db.put(key, [2], in: "other")
        }
        try db.flush() // part of the data in SST files, part in the memtable
        try db.put([0x00, 0x30, 0x01], [3])
        all.append([0x00, 0x30, 0x01])

        let lower: [UInt8] = [0x00, 20]
        let upper: [UInt8] = [0x00, 50]
        try db.deleteRange(from: lower, to: upper)

        var remaining: [[UInt8]] = []
        try db.forEach { key, _ in remaining.append(key); return true }
        let expected = all
            .filter { $0.lexicographicallyPrecedes(lower) || !$0.lexicographicallyPrecedes(upper) }
            .sorted { $0.lexicographicallyPrecedes($1) }
        #expect(remaining == expected)
        #expect(try db.get(lower) == nil)
        #expect(try db.get([0x00, 49, 0xFF]) == nil)
        #expect(try db.get(upper) == [1])
        #expect(try db.get([0x00, 19, 0xFF]) == [1])

        // The other column family is untouched until its own range delete.
        var otherCount = 0
        try db.forEach(in: "other") { _, _ in otherCount += 1; return true }
        #expect(otherCount == all.count - 1)
        try db.deleteRange(from: [0x00], to: [0x01], in: "other", sync: true)
        var otherLeft: [[UInt8]] = []
        try db.forEach(in: "other") { key, _ in otherLeft.append(key); return true }
        #expect(otherLeft == [[], [0x01]])

        // Empty and inverted ranges delete nothing.
        try db.deleteRange(from: [0x01], to: [0x01])
        try db.deleteRange(from: [0x01], to: [0x00])
        #expect(try db.get([0x01]) == [1])
        #expect(try db.get([0x00, 0x00]) == [1])
    }

    // MARK: Checkpoints

    @Test func checkpointHoldsExactlyTheDataAtCheckpointTime() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try RocksDatabase(path: dir.path("db"), options: .init(columnFamilies: ["cf"]))
        defer { db.close() }
        var expectedDefault: [[UInt8]: [UInt8]] = [:]
        var expectedFamily: [[UInt8]: [UInt8]] = [:]
        for index in 0..<200 {
            let key: [UInt8] = [UInt8(index / 256), UInt8(index % 256)]
            try db.put(key, [UInt8(index % 7)])
            expectedDefault[key] = [UInt8(index % 7)]
            if index % 3 == 0 {
                try db.put(key, [0xCF], in: "cf")
                expectedFamily[key] = [0xCF]
            }
        }
        try db.flush()
        try db.put([0xAA], [0xAA]) // only in the memtable / WAL at checkpoint time
        expectedDefault[[0xAA]] = [0xAA]

        let checkpointPath = dir.path("checkpoint")
        try db.checkpoint(to: checkpointPath)

        // Changes after the checkpoint must not leak into it.
        try db.put([0xBB], [0xBB])
        try db.put([0x00, 0x01], [0xEE])
        try db.delete([0x00, 0x02])
        try db.put([0xCC], [0xCC], in: "cf")
        try db.deleteRange(from: [0x00, 0x10], to: [0x00, 0x20], in: "cf")

        let error = try #require(throws: StorageError.self) { try db.checkpoint(to: checkpointPath) }
        #expect(error.operation == "checkpoint \(checkpointPath)")
        #expect(error.kind == .rocksDB)

        let copy = try RocksDatabase(path: checkpointPath)
        defer { copy.close() }
        #expect(copy.columnFamilies == ["default", "cf"])
        func contents(_ db: RocksDatabase, _ family: String?) throws -> [[UInt8]: [UInt8]] {
            var result: [[UInt8]: [UInt8]] = [:]
            try db.forEach(in: family) { key, value in result[key] = value; return true }
            return result
        }
        #expect(try contents(copy, nil) == expectedDefault)
        #expect(try contents(copy, "cf") == expectedFamily)
        #expect(try db.get([0xBB]) == [0xBB])
        #expect(try copy.get([0xBB]) == nil)
    }

    // MARK: Lifecycle

    @Test func columnFamiliesPersistAcrossReopen() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path("db")
        do {
            let db = try RocksDatabase(path: path, options: .init(columnFamilies: ["a", "b", "a"]))
            defer { db.close() }
            #expect(db.columnFamilies == ["default", "a", "b"])
            try db.put([1], [0xA], in: "a")
            try db.put([1], [0xB], in: "b")
            db.close()
        }
        do {
            // Existing families are opened even when not listed.
            let db = try RocksDatabase(path: path)
            defer { db.close() }
            #expect(db.columnFamilies == ["default", "a", "b"])
            #expect(try db.get([1], in: "a") == [0xA])
            #expect(try db.get([1], in: "b") == [0xB])
            #expect(try db.get([1]) == nil)
            db.close()
        }
        let db = try RocksDatabase(path: path, options: .init(columnFamilies: ["c"]))
        defer { db.close() }
        #expect(Set(db.columnFamilies) == ["default", "a", "b", "c"])
        #expect(try db.get([1], in: "b") == [0xB])
        #expect(try db.get([1], in: "c") == nil)
    }

    @Test func openingADatabaseThatIsAlreadyOpenFails() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path("db")
        let first = try RocksDatabase(path: path)
        defer { first.close() }
        try first.put([1], [1])

        let error = try #require(throws: StorageError.self) { _ = try RocksDatabase(path: path) }
        #expect(error.operation == "open \(path)")
        #expect(error.description.hasPrefix("open \(path): "))
        #expect(error.description.lowercased().contains("lock"))
        #expect(throws: StorageError.self) { try RocksDatabase.destroy(path: path) }

        first.close()
        let second = try RocksDatabase(path: path)
        defer { second.close() }
        #expect(try second.get([1]) == [1])
    }

    @Test func openingAMissingDatabaseWithoutCreateFails() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path("missing")
        let error = try #require(throws: StorageError.self) {
            _ = try RocksDatabase(path: path, options: .init(createIfMissing: false))
        }
        #expect(error.operation == "open \(path)")
        #expect(!error.message.isEmpty)
    }

    @Test func usingAClosedDatabaseThrowsInsteadOfCrashing() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try RocksDatabase(path: dir.path("db"))
        defer { db.close() }
        try db.put([1], [1])
        try db.put([2], [2])
        let iterator = try db.makeIterator()
        try iterator.seekToFirst()
        let snapshot = try db.snapshot()
        #expect(!db.isClosed)

        db.close()
        db.close() // idempotent
        #expect(db.isClosed)

        func expectClosed(_ name: String, _ body: () throws -> Void) {
            do {
                try body()
                Issue.record("\(name) did not throw on a closed database")
            } catch let error as StorageError {
                #expect(error.kind == .closed, "\(name): \(error)")
                #expect(error.description.contains("closed"), "\(name): \(error)")
            } catch {
                Issue.record("\(name) threw \(error)")
            }
        }
        expectClosed("get") { _ = try db.get([1]) }
        expectClosed("get at snapshot") { _ = try db.get([1], snapshot: snapshot) }
        expectClosed("put") { try db.put([1], [1]) }
        expectClosed("delete") { try db.delete([1]) }
        expectClosed("deleteRange") { try db.deleteRange(from: [0], to: [9]) }
        expectClosed("write") { try db.write(WriteBatch(), sync: true) }
        expectClosed("forEach") { try db.forEach { _, _ in true } }
        expectClosed("makeIterator") { _ = try db.makeIterator() }
        expectClosed("snapshot") { _ = try db.snapshot() }
        expectClosed("checkpoint") { try db.checkpoint(to: dir.path("cp")) }
        expectClosed("flush") { try db.flush() }
        expectClosed("property") { _ = try db.property("rocksdb.stats") }
        expectClosed("size") { _ = try db.approximateSizeOnDisk() }
        expectClosed("iterator next") { try iterator.next() }
        expectClosed("iterator entry") { _ = try iterator.entry() }
        #expect(!iterator.isValid)
        #expect(!dir.exists("cp"))
    }

    @Test func closingWhileOtherThreadsUseTheDatabaseIsSafe() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try RocksDatabase(path: dir.path("db"))
        defer { db.close() }
        try db.put([0], [0])
        let workers = (0..<3).map { worker in
            Task.detached { () -> Int in
                var succeeded = 0
                for index in 0..<20_000 {
                    await Task.yield() // blocking work: let the closing task get a thread
                    do {
                        try db.put([UInt8(worker), UInt8(index % 256)], [1])
                        _ = try db.get([0])
                        try db.forEach(from: [UInt8(worker)], to: [UInt8(worker), 0x10]) { _, _ in true }
                        succeeded += 1
                    } catch let error as StorageError where error.kind == .closed {
                        return succeeded
                    } catch {
                        Issue.record("unexpected \(error)")
                        return succeeded
                    }
                }
                return succeeded
            }
        }
        while try db.get([0, 200]) == nil { await Task.yield() } // workers are running
        db.close()
        var total = 0
        for worker in workers { total += await worker.value }
        #expect(total > 0)
        #expect(db.isClosed)
    }

    @Test func destroyRemovesTheData() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path("db")
        let db = try RocksDatabase(path: path, options: .init(columnFamilies: ["x"]))
        defer { db.close() }
        try db.put([1], [1], in: "x")
        try db.put([2], [2])
        db.close()

        try RocksDatabase.destroy(path: path)
        #expect(throws: StorageError.self) {
            _ = try RocksDatabase(path: path, options: .init(createIfMissing: false))
        }
        let fresh = try RocksDatabase(path: path)
        defer { fresh.close() }
        #expect(fresh.columnFamilies == ["default"])
        #expect(try fresh.get([2]) == nil)
    }

    // MARK: Options and maintenance

    @Test(arguments: RocksDatabase.Compression.allCases)
    func everyCompressionRoundTripsThroughSSTFiles(_ compression: RocksDatabase.Compression) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path("db")
        let options = RocksDatabase.Options(
            blockCacheBytes: compression == .none ? 0 : 1 << 20,
            writeBufferBytes: 1 << 20,
            maxOpenFiles: 64,
            compression: compression,
            bloomFilterBitsPerKey: compression == .zstd ? nil : 10
        )
        let value = Array(repeating: Array("kairos schedule ".utf8), count: 64).flatMap { $0 }
        do {
            let db = try RocksDatabase(path: path, options: options)
            defer { db.close() }
            for index in 0..<200 { try db.put([UInt8(index)], value + [UInt8(index)]) }
            try db.flush()
            let size = try db.approximateSizeOnDisk()
            #expect(size > 0)
            if compression != .none {
                #expect(size < UInt64(200 * value.count), "\(compression) did not compress: \(size) bytes")
            }
            db.close()
        }
        let db = try RocksDatabase(path: path, options: options)
        defer { db.close() }
        for index in 0..<200 { #expect(try db.get([UInt8(index)]) == value + [UInt8(index)]) }
        #expect(try db.get([0xFF, 0]) == nil)
    }

    @Test func flushAndPropertiesReportLiveData() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let db = try RocksDatabase(path: dir.path("db"), options: .init(columnFamilies: ["cf"]))
        defer { db.close() }
        #expect(try db.approximateSizeOnDisk() == 0)
        for index in 0..<1_000 {
            try db.put(withUnsafeBytes(of: UInt32(index).bigEndian) { Array($0) }, Array(repeating: 7, count: 100))
            try db.put([UInt8(index % 256)], [1], in: "cf")
        }
        #expect(try db.integerProperty("rocksdb.num-entries-active-mem-table") == 1_000)
        try db.flush()
        #expect(try db.integerProperty("rocksdb.num-entries-active-mem-table") == 0)
        #expect(try db.integerProperty("rocksdb.num-entries-active-mem-table", in: "cf") == 0)
        #expect(try db.approximateSizeOnDisk() > 0)
        #expect(try db.integerProperty("rocksdb.live-sst-files-size", in: "cf") ?? 0 > 0)
        #expect(try db.integerProperty("rocksdb.estimate-num-keys") ?? 0 > 0)
        #expect(try db.property("rocksdb.stats") != nil)
        #expect(try db.property("rocksdb.no-such-property") == nil)
        #expect(try db.integerProperty("rocksdb.no-such-property") == nil)
    }
}
