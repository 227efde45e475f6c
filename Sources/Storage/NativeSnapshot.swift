import CRocksDB

/// The raw RocksDB snapshot behind one ``Snapshot``.
final class NativeSnapshot: @unchecked Sendable {
    // @unchecked Sendable: `snapshot` is read under the owning database's read lock and only
    // mutated by `release(db:)`, which runs either under the database's write lock (close)
    // or from the owning Snapshot's deinit under the read lock, when no other thread can
    // reach it except `close`, which that lock excludes.
    private(set) var snapshot: OpaquePointer?

    init(snapshot: OpaquePointer) {
        self.snapshot = snapshot
    }

    /// Releases the snapshot in `db`. Idempotent.
    func release(db: OpaquePointer) {
        if let snapshot { rocksdb_release_snapshot(db, snapshot) }
        snapshot = nil
    }
}
