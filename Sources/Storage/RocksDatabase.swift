import CRocksDB
import Synchronization

/// An open RocksDB database with its column families.
///
/// All methods are safe to call from any thread at the same time: RocksDB's handle is
/// thread-safe for concurrent reads and writes. ``close()`` waits for running operations
/// to finish, releases every live ``RocksIterator`` and ``Snapshot`` of the database, and
/// closes it; afterwards every method throws a ``StorageError`` of kind
/// ``StorageError/Kind/closed`` instead of touching the released handle. The database is
/// closed automatically when the last reference to it (including those held by its
/// iterators and snapshots) goes away.
///
/// Keys and values are arbitrary byte strings (empty and `0x00` bytes included); keys are
/// ordered bytewise, shorter before longer on a common prefix.
public final class RocksDatabase: @unchecked Sendable {
    // @unchecked Sendable: the only mutable state is `native` and the two registries.
    // `native` is read under `lock`'s read side and set to nil only under its write side;
    // a rocksdb_t* is itself thread-safe for concurrent reads and writes, so any number of
    // readers may use it at once, and the write lock guarantees a closed handle is never
    // used. The registries are protected by their own Mutex.
    private let lock = ReadWriteLock()
    private var native: NativeDatabase?
    private let liveIterators = Mutex<[ObjectIdentifier: NativeIterator]>([:])
    private let liveSnapshots = Mutex<[ObjectIdentifier: NativeSnapshot]>([:])

    /// The directory the database lives in, as passed to ``init(path:options:)``.
    public let path: String
    /// The column families the database was opened with, `"default"` first; includes every
    /// family that already existed on disk and every one named in the options.
    public let columnFamilies: [String]

    /// Opens (and with ``Options/createIfMissing`` creates) the database at `path`.
    ///
    /// - Throws: ``StorageError`` for operation `"open <path>"`, e.g. when the database is
    ///   already open in this or another process (RocksDB's LOCK file is held), when it is
    ///   missing and `createIfMissing` is false, or when it is corrupt.
    public init(path: String, options: Options = Options()) throws {
        let opened = try NativeDatabase.open(path: path, options: options)
        self.path = path
        self.native = opened
        self.columnFamilies = opened.columnFamilyNames
    }

    deinit {
        close()
    }

    // MARK: - Lifecycle

    /// Closes the database: waits for running operations, releases all live iterators and
    /// snapshots, flushes nothing extra (unflushed writes are in the write-ahead log) and
    /// releases the RocksDB handle and its LOCK. Idempotent.
    public func close() {
        lock.withWriteLock {
            guard let open = native else { return }
            let iterators = liveIterators.withLock { registry in
                let all = Array(registry.values)
                registry.removeAll()
                return all
            }
            iterators.forEach { $0.release() }
            let snapshots = liveSnapshots.withLock { registry in
                let all = Array(registry.values)
                registry.removeAll()
                return all
            }
            snapshots.forEach { $0.release(db: open.db) }
            open.close()
            native = nil
        }
    }

    /// Whether ``close()`` has been called.
    public var isClosed: Bool {
        lock.withReadLock { native == nil }
    }

    /// Deletes the database at `path` and all its files.
    ///
    /// - Throws: ``StorageError`` for operation `"destroy <path>"`, e.g. when the database
    ///   is open (its LOCK is held).
    public static func destroy(path: String) throws {
        guard let options = rocksdb_options_create() else {
            throw StorageError(operation: "destroy \(path)", message: "cannot allocate options")
        }
        defer { rocksdb_options_destroy(options) }
        try StorageError.check("destroy \(path)") { error in
            rocksdb_destroy_db(options, path, error)
        }
    }

    // MARK: - Point operations

    /// The value stored under `key` in `columnFamily` (`nil`: `"default"`), or `nil` if
    /// there is none. With a `snapshot`, reads the state at the time it was taken.
    public func get(
        _ key: [UInt8],
        in columnFamily: String? = nil,
        snapshot: Snapshot? = nil
    ) throws -> [UInt8]? {
        try withOpenDatabase("get") { open in
            let family = try open.columnFamily(columnFamily, operation: "get")
            return try withReadOptions(open, snapshot: snapshot, operation: "get") { readOptions in
                try key.withCBytes { keyBytes, keyCount in
                    var valueCount = 0
                    let value = try StorageError.check("get") { error in
                        rocksdb_get_cf(
                            open.db, readOptions, family, keyBytes, keyCount, &valueCount, error)
                    }
                    guard let value else { return nil }
                    defer { rocksdb_free(value) }
                    return [UInt8](copying: value, count: valueCount)
                }
            }
        }
    }

