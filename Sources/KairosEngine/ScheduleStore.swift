import Foundation
import KairosWire
import ScheduleModel
import Storage
import Synchronization

/// A change to apply to a partition's store. An upsert may carry the schedule's encoding when the caller has it
/// (`ScheduleCodec.encode(schedule)`), so it is not encoded again.
enum StoreChange {
    case upsert(Schedule, encoded: [UInt8]? = nil, replacing: StoredState = .unknown)
    case delete(id: String, replacing: StoredState = .unknown)
}

/// Changes for one store and the checkpoint they bring it to.
///
/// `@unchecked Sendable`: a store's writes run one at a time (`ScheduleStore.applyAll` hands each write to one worker
/// and returns when all are done; the engine applies at-least-once batches in order on one writer thread). The
/// engine thread may read the store meanwhile: RocksDB allows reads during writes, and `nextDueTime` is behind a
/// lock.
struct StoreWrite: @unchecked Sendable {
    let store: ScheduleStore
    var changes: [StoreChange]
    var changelogOffset: Int64?
    var commandsOffset: Int64?

    func apply() throws {
        try store.apply(changes, changelogOffset: changelogOffset, commandsOffset: commandsOffset)
    }
}

/// What a change replaces, when the caller knows it from its own reads in the same batch: the store then need not
/// read the old state to find its index entry.
enum StoredState: Equatable {
    /// The store reads it.
    case unknown
    /// The id has no schedule.
    case absent
    /// The id's schedule is indexed at this fire time.
    case dueAt(Int64)

    static func of(_ schedule: Schedule?) -> StoredState {
        schedule.map { .dueAt($0.nextDueAt) } ?? .absent
    }
}

/// The local state of one partition: schedules by id, an index by (fire time, id), and the checkpoint (the last
/// changelog offset reflected and the next command offset to read). Lives at `<state dir>/<group>/<partition>/`.
/// Pending schedules stay on disk; only what a caller reads is in memory.
final class ScheduleStore {
    let partition: Int32
    let path: String
    private let database: RocksDatabase
    /// Cached earliest fire time; refreshed after every change.
    var nextDueTime: Int64? { earliestFireTime.withLock { $0 } }
    private let earliestFireTime = Mutex<Int64?>(nil)

    /// One block cache for the stores of all partitions.
    private static let blockCache = BlockCache(bytes: 32 << 20)
    private static let schedules = "schedules"
    private static let due = "due"
    private static let meta = "meta"
    private static let changelogOffsetKey = Array("changelog-offset".utf8)
    private static let commandsOffsetKey = Array("commands-next-offset".utf8)

    init(partition: Int32, path: String) throws {
        self.partition = partition
        self.path = path
        var options = RocksDatabase.Options()
        options.columnFamilies = [Self.schedules, Self.due, Self.meta]
        // Memory per store stays small and fixed whatever it holds: the block cache is shared by every partition,
        // and the memtables of the three column families together stay under 4 MiB.
        options.sharedBlockCache = Self.blockCache
        options.writeBufferBytes = 2 << 20
        options.totalWriteBufferBytes = 4 << 20
        // Most reads by id look for a schedule that is new (a command for a new id, a restore into an empty store).
        options.memtableBloomFilter = true
        database = try RocksDatabase(path: path, options: options)
        let earliest = try readNextDueTime()
        earliestFireTime.withLock { $0 = earliest }
    }

    func close() {
        database.close()
    }

    /// The last changelog offset this store reflects, if it has one.
    var changelogOffset: Int64? {
        get throws { try database.get(Self.changelogOffsetKey, in: Self.meta).flatMap(OrderedInteger.decode) }
    }

    /// The offset of the next command to read, if the store has seen one.
    var commandsOffset: Int64? {
        get throws { try database.get(Self.commandsOffsetKey, in: Self.meta).flatMap(OrderedInteger.decode) }
    }

