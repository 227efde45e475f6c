import CRocksDB

extension WriteBatch {
    /// One recorded operation of a ``WriteBatch``.
    enum Operation: Sendable, Equatable {
        case put(columnFamily: String?, key: [UInt8], value: [UInt8])
        case delete(columnFamily: String?, key: [UInt8])
        case deleteRange(columnFamily: String?, from: [UInt8], to: [UInt8])

        /// Appends this operation to a `rocksdb_writebatch_t`, resolving its column family
        /// in `database`; throws (before anything is written) if the family is unknown.
        func append(to batch: OpaquePointer, in database: NativeDatabase, operation: String) throws {
            switch self {
            case let .put(columnFamily, key, value):
                let family = try database.columnFamily(columnFamily, operation: operation)
                key.withCBytes { keyBytes, keyCount in
                    value.withCBytes { valueBytes, valueCount in
                        rocksdb_writebatch_put_cf(batch, family, keyBytes, keyCount, valueBytes, valueCount)
                    }
                }
            case let .delete(columnFamily, key):
                let family = try database.columnFamily(columnFamily, operation: operation)
                key.withCBytes { keyBytes, keyCount in
                    rocksdb_writebatch_delete_cf(batch, family, keyBytes, keyCount)
                }
            case let .deleteRange(columnFamily, lower, upper):
                let family = try database.columnFamily(columnFamily, operation: operation)
                // RocksDB rejects begin > end; an empty range is simply nothing to delete.
                guard lower.lexicographicallyPrecedes(upper) else { return }
                lower.withCBytes { lowerBytes, lowerCount in
                    upper.withCBytes { upperBytes, upperCount in
                        rocksdb_writebatch_delete_range_cf(
                            batch, family, lowerBytes, lowerCount, upperBytes, upperCount)
                    }
                }
            }
        }
    }
}
