import CRocksDB

extension RocksDatabase {
    /// The block compression RocksDB applies to SST files.
    ///
    /// All four are compiled into Debian's `librocksdb` 7.8 (it links libsnappy, liblz4
    /// and libzstd), so any of them can be chosen there.
    public enum Compression: Sendable, Hashable, CaseIterable {
        /// Blocks are stored uncompressed.
        case none
        /// Snappy: fast, moderate ratio.
        case snappy
        /// LZ4: very fast, moderate ratio; the default.
        case lz4
        /// Zstandard: better ratio at more CPU.
        case zstd

        var rocksDBType: Int32 {
            switch self {
            case .none: Int32(rocksdb_no_compression)
            case .snappy: Int32(rocksdb_snappy_compression)
            case .lz4: Int32(rocksdb_lz4_compression)
            case .zstd: Int32(rocksdb_zstd_compression)
            }
        }
    }
}