    func schedule(id: String) throws -> Schedule? {
        guard let bytes = try database.get(Array(id.utf8), in: Self.schedules) else { return nil }
        return try ScheduleCodec.decode(bytes)
    }

    /// Applies `changes` in order, atomically with the checkpoint offsets given.
    /// Written without an fsync: the changelog is the durable state, replayed from the checkpoint after a crash.
    func apply(_ changes: [StoreChange], changelogOffset: Int64?, commandsOffset: Int64?) throws {
        var batch = WriteBatch()
        // Later changes in the batch must see earlier ones, which the database does not show yet.
        var pending: [String: StoredState] = [:]
        // No live index entry lies below this after the write: the earliest before it, or an earlier new one.
        var floor = nextDueTime
        func indexedAt(_ id: String, _ replacing: StoredState) throws -> Int64? {
            switch pending[id] ?? replacing {
            case .unknown: return try schedule(id: id)?.nextDueAt
            case .absent: return nil
            case .dueAt(let fireAt): return fireAt
            }
        }
        for change in changes {
            switch change {
            case .upsert(let schedule, let encoded, let replacing):
                if let old = try indexedAt(schedule.id, replacing) {
                    batch.delete(Self.dueKey(old, schedule.id), in: Self.due)
                }
                batch.put(Array(schedule.id.utf8), encoded ?? ScheduleCodec.encode(schedule), in: Self.schedules)
                let dueAt = schedule.nextDueAt
                batch.put(Self.dueKey(dueAt, schedule.id), [], in: Self.due)
                pending[schedule.id] = .dueAt(dueAt)
                floor = min(floor ?? dueAt, dueAt)
            case .delete(let id, let replacing):
                if let old = try indexedAt(id, replacing) {
                    batch.delete(Self.dueKey(old, id), in: Self.due)
                    batch.delete(Array(id.utf8), in: Self.schedules)
                }
                pending[id] = .absent
            }
        }
        if let changelogOffset {
            batch.put(Self.changelogOffsetKey, OrderedInteger.encode(changelogOffset), in: Self.meta)
        }
        if let commandsOffset {
            batch.put(Self.commandsOffsetKey, OrderedInteger.encode(commandsOffset), in: Self.meta)
        }
        guard !batch.isEmpty else { return }
        try database.write(batch, sync: false)
        let earliest = try floor.flatMap { try readNextDueTime(from: $0) }
        earliestFireTime.withLock { $0 = earliest }
    }

