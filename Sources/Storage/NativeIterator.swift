import CRocksDB

/// The raw resources behind one ``RocksIterator``: the RocksDB iterator, the read options
/// it was created with and the bound buffers those read options point into.
///
/// RocksDB keeps pointers to the read options and the bound bytes for the iterator's whole
/// life, so all three are released together, iterator first, in ``release()``.
final class NativeIterator: @unchecked Sendable {
    // @unchecked Sendable: the fields are only read under the owning database's read lock
    // (by the one RocksIterator that owns this object) and only mutated by `release()`,
    // which runs either under the database's write lock (close) or from the owning
    // RocksIterator's deinit under the read lock, when no one else can reach the iterator
    // except `close`, which that lock excludes.
    private(set) var iterator: OpaquePointer?
    private var readOptions: OpaquePointer?
    private var lowerBound: UnsafeMutableBufferPointer<CChar>?
    private var upperBound: UnsafeMutableBufferPointer<CChar>?

    /// Creates an iterator over `columnFamily` of `db`, restricted to keys in
    /// [`lower`, `upper`) and reading at `snapshot` if one is given.
    init(
        db: OpaquePointer,
        columnFamily: OpaquePointer,
        lower: [UInt8]?,
        upper: [UInt8]?,
        snapshot: OpaquePointer?
    ) throws {
        guard let options = rocksdb_readoptions_create() else {
            throw StorageError(operation: "create iterator", message: "cannot allocate read options")
        }
        readOptions = options
        if let lower {
            let buffer = lower.allocatedCCopy()
            lowerBound = buffer
            rocksdb_readoptions_set_iterate_lower_bound(options, buffer.baseAddress, lower.count)
        }
        if let upper {
            let buffer = upper.allocatedCCopy()
            upperBound = buffer
            rocksdb_readoptions_set_iterate_upper_bound(options, buffer.baseAddress, upper.count)
        }
        if let snapshot {
            rocksdb_readoptions_set_snapshot(options, snapshot)
        }
        guard let created = rocksdb_create_iterator_cf(db, options, columnFamily) else {
            release()
            throw StorageError(operation: "create iterator", message: "RocksDB returned no iterator")
        }
        iterator = created
    }

    /// Destroys the iterator, then its read options, then the bound buffers. Idempotent.
    func release() {
        if let iterator { rocksdb_iter_destroy(iterator) }
        iterator = nil
        if let readOptions { rocksdb_readoptions_destroy(readOptions) }
        readOptions = nil
        lowerBound?.deallocate()
        lowerBound = nil
        upperBound?.deallocate()
        upperBound = nil
    }

    deinit {
        release()
    }
}
