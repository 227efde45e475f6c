import Foundation
public import ScheduleModel
import Synchronization

/// Reads of the schedules this instance owns, for its HTTP API (invariant 12: the front door reads what the engine
/// keeps). Safe from any thread: it holds the stores the engine serves (published by `PartitionOwner` as it takes and
/// gives up partitions), and RocksDB serves reads during the engine's writes. A store reflects what is committed,
/// so a read sees a command once `appliedOffsets` says its offset was applied.
public final class ScheduleReader: Sendable {
    /// The partition is not served here (not owned, or being restored): ask its owner.
    public struct NotServed: Error, CustomStringConvertible {
        public let partition: Int32
        public var description: String { "partition \(partition) is not served by this instance" }
    }

    /// What a listing asks for.
    public struct Query: Sendable, Hashable {
        public enum Status: String, Sendable, Hashable, CaseIterable {
            /// Waiting for its next firing.
            case scheduled
            /// Paused.
            case paused
            /// A delivery failed and is tried again.
            case retrying
        }

        public var status: Status?
        /// Only targets containing this text.
        public var target: String?
        public var idPrefix: String?
        /// Only schedules next due in `[dueFrom, dueTo]` (epoch ms); paused ones have no due time.
        public var dueFrom: Int64?
        public var dueTo: Int64?
        /// Only those after this (next due, id) position.
        public var after: Position?
        public var limit: Int

        public init(
            status: Status? = nil, target: String? = nil, idPrefix: String? = nil, dueFrom: Int64? = nil,
            dueTo: Int64? = nil, after: Position? = nil, limit: Int = 50
        ) {
            self.status = status
            self.target = target
            self.idPrefix = idPrefix
            self.dueFrom = dueFrom
            self.dueTo = dueTo
            self.after = after
            self.limit = limit
        }

        func matches(_ schedule: Schedule) -> Bool {
            if let idPrefix, !schedule.id.hasPrefix(idPrefix) { return false }
            if let target, !schedule.targetText.contains(target) { return false }
            if let status, schedule.status != status { return false }
            if let dueFrom, schedule.nextDueAt < dueFrom { return false }
            if let dueTo, schedule.nextDueAt > dueTo { return false }
            if let after, Position(schedule) <= after { return false }
            return true
        }
    }

    /// Where a schedule stands in a listing: by next due time, then id.
    public struct Position: Sendable, Hashable, Comparable, Codable {
        public var dueAt: Int64
        public var id: String

        public init(dueAt: Int64, id: String) {
            self.dueAt = dueAt
            self.id = id
        }

        public init(_ schedule: Schedule) {
            self.init(dueAt: schedule.nextDueAt, id: schedule.id)
        }

        public static func < (left: Position, right: Position) -> Bool {
            (left.dueAt, left.id) < (right.dueAt, right.id)
        }
    }

    private let stores = Mutex<[Int32: StoreHandle]>([:])
    /// Where each served partition's commands are applied up to; the API waits on it for read-your-writes.
    public let appliedOffsets = AppliedOffsets()

    init() {}

    func serve(_ store: ScheduleStore) {
        stores.withLock { $0[store.partition] = StoreHandle(store) }
        if let next = try? store.commandsOffset {
            appliedOffsets.advance(partition: store.partition, to: next)
        }
    }

    func release(_ partition: Int32) {
        stores.withLock { $0[partition] = nil }
        appliedOffsets.release(partition: partition)
    }

    /// The partitions served here.
    public var partitions: [Int32] { stores.withLock { $0.keys.sorted() } }

    /// The schedule `id` of `partition` as stored; nil when there is none. Throws `NotServed` when the partition is
    /// not served here.
    public func schedule(_ id: String, partition: Int32) throws -> Schedule? {
        try store(partition).schedule(id: id)
    }