    /// Stores `applyAll` writes at once.
    private static let writers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 4))

    /// Applies each write to its store and returns when all are done; throws the first failure (the other stores
    /// are written regardless). Writes of many changes go to several stores at once, one thread per store.
    static func applyAll(_ writes: [StoreWrite]) throws {
        let changes = writes.reduce(0) { $0 + $1.changes.count }
        let workers = min(writers, writes.count)
        // Handing small writes to other threads costs more than it saves.
        guard workers > 1, changes >= 1_000 else {
            for write in writes { try write.apply() }
            return
        }
        let failures = Mutex<[any Error]>([])
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for index in stride(from: worker, to: writes.count, by: workers) {
                do {
                    try writes[index].apply()
                } catch {
                    failures.withLock { $0.append(error) }
                }
            }
        }
        if let failure = failures.withLock({ $0.first }) {
            throw failure
        }
    }

    /// Schedules whose next firing is due at or before `now`, in (fire time, id) order, at most `limit`.
    func due(upTo now: Int64, limit: Int) throws -> [Schedule] {
        guard let next = nextDueTime, next <= now, limit > 0 else { return [] }
        var ids: [String] = []
        let end = now < .max ? Self.dueKey(now + 1, "") : nil
        try database.forEach(in: Self.due, from: Self.dueKey(next, ""), to: end) { key, _ in
            ids.append(String(decoding: key[8...], as: UTF8.self))
            return ids.count < limit
        }
        return try schedules(ids: ids)
    }

    /// Like `due(upTo:limit:)`, but passes over the ids for which `skipping` is true (deliveries in flight, schedules
    /// whose newer state is not written yet) without reading them. Also returns the fire time of the first schedule
    /// neither skipped nor returned: when to look again.
    func due(upTo now: Int64, limit: Int, skipping: (String) -> Bool) throws -> (due: [Schedule], nextDueTime: Int64?) {
        var ids: [String] = []
        var next: Int64?
        guard let earliest = nextDueTime else { return ([], nil) }
        try database.forEach(in: Self.due, from: Self.dueKey(earliest, "")) { key, _ in
            let id = String(decoding: key[8...], as: UTF8.self)
            if skipping(id) { return true }
            guard let fireAt = OrderedInteger.decode(key[0..<8]), fireAt <= now, ids.count < limit else {
                next = OrderedInteger.decode(key[0..<8])
                return false
            }
            ids.append(id)
            return true
        }
        return (try schedules(ids: ids), next)
    }

    /// The schedules of `ids` that exist, in the order of `ids`, read in one batched lookup.
    private func schedules(ids: [String]) throws -> [Schedule] {
        try database.get(ids.map { Array($0.utf8) }, in: Self.schedules).compactMap { bytes in
            try bytes.map(ScheduleCodec.decode)
        }
    }

    /// The schedules that match `query`, in (next due, id) order, at most `query.limit`: from the id index when only an
    /// id prefix narrows them, else along the time index from where the query starts.
    func list(_ query: ScheduleReader.Query) throws -> [Schedule] {
        guard query.limit > 0 else { return [] }
        if let prefix = query.idPrefix, query.dueFrom == nil, query.dueTo == nil {
            var found: [Schedule] = []
            try database.forEach(in: Self.schedules, prefix: Array(prefix.utf8)) { _, value in
                let schedule = try ScheduleCodec.decode(value)
                if query.matches(schedule) { found.append(schedule) }
                return true
            }
            return Array(found.sorted { ScheduleReader.Position($0) < ScheduleReader.Position($1) }.prefix(query.limit))
        }
        let from = max(query.after?.dueAt ?? .min, query.dueFrom ?? .min)
        let to = query.dueTo.flatMap { $0 < .max ? Self.dueKey($0 + 1, "") : nil }
        var found: [Schedule] = []
        var ids: [String] = []
        func readBatch() throws {
            found += try schedules(ids: ids).filter(query.matches)
            ids.removeAll(keepingCapacity: true)
        }
        try database.forEach(in: Self.due, from: Self.dueKey(from, ""), to: to) { key, _ in
            ids.append(String(decoding: key[8...], as: UTF8.self))
            if ids.count == 256 {
                try readBatch()
            }
            return found.count < query.limit
        }
        try readBatch()
        return Array(found.prefix(query.limit))
    }

    /// Bytes the store takes on disk (RocksDB's estimate of its files).
    func approximateBytes() throws -> UInt64 {
        try database.approximateSizeOnDisk()
    }

    /// Number of pending schedules (RocksDB's estimate).
    func approximateCount() throws -> UInt64 {
        try database.integerProperty("rocksdb.estimate-num-keys", in: Self.schedules) ?? 0
    }

    /// The earliest fire time in the index, looking from `floor` on (nil: from the start). Seeking past the front
    /// matters: fired schedules leave deletion markers there that a scan from the start would step over each time.
    private func readNextDueTime(from floor: Int64? = nil) throws -> Int64? {
        var first: Int64?
        try database.forEach(in: Self.due, from: floor.map { Self.dueKey($0, "") }) { key, _ in
            first = OrderedInteger.decode(key[0..<8])
            return false
        }
        return first
    }

    /// Fire time (sign-flipped big-endian, so bytes sort like numbers) followed by the id.
    static func dueKey(_ time: Int64, _ id: String) -> [UInt8] {
        OrderedInteger.encode(time) + Array(id.utf8)
    }
}
