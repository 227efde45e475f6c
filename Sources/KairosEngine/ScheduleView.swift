import ScheduleModel

/// A schedule's current state as the delivery loop must see it: first what the batch being built changed, then what
/// the at-least-once batches in flight left (their stores are not written yet), then the store. Every read of a
/// schedule's state by the loop, by id or by due time, goes through here.
struct ScheduleView {
    let owner: PartitionOwner
    let inFlight: CommitPipeline

    /// The state of `id` in `partition` as `batch` sees it; nil when there is none.
    func schedule(_ id: String, partition: Int32, in batch: OutputBatch) throws -> Schedule? {
        if let known = batch.state(of: id, partition: partition) { return known }
        if let pending = inFlight.state(of: id, partition: partition) { return pending }
        return try owner.stores[partition]?.schedule(id: id)
    }

    /// The schedules of `partition` due at or before `now`, in (fire time, id) order, at most `limit`: those of the
    /// store and of the batches in flight, passing over `passed` (deliveries in flight or waiting for room at their
    /// host) and, after the limit, the ids `batch` changed (their new state decides, next iteration).
    func due(
        partition: Int32, upTo now: Int64, limit: Int, passingOver passed: Set<String>, in batch: OutputBatch
    ) throws -> [Schedule] {
        guard let store = owner.stores[partition], limit > 0 else { return [] }
        let due: [Schedule]
        if let skip = indexSkip(partition, passed) {
            // The store's entries for schedules changed by batches in flight are out of date: their states in the
            // pipeline decide.
            let stored = try store.due(upTo: now, limit: limit, skipping: skip).due
            let pending = inFlight.due(partition: partition, upTo: now) { passed.contains($0) }
            due =
                pending.isEmpty
                ? stored : Array((stored + pending).sorted { ($0.nextDueAt, $0.id) < ($1.nextDueAt, $1.id) }.prefix(limit))
        } else {
            due = try store.due(upTo: now, limit: limit)
        }
        return due.filter { !batch.changed($0.id, partition: partition) }
    }

    /// The earliest fire time in `partition`, passing over `passed`: when the loop must look again.
    func earliestDue(partition: Int32, passingOver passed: Set<String>) throws -> Int64? {
        guard let store = owner.stores[partition] else { return nil }
        let fromStore =
            try indexSkip(partition, passed).map { try store.due(upTo: .max, limit: 0, skipping: $0).nextDueTime }
            ?? store.nextDueTime
        let fromPipeline = inFlight.earliest(partition: partition) { passed.contains($0) }
        return [fromStore, fromPipeline].compactMap { $0 }.min()
    }

    /// The ids a scan of `partition`'s time index passes over: `passed` and schedules whose newer state is in the
    /// pipeline. Nil when there are none.
    private func indexSkip(_ partition: Int32, _ passed: Set<String>) -> ((String) -> Bool)? {
        guard !passed.isEmpty || inFlight.holdsAny(partition: partition) else { return nil }
        let inFlight = inFlight
        return { passed.contains($0) || inFlight.holds($0, partition: partition) }
    }
}
