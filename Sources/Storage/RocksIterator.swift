import CRocksDB

/// A cursor over the keys of one column family of a ``RocksDatabase``, in bytewise key
/// order, within the bounds given to ``RocksDatabase/makeIterator(in:from:to:snapshot:)``.
///
/// It reads a consistent view (its snapshot, or the database as of its creation) and is
/// not `Sendable`: use it from one thread at a time. It starts unpositioned; position it
/// with a seek method. Every movement throws a ``StorageError`` if the database has been
/// closed or if RocksDB hit an error (e.g. corruption) while moving, so reaching the end
/// of the range (``isValid`` false after a successful move) always means "no more keys".
/// It keeps its database (and snapshot) alive; it is released when the last reference
/// goes away or when the database closes.
public final class RocksIterator {
    private let database: RocksDatabase
    private let native: NativeIterator
    /// Held only to keep the snapshot alive while the iterator reads through it.
    private let snapshot: Snapshot?

    init(database: RocksDatabase, native: NativeIterator, snapshot: Snapshot?) {
        self.database = database
        self.native = native
        self.snapshot = snapshot
    }

    deinit {
        database.releaseIterator(native)
    }

    /// Whether the iterator is positioned at an entry. `false` before the first seek, past
    /// either end of the range, and after the database is closed.
    public var isValid: Bool {
        database.ifOpen(native) { rocksdb_iter_valid($0) != 0 } ?? false
    }

    /// Positions at the first key of the range (the lower bound, if any).
    public func seekToFirst() throws {
        try move("seek to first") { rocksdb_iter_seek_to_first($0) }
    }

    /// Positions at the last key of the range (the last key below the upper bound, if any).
    public func seekToLast() throws {
        try move("seek to last") { rocksdb_iter_seek_to_last($0) }
    }

    /// Positions at the first key `>= key` (clamped into the range).
    public func seek(to key: [UInt8]) throws {
        try move("seek") { iterator in
            key.withCBytes { rocksdb_iter_seek(iterator, $0, $1) }
        }
    }

    /// Positions at the last key `<= key` (clamped into the range).
    public func seekForPrevious(_ key: [UInt8]) throws {
        try move("seek for previous") { iterator in
            key.withCBytes { rocksdb_iter_seek_for_prev(iterator, $0, $1) }
        }
    }

    /// Moves to the next key; does nothing if the iterator is not positioned.
    public func next() throws {
        try move("next") { iterator in
            if rocksdb_iter_valid(iterator) != 0 { rocksdb_iter_next(iterator) }
        }
    }

    /// Moves to the previous key; does nothing if the iterator is not positioned.
    public func previous() throws {
        try move("previous") { iterator in
            if rocksdb_iter_valid(iterator) != 0 { rocksdb_iter_prev(iterator) }
        }
    }

    /// The current key, or `nil` if the iterator is not positioned.
    /// - Throws: ``StorageError`` of kind `closed` if the database has been closed.
    public func key() throws -> [UInt8]? {
        try database.withOpenIterator(native, "iterator key") { iterator in
            guard rocksdb_iter_valid(iterator) != 0 else { return nil }
            return Self.copyKey(iterator)
        }
    }

    /// The current value, or `nil` if the iterator is not positioned.
    /// - Throws: ``StorageError`` of kind `closed` if the database has been closed.
    public func value() throws -> [UInt8]? {
        try database.withOpenIterator(native, "iterator value") { iterator in
            guard rocksdb_iter_valid(iterator) != 0 else { return nil }
            return Self.copyValue(iterator)
        }
    }

    /// The current key and value, or `nil` if the iterator is not positioned.
    /// - Throws: ``StorageError`` of kind `closed` if the database has been closed.
    public func entry() throws -> (key: [UInt8], value: [UInt8])? {
        try database.withOpenIterator(native, "iterator entry") { iterator in
            guard rocksdb_iter_valid(iterator) != 0 else { return nil }
            return (Self.copyKey(iterator), Self.copyValue(iterator))
        }
    }

    /// Throws if the database is closed or RocksDB recorded an error in the iterator.
    public func checkStatus() throws {
        try database.withOpenIterator(native, "iterator status") { iterator in
            try StorageError.check("iterate") { rocksdb_iter_get_error(iterator, $0) }
        }
    }

    private func move(_ operation: String, _ body: (OpaquePointer) -> Void) throws {
        try database.withOpenIterator(native, operation) { iterator in
            body(iterator)
            if rocksdb_iter_valid(iterator) == 0 {
                try StorageError.check("iterate") { rocksdb_iter_get_error(iterator, $0) }
            }
        }
    }

    private static func copyKey(_ iterator: OpaquePointer) -> [UInt8] {
        var count = 0
        let bytes = rocksdb_iter_key(iterator, &count)
        return [UInt8](copying: bytes, count: count)
    }

    private static func copyValue(_ iterator: OpaquePointer) -> [UInt8] {
        var count = 0
        let bytes = rocksdb_iter_value(iterator, &count)
        return [UInt8](copying: bytes, count: count)
    }
}
