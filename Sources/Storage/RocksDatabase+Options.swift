import CRocksDB

extension RocksDatabase {
    /// Caps the number of malloc arenas of the process (glibc's `M_ARENA_MAX`). Many threads that allocate, as
    /// RocksDB's flushes and compactions do, otherwise each grow an arena of their own and hold memory no longer in
    /// use. Call once at start-up; does nothing where the C library has no such setting.
    public static func limitAllocatorArenas(_ count: Int32) {
        #if os(Linux)
        _ = mallopt(M_ARENA_MAX, count)
        #endif
    }

    /// How a database is opened and tuned. Every column family gets the same tuning.
    public struct Options: Sendable, Hashable {
        /// Create the database if `path` holds none. Default `true`; when `false`, opening a
        /// missing database throws.
        public var createIfMissing: Bool
        /// Named column families to open besides `"default"`; any that do not exist yet are
        /// created. Column families already in the database are always opened too, whether
        /// listed here or not.
        public var columnFamilies: [String]
        /// Capacity of the database's own LRU block cache in bytes; `0` disables the block cache.
        /// Default 32 MiB. Ignored when ``sharedBlockCache`` is set.
        public var blockCacheBytes: Int
        /// A block cache shared with other databases (one memory bound for all of them), or `nil`.
        public var sharedBlockCache: BlockCache?
        /// A bloom filter over each memtable's keys, so a read of a key that is not there skips the memtable
        /// search. Costs a tenth of the memtable size. Default `false`.
        public var memtableBloomFilter: Bool = false
        /// Upper bound on the memtables of all column families together (RocksDB's
        /// `db_write_buffer_size`), or `nil` for none.
        public var totalWriteBufferBytes: Int?
        /// Size of one memtable in bytes before it is flushed to an SST file. Default 64 MiB.
        public var writeBufferBytes: Int
        /// Maximum number of open SST files; `-1` keeps all open (RocksDB's default).
        public var maxOpenFiles: Int
        /// Block compression of SST files. Default ``Compression/lz4``.
        public var compression: Compression
        /// Bits per key of a full bloom filter on every SST file, or `nil` for no filter.
        /// Default 10 (about 1% false positives).
        public var bloomFilterBitsPerKey: Double?

        /// Creates options; every parameter defaults to the value documented on its property.
        public init(
            createIfMissing: Bool = true,
            columnFamilies: [String] = [],
            blockCacheBytes: Int = 32 << 20,
            writeBufferBytes: Int = 64 << 20,
            maxOpenFiles: Int = -1,
            compression: Compression = .lz4,
            bloomFilterBitsPerKey: Double? = 10,
            sharedBlockCache: BlockCache? = nil,
            totalWriteBufferBytes: Int? = nil
        ) {
            self.sharedBlockCache = sharedBlockCache
            self.totalWriteBufferBytes = totalWriteBufferBytes
            self.createIfMissing = createIfMissing
            self.columnFamilies = columnFamilies
            self.blockCacheBytes = blockCacheBytes
            self.writeBufferBytes = writeBufferBytes
            self.maxOpenFiles = maxOpenFiles
            self.compression = compression
            self.bloomFilterBitsPerKey = bloomFilterBitsPerKey
        }

        /// Creates a `rocksdb_options_t` reflecting these options; the caller destroys it.
        func makeNativeOptions() -> OpaquePointer? {
            guard let options = rocksdb_options_create() else { return nil }
            rocksdb_options_set_create_if_missing(options, createIfMissing ? 1 : 0)
            rocksdb_options_set_create_missing_column_families(options, 1)
            rocksdb_options_set_write_buffer_size(options, Swift.max(writeBufferBytes, 64 << 10))
            rocksdb_options_set_max_open_files(options, Int32(clamping: maxOpenFiles))
            rocksdb_options_set_compression(options, compression.rocksDBType)
            if memtableBloomFilter {
                rocksdb_options_set_memtable_prefix_bloom_size_ratio(options, 0.1)
                rocksdb_options_set_memtable_whole_key_filtering(options, 1)
            }
            if let totalWriteBufferBytes {
                rocksdb_options_set_db_write_buffer_size(options, Swift.max(totalWriteBufferBytes, 64 << 10))
            }

            if let table = rocksdb_block_based_options_create() {
                defer { rocksdb_block_based_options_destroy(table) }
                if let shared = sharedBlockCache {
                    rocksdb_block_based_options_set_block_cache(table, shared.pointer)
                } else if blockCacheBytes > 0, let cache = rocksdb_cache_create_lru(blockCacheBytes) {
                    // The table options keep their own reference to the cache.
                    rocksdb_block_based_options_set_block_cache(table, cache)
                    rocksdb_cache_destroy(cache)
                } else {
                    rocksdb_block_based_options_set_no_block_cache(table, 1)
                }
                if let bits = bloomFilterBitsPerKey, bits > 0 {
                    // Ownership of the filter policy passes to the table options.
                    rocksdb_block_based_options_set_filter_policy(
                        table, rocksdb_filterpolicy_create_bloom_full(bits))
                }
                // The factory copies the table options.
                rocksdb_options_set_block_based_table_factory(options, table)
            }
            return options
        }
    }
}

/// An LRU block cache that several databases share, so that their cached blocks have one memory bound.
public final class BlockCache: @unchecked Sendable, Hashable {
    // @unchecked Sendable: the pointer never changes, and RocksDB's cache is thread-safe.
    let pointer: OpaquePointer

    /// A cache of at most `bytes` bytes.
    public init(bytes: Int) {
        guard let cache = rocksdb_cache_create_lru(Swift.max(bytes, 1 << 20)) else {
            fatalError("RocksDB could not allocate a block cache")
        }
        pointer = cache
    }

    deinit {
        // Databases opened with the cache keep their own reference to it.
        rocksdb_cache_destroy(pointer)
    }

    /// Bytes the cache holds now.
    public var usage: Int { rocksdb_cache_get_usage(pointer) }

    public static func == (left: BlockCache, right: BlockCache) -> Bool { left === right }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}
