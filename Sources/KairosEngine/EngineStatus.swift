import Synchronization

/// What the engine is doing, published by the engine thread for the admin API and readiness; safe from any
/// thread.
final class EngineStatus: Sendable {
    /// One owned partition.
    struct Partition: Sendable, Encodable {
        enum State: String, Sendable, Encodable {
            case restoring, serving
        }

        var partition: Int32
        var state: State
        /// Pending schedules (RocksDB's estimate).
        var pending: UInt64 = 0
        /// Earliest fire time, epoch ms.
        var nextDue: Int64?
        /// Next `commands` offset the store reflects.
        var commandsOffset: Int64?
        /// Commands not yet applied: the partition's high watermark minus `commandsOffset`.
        var commandsLag: Int64?
        /// Last `changelog` offset the store reflects.
        var changelogOffset: Int64?
        var restoredRecords: Int?
        var restoreSeconds: Double?
        var storeBytes: UInt64?
    }

    struct Snapshot: Sendable {
        var partitions: [Int32: Partition] = [:]
        /// Circuit-breaker state by HTTP server (`host:port`).
        var breakers: [String: String] = [:]
        /// Whether the engine has subscribed and not stopped.
        var running = false
        /// Whether the group gave this instance its first assignment (possibly of no partitions).
        var joined = false
        /// Why the engine stopped, if it failed.
        var failure: String?
        /// HTTP deliveries in flight or queued.
        var httpOutstanding = 0
    }

    private let state = Mutex(Snapshot())

    var snapshot: Snapshot { state.withLock { $0 } }

    func update(_ change: (inout Snapshot) -> Void) {
        state.withLock { change(&$0) }
    }
}
