/// A consistent, read-only point-in-time view of a whole ``RocksDatabase`` (all column
/// families), taken with ``RocksDatabase/snapshot()``.
///
/// Reads that pass the same snapshot see exactly the writes (and whole batches) that were
/// applied before it was taken, and none after. It is released when the last reference
/// goes away; it keeps its database alive until then. If the database is closed first,
/// the snapshot is released with it and reads through it throw a `closed` error.
public final class Snapshot: Sendable {
    /// The database this snapshot belongs to.
    let database: RocksDatabase
    let native: NativeSnapshot

    init(database: RocksDatabase, native: NativeSnapshot) {
        self.database = database
        self.native = native
    }

    deinit {
        database.releaseSnapshot(native)
    }
}
