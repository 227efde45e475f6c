import Synchronization

/// What the engine is doing, published by the engine thread for the admin API and readiness; safe from any
/// thread.
public final class EngineStatus: Sendable {
    /// One owned partition.
    public struct Partition: Sendable, Encodable {
        public enum State: String, Sendable, Encodable {
            case restoring, serving
        }

        public var partition: Int32
        public var state: State
        /// Pending schedules (RocksDB's estimate).
        public var pending: UInt64 = 0
        /// Earliest fire time, epoch ms.
        public var nextDue: Int64?
        /// Next `commands` offset the store reflects.
        public var commandsOffset: Int64?
        /// Commands not yet applied: the partition's high watermark minus `commandsOffset`.
        public var commandsLag: Int64?
        /// Last `changelog` offset the store reflects.
        public var changelogOffset: Int64?
        /// While restoring: a transaction open on the partition's changelog that the restore waits for.
        public var openTransaction: OpenTransaction?
        public var restoredRecords: Int?
        public var restoreSeconds: Double?
        public var storeBytes: UInt64?
    }

    public struct Snapshot: Sendable {
        public var partitions: [Int32: Partition] = [:]
        /// Circuit-breaker state by HTTP server (`host:port`).
        public var breakers: [String: String] = [:]
        /// Whether the engine has subscribed and not stopped.
        public var running = false
        /// Whether the group gave this instance its first assignment (possibly of no partitions).
        public var joined = false
        /// Why the engine stopped, if it failed.
        public var failure: String?
        /// HTTP deliveries in flight or queued.
        public var httpOutstanding = 0
    }

    private let state = Mutex(Snapshot())

    public var snapshot: Snapshot { state.withLock { $0 } }

    func update(_ change: (inout Snapshot) -> Void) {
        state.withLock { change(&$0) }
    }
}
