import ScheduleModel

/// At-least-once batches handed to Kafka whose acknowledgements are not all in yet, oldest first, and the state they
/// leave the schedules they change in.
///
/// The engine keeps firing while a batch's acknowledgements are outstanding; the stores are written only when a
/// batch is acknowledged, oldest first, so a store still reflects only what is durable in Kafka (invariant 2). Until
/// then, reads by id and the search for due schedules must see the batches in flight: a schedule fired in one must
/// not fire again in the next, and a schedule it moved on or created must fire when due. The pipeline answers those
/// reads for the ids it holds; the store answers for the others.
///
/// If a batch fails, every later one was built on its state: the engine waits them out, drops them all, and reads
/// the commands again from what the stores reflect. Their records that Kafka took are repeated then, which the
/// at-least-once guarantee allows.
///
/// Owned by the engine thread. Empty in exactly-once mode, where one transaction at a time is open.
final class CommitPipeline {
    struct Entry {
        let sequence: Int
        let batch: OutputBatch
        let sent: SentBatch
        /// Commands the batch consumed, for the log.
        let commands: Int
        /// The batch's store write, once it is acknowledged.
        var write: StoreWriteTicket?
        /// Where its commit spent its time until then.
        var timings = CommitTimings()
    }

    /// Batches in flight at most; the engine waits for the oldest before building another.
    static let maxBatches = 4
    /// Records held by the batches in flight at most before the engine waits for the oldest.
    static let maxRecords = 100_000

    private(set) var entries: [Entry] = []
    /// The state each changed id has after the batches in flight (nil: deleted), and the last batch that changed it.
    private var states: [Int32: [String: (schedule: Schedule?, sequence: Int)]] = [:]
    private var nextSequence = 0
    private var records = 0

    var isEmpty: Bool { entries.isEmpty }

    /// Whether the engine must wait for the oldest batch before building another.
    var isFull: Bool { entries.count >= Self.maxBatches || records >= Self.maxRecords }

    func append(_ batch: OutputBatch, sent: SentBatch, commands: Int) {
        let sequence = nextSequence
        nextSequence += 1
        for (partition, changes) in batch.changes {
            // Taken out and put back so the partition's dictionary is changed in place, not copied per change.
            var changed = states.removeValue(forKey: partition) ?? [:]
            changed.reserveCapacity(changed.count + changes.count)
            for change in changes {
                switch change {
                case .upsert(let schedule, _, _): changed[schedule.id] = (schedule, sequence)
                case .delete(let id, _): changed[id] = (nil, sequence)
                }
            }
            states[partition] = changed
        }
        records += batch.records.count
        entries.append(Entry(sequence: sequence, batch: batch, sent: sent, commands: commands))
    }

    /// Notes that the batch at `index` is acknowledged (`timings` until then) and its store write started.
    func writing(_ write: StoreWriteTicket, timings: CommitTimings, at index: Int) {
        entries[index].write = write
        entries[index].timings = timings
    }

    /// Takes the oldest batch out once its changes are in the stores: the stores now answer for the ids it was the
    /// last to change.
    func removeOldest() -> Entry {
        let entry = entries.removeFirst()
        records -= entry.batch.records.count
        for (partition, changes) in entry.batch.changes {
            guard var changed = states.removeValue(forKey: partition) else { continue }
            for change in changes {
                let id: String
                switch change {
                case .upsert(let schedule, _, _): id = schedule.id
                case .delete(let deleted, _): id = deleted
                }
                if changed[id]?.sequence == entry.sequence {
                    changed[id] = nil
                }
            }
            if !changed.isEmpty {
                states[partition] = changed
            }
        }
        return entry
    }

    /// Drops every batch (after a failure: the stores answer again).
    func removeAll() -> [Entry] {
        defer {
            entries.removeAll()
            states.removeAll()
            records = 0
        }
        return entries
    }

    /// The state of `id` after the batches in flight: `.some(nil)` if one deleted it, nil if none changed it.
    func state(of id: String, partition: Int32) -> Schedule?? {
        guard let entry = states[partition]?[id] else { return nil }
        return .some(entry.schedule)
    }

    /// Whether a batch in flight changed `id` (the store's entry for it is out of date).
    func holds(_ id: String, partition: Int32) -> Bool {
        states[partition]?[id] != nil
    }

    /// Whether batches in flight changed anything in `partition`.
    func holdsAny(partition: Int32) -> Bool {
        states[partition] != nil
    }

    /// Schedules of `partition` that batches in flight left due at or before `now`, except `skipping`.
    func due(partition: Int32, upTo now: Int64, skipping: (String) -> Bool) -> [Schedule] {
        guard let changed = states[partition] else { return [] }
        return changed.values.compactMap { entry in
            guard let schedule = entry.schedule, schedule.nextDueAt <= now, !skipping(schedule.id) else { return nil }
            return schedule
        }
    }

    /// The earliest fire time batches in flight left in `partition`, except `skipping`.
    func earliest(partition: Int32, skipping: (String) -> Bool) -> Int64? {
        guard let changed = states[partition] else { return nil }
        return changed.values.compactMap { entry in
            guard let schedule = entry.schedule, !skipping(schedule.id) else { return nil }
            return schedule.nextDueAt
        }.min()
    }
}