    /// The schedules of `partitions` that match `query`, in (next due, id) order, at most `query.limit`.
    public func list(partitions: [Int32], _ query: Query) throws -> [Schedule] {
        var found: [Schedule] = []
        for partition in partitions {
            found += try store(partition).list(query)
        }
        return Array(found.sorted { Position($0) < Position($1) }.prefix(query.limit))
    }

    /// Schedules waiting in `partition` (RocksDB's estimate).
    public func pending(partition: Int32) throws -> UInt64 {
        try store(partition).approximateCount()
    }

    private func store(_ partition: Int32) throws -> ScheduleStore {
        guard let handle = stores.withLock({ $0[partition] }) else { throw NotServed(partition: partition) }
        return handle.store
    }

    /// A store handed to other threads.
    ///
    /// `@unchecked Sendable`: the store's reads go to RocksDB, whose handle serves concurrent reads and writes, and
    /// its cached earliest time is behind a lock; once the engine closes it, its reads throw instead of touching
    /// the released handle.
    private struct StoreHandle: @unchecked Sendable {
        let store: ScheduleStore
        init(_ store: ScheduleStore) { self.store = store }
    }
}

/// The next `commands` offset each served partition's store reflects, and the waits for it to pass an offset.
public final class AppliedOffsets: Sendable {
    private struct Waiter {
        let offset: Int64
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var applied: [Int32: Int64] = [:]
        var waiters: [Int32: [UUID: Waiter]] = [:]
    }

    private let state = Mutex(State())

    /// The next offset to apply in `partition`, if it is served here.
    public func next(partition: Int32) -> Int64? {
        state.withLock { $0.applied[partition] }
    }

    /// Waits until the command at `offset` of `partition` is applied here (true), the partition is given up, or
    /// `timeout` passes (false).
    public func waitUntilApplied(partition: Int32, offset: Int64, timeout: Duration) async -> Bool {
        let token = UUID()
        var timer: Task<Void, Never>?
        let applied = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let done: Bool? = state.withLock { state in
                if let applied = state.applied[partition], applied > offset { return true }
                state.waiters[partition, default: [:]][token] = Waiter(offset: offset, continuation: continuation)
                return nil
            }
            if let done {
                continuation.resume(returning: done)
            } else {
                // Started once the waiter is registered, so that it always finds it (or finds it gone).
                timer = Task { [self] in
                    try? await Task.sleep(for: timeout)
                    resume(token, partition: partition, with: false)
                }
            }
        }
        timer?.cancel()
        return applied
    }

    private func resume(_ token: UUID, partition: Int32, with value: Bool) {
        let waiter = state.withLock { $0.waiters[partition]?.removeValue(forKey: token) }
        waiter?.continuation.resume(returning: value)
    }

    /// The store of `partition` now reflects commands up to `next` (exclusive).
    func advance(partition: Int32, to next: Int64) {
        let ready: [Waiter] = state.withLock { state in
            state.applied[partition] = max(state.applied[partition] ?? next, next)
            guard var waiting = state.waiters[partition] else { return [] }
            let done = waiting.filter { $0.value.offset < next }
            for key in done.keys { waiting[key] = nil }
            state.waiters[partition] = waiting.isEmpty ? nil : waiting
            return Array(done.values)
        }
        ready.forEach { $0.continuation.resume(returning: true) }
    }

    func release(partition: Int32) {
        let waiting: [Waiter] = state.withLock { state in
            state.applied[partition] = nil
            return Array((state.waiters.removeValue(forKey: partition) ?? [:]).values)
        }
        waiting.forEach { $0.continuation.resume(returning: false) }
    }
}

extension Schedule {
    /// The status a listing shows.
    public var status: ScheduleReader.Query.Status {
        if isPaused { return .paused }
        if failedAttempts > 0 || pendingTriggers.first.map({ $0.failedAttempts > 0 }) == true { return .retrying }
        return .scheduled
    }

    /// The target as a command gives it.
    public var targetText: String {
        switch target {
        case .kafka(let topic): topic
        case .http(let http): http.url
        }
    }
}