    /// The values stored under `keys` in `columnFamily`, in the order of `keys` (`nil` where a key has none), read
    /// in one batched lookup: cheaper than a `get` per key when there are many.
    public func get(_ keys: [[UInt8]], in columnFamily: String? = nil) throws -> [[UInt8]?] {
        guard !keys.isEmpty else { return [] }
        return try withOpenDatabase("multi get") { open in
            let family = try open.columnFamily(columnFamily, operation: "multi get")
            // One buffer holds every key, so one pointer into it per key stays valid for the call.
            var flat: [UInt8] = []
            flat.reserveCapacity(keys.reduce(0) { $0 + $1.count })
            keys.forEach { flat.append(contentsOf: $0) }
            let sizes = keys.map(\.count)
            var slices = [OpaquePointer?](repeating: nil, count: keys.count)
            var errors = [UnsafeMutablePointer<CChar>?](repeating: nil, count: keys.count)
            flat.withCBytes { base, _ in
                var keyPointers: [UnsafePointer<CChar>?] = []
                keyPointers.reserveCapacity(keys.count)
                var offset = 0
                for size in sizes {
                    keyPointers.append(base + offset)
                    offset += size
                }
                rocksdb_batched_multi_get_cf(
                    open.db, open.readOptions, family, keys.count, keyPointers, sizes, &slices, &errors, false)
            }
            var values: [[UInt8]?] = []
            values.reserveCapacity(keys.count)
            var failure: String?
            for index in keys.indices {
                if let error = errors[index] {
                    failure = failure ?? String(cString: error)
                    rocksdb_free(error)
                }
                guard let slice = slices[index] else {
                    values.append(nil)
                    continue
                }
                var count = 0
                let bytes = rocksdb_pinnableslice_value(slice, &count)
                values.append([UInt8](copying: bytes, count: count))
                rocksdb_pinnableslice_destroy(slice)
            }
            if let failure {
                throw StorageError(operation: "multi get", message: failure)
            }
            return values
        }
    }

    /// Stores `value` under `key` in `columnFamily`, replacing any previous value.
    ///
    /// With `sync: true` the write-ahead log is fsynced before returning, so the write
    /// survives an OS crash or power loss; without it, it survives a process crash only.
    public func put(
        _ key: [UInt8],
        _ value: [UInt8],
        in columnFamily: String? = nil,
        sync: Bool = false
    ) throws {
        try withOpenDatabase("put") { open in
            let family = try open.columnFamily(columnFamily, operation: "put")
            try key.withCBytes { keyBytes, keyCount in
                try value.withCBytes { valueBytes, valueCount in
                    try StorageError.check("put") { error in
                        rocksdb_put_cf(
                            open.db, open.writeOptions(sync: sync), family,
                            keyBytes, keyCount, valueBytes, valueCount, error)
                    }
                }
            }
        }
    }

    /// Removes `key` from `columnFamily`; removing a missing key succeeds. `sync` as in
    /// ``put(_:_:in:sync:)``.
    public func delete(_ key: [UInt8], in columnFamily: String? = nil, sync: Bool = false) throws {
        try withOpenDatabase("delete") { open in
            let family = try open.columnFamily(columnFamily, operation: "delete")
            try key.withCBytes { keyBytes, keyCount in
                try StorageError.check("delete") { error in
                    rocksdb_delete_cf(
                        open.db, open.writeOptions(sync: sync), family, keyBytes, keyCount, error)
                }
            }
        }
    }

    /// Removes every key in the half-open range [`from`, `to`) of `columnFamily`: `from`
    /// is removed, `to` is kept. An empty range (`from >= to` bytewise) changes nothing.
    /// `sync` as in ``put(_:_:in:sync:)``.
    public func deleteRange(
        from lower: [UInt8],
        to upper: [UInt8],
        in columnFamily: String? = nil,
        sync: Bool = false
    ) throws {
        var batch = WriteBatch()
        batch.deleteRange(from: lower, to: upper, in: columnFamily)
        try write(batch, sync: sync, operation: "delete range")
    }

    /// Applies all operations of `batch` atomically and in order: readers see either none
    /// or all of them, across all column families. If the batch names an unknown column
    /// family nothing is written. `sync` as in ``put(_:_:in:sync:)``.
    public func write(_ batch: WriteBatch, sync: Bool) throws {
        try write(batch, sync: sync, operation: "write batch")
    }

    private func write(_ batch: WriteBatch, sync: Bool, operation: String) throws {
        try withOpenDatabase(operation) { open in
            guard let nativeBatch = rocksdb_writebatch_create() else {
                throw StorageError(operation: operation, message: "cannot allocate write batch")
            }
            defer { rocksdb_writebatch_destroy(nativeBatch) }
            for entry in batch.operations {
                try entry.append(to: nativeBatch, in: open, operation: operation)
            }
            try StorageError.check(operation) { error in
                rocksdb_write(open.db, open.writeOptions(sync: sync), nativeBatch, error)
            }
        }
    }

    // MARK: - Iteration

