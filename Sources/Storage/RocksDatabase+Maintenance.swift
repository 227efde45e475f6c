import CRocksDB

extension RocksDatabase {
    /// Writes a consistent point-in-time copy of the database (all column families) to the
    /// new directory `path`, using hard links for SST files where possible. The copy can be
    /// opened as a database of its own.
    ///
    /// - Throws: ``StorageError`` for operation `"checkpoint <path>"`, e.g. when `path`
    ///   already exists.
    public func checkpoint(to path: String) throws {
        let operation = "checkpoint \(path)"
        try withOpenDatabase(operation) { open in
            let checkpoint = try StorageError.check(operation) { error in
                rocksdb_checkpoint_object_create(open.db, error)
            }
            guard let checkpoint else {
                throw StorageError(operation: operation, message: "RocksDB returned no checkpoint object")
            }
            defer { rocksdb_checkpoint_object_destroy(checkpoint) }
            // log_size_for_flush 0: always flush memtables so the copy needs no WAL replay.
            try StorageError.check(operation) { error in
                rocksdb_checkpoint_create(checkpoint, path, 0, error)
            }
        }
    }

    /// Flushes the memtables of all column families to SST files and waits for the flushes.
    public func flush() throws {
        try withOpenDatabase("flush") { open in
            for name in open.columnFamilyNames {
                let family = try open.columnFamily(name, operation: "flush")
                try StorageError.check("flush \(name)") { error in
                    rocksdb_flush_cf(open.db, open.flushOptions, family, error)
                }
            }
        }
    }

    /// The value of RocksDB property `name` (e.g. `"rocksdb.stats"`,
    /// `"rocksdb.estimate-num-keys"`) for `columnFamily`, or `nil` if RocksDB does not know it.
    public func property(_ name: String, in columnFamily: String? = nil) throws -> String? {
        try withOpenDatabase("property \(name)") { open in
            let family = try open.columnFamily(columnFamily, operation: "property \(name)")
            guard let value = rocksdb_property_value_cf(open.db, family, name) else { return nil }
            defer { rocksdb_free(value) }
            return String(cString: value)
        }
    }

    /// The value of integer RocksDB property `name` (e.g. `"rocksdb.live-sst-files-size"`)
    /// for `columnFamily`, or `nil` if it is unknown or not an integer property.
    public func integerProperty(_ name: String, in columnFamily: String? = nil) throws -> UInt64? {
        try withOpenDatabase("property \(name)") { open in
            let family = try open.columnFamily(columnFamily, operation: "property \(name)")
            var value: UInt64 = 0
            guard rocksdb_property_int_cf(open.db, family, name, &value) == 0 else { return nil }
            return value
        }
    }

    /// Total bytes of the SST files of all column families
    /// (`rocksdb.total-sst-files-size`). Excludes the write-ahead log and memtables, so
    /// recent writes count only after a flush.
    public func approximateSizeOnDisk() throws -> UInt64 {
        try withOpenDatabase("approximate size") { open in
            var total: UInt64 = 0
            for family in open.columnFamilies.values {
                var value: UInt64 = 0
                if rocksdb_property_int_cf(open.db, family, "rocksdb.total-sst-files-size", &value) == 0 {
                    total += value
                }
            }
            return total
        }
    }
}