    /// Creates an iterator over `columnFamily` limited to keys `k` with `lower <= k < upper`
    /// (either bound may be `nil` for unbounded), reading a consistent view: the state at
    /// `snapshot`, or without one the state when the iterator was created. The iterator
    /// starts unpositioned; call one of its seek methods first.
    public func makeIterator(
        in columnFamily: String? = nil,
        from lower: [UInt8]? = nil,
        to upper: [UInt8]? = nil,
        snapshot: Snapshot? = nil
    ) throws -> RocksIterator {
        let native = try withOpenDatabase("create iterator") { open in
            let family = try open.columnFamily(columnFamily, operation: "create iterator")
            let nativeSnapshot = try snapshotHandle(snapshot, operation: "create iterator")
            let iterator = try NativeIterator(
                db: open.db, columnFamily: family, lower: lower, upper: upper,
                snapshot: nativeSnapshot)
            liveIterators.withLock { $0[ObjectIdentifier(iterator)] = iterator }
            return iterator
        }
        return RocksIterator(database: self, native: native, snapshot: snapshot)
    }

    // MARK: - Snapshots

    /// Takes a snapshot of the whole database (all column families) for consistent reads
    /// with ``get(_:in:snapshot:)``, ``makeIterator(in:from:to:snapshot:)`` and
    /// ``forEach(in:from:to:reverse:snapshot:_:)``. It is released when the returned object
    /// is no longer referenced, or when the database closes.
    public func snapshot() throws -> Snapshot {
        let native = try withOpenDatabase("snapshot") { open in
            guard let handle = rocksdb_create_snapshot(open.db) else {
                throw StorageError(operation: "snapshot", message: "RocksDB returned no snapshot")
            }
            let snapshot = NativeSnapshot(snapshot: handle)
            liveSnapshots.withLock { $0[ObjectIdentifier(snapshot)] = snapshot }
            return snapshot
        }
        return Snapshot(database: self, native: native)
    }

    // MARK: - Internals shared with RocksIterator and Snapshot

    /// Runs `body` with the open handles under the read lock; throws a `closed` error for
    /// `operation` if the database is closed. (Internal for the extensions in the other
    /// `RocksDatabase+*.swift` files.)
    func withOpenDatabase<R>(
        _ operation: @autoclosure () -> String,
        _ body: (NativeDatabase) throws -> R
    ) throws -> R {
        try lock.withReadLock {
            guard let open = native else {
                throw StorageError.closed(operation(), path: path)
            }
            return try body(open)
        }
    }

    /// Calls `body` with read options reading at `snapshot` (or the shared plain options).
    private func withReadOptions<R>(
        _ open: NativeDatabase,
        snapshot: Snapshot?,
        operation: @autoclosure () -> String,
        _ body: (OpaquePointer) throws -> R
    ) throws -> R {
        guard let handle = try snapshotHandle(snapshot, operation: operation()) else {
            return try body(open.readOptions)
        }
        guard let options = rocksdb_readoptions_create() else {
            throw StorageError(operation: operation(), message: "cannot allocate read options")
        }
        defer { rocksdb_readoptions_destroy(options) }
        rocksdb_readoptions_set_snapshot(options, handle)
        return try body(options)
    }

    /// The raw snapshot of `snapshot`, checking it belongs to this database. Call only
    /// under the read lock with the database open.
    private func snapshotHandle(_ snapshot: Snapshot?, operation: @autoclosure () -> String) throws -> OpaquePointer? {
        guard let snapshot else { return nil }
        guard snapshot.database === self, let handle = snapshot.native.snapshot else {
            throw StorageError(
                operation: operation(),
                message: "snapshot belongs to another database",
                kind: .invalidArgument
            )
        }
        return handle
    }

    /// Runs `body` with `iterator`'s raw handle under the read lock; throws a `closed`
    /// error if the database (and so the iterator) has been closed.
    func withOpenIterator<R>(
        _ iterator: NativeIterator,
        _ operation: @autoclosure () -> String,
        _ body: (OpaquePointer) throws -> R
    ) throws -> R {
        try lock.withReadLock {
            guard native != nil, let handle = iterator.iterator else {
                throw StorageError.closed(operation(), path: path)
            }
            return try body(handle)
        }
    }

    /// Like ``withOpenIterator(_:_:_:)`` but returns `nil` instead of throwing when closed.
    func ifOpen<R>(_ iterator: NativeIterator, _ body: (OpaquePointer) -> R) -> R? {
        lock.withReadLock {
            guard native != nil, let handle = iterator.iterator else { return nil }
            return body(handle)
        }
    }

    /// Releases `iterator` unless ``close()`` already did. Called from RocksIterator.deinit.
    func releaseIterator(_ iterator: NativeIterator) {
        lock.withReadLock {
            guard native != nil else { return }
            let registered = liveIterators.withLock { $0.removeValue(forKey: ObjectIdentifier(iterator)) }
            registered?.release()
        }
    }

    /// Releases `snapshot` unless ``close()`` already did. Called from Snapshot.deinit.
    func releaseSnapshot(_ snapshot: NativeSnapshot) {
        lock.withReadLock {
            guard let open = native else { return }
            let registered = liveSnapshots.withLock { $0.removeValue(forKey: ObjectIdentifier(snapshot)) }
            registered?.release(db: open.db)
        }
    }
}
