import KafkaClient
import KairosWire
import ScheduleModel

/// A schedule being fired in a batch.
struct Firing {
    var partition: Int32
    var schedule: Schedule
    /// The occurrence fired (number and nominal instant).
    var occurrence: Occurrence
    var firedAt: Int64
}

/// Everything one iteration of the delivery loop wants written, committed as one unit: the records for Kafka, the
/// store changes they stand for, and the offsets of the commands they consumed.
///
/// The batch is also the newest layer of a schedule's state (`states`): what the iteration changed so far, which
/// `ScheduleView` reads before the batches in flight and the store.
struct OutputBatch {
    let topics: KairosTopics
    var records: [KafkaProducerRecord] = []
    /// The firing behind each fired record, by index in `records`.
    var firings: [Int: Firing] = [:]
    /// Firings sent to the DLQ because Kafka refused their record earlier.
    var deadLettered: [Firing] = []
    /// Store changes per partition, in the order they happen.
    var changes: [Int32: [StoreChange]] = [:]
    /// The state each id this batch changed is left in, per partition (`.some(nil)`: it ended).
    private(set) var states: [Int32: [String: Schedule?]] = [:]
    /// Next `commands` offset per partition, for the partitions whose commands this batch consumed.
    var nextCommandOffsets: [Int32: Int64] = [:]
    var fired = 0
    var rejected = 0
    /// What the batch did, counted in the metrics once it is committed.
    var tally = KairosMetrics.Tally()

    init(topics: KairosTopics) {
        self.topics = topics
    }

    var isEmpty: Bool { records.isEmpty && nextCommandOffsets.isEmpty }

    /// The state the batch left `id` in: nil when it did not change it, `.some(nil)` when it ended it.
    func state(of id: String, partition: Int32) -> Schedule?? {
        states[partition]?[id]
    }

    /// Whether the batch changed `id`.
    func changed(_ id: String, partition: Int32) -> Bool {
        states[partition]?[id] != nil
    }

    /// Writes a schedule's new state (changelog and store). `stored` is its state before, as read this batch.
    mutating func put(_ schedule: Schedule, replacing stored: Schedule?, partition: Int32) {
        // The changelog record and the store hold the same bytes: encoded once.
        let encoded = ScheduleCodec.encode(schedule)
        records.append(
            ChangelogRecord.state(id: schedule.id, encoded: encoded, topic: topics.changelog, partition: partition))
        changes[partition, default: []].append(.upsert(schedule, encoded: encoded, replacing: .of(stored)))
        states[partition, default: [:]][schedule.id] = .some(schedule)
    }

    /// Ends a schedule (`schedule` as it was before, read this batch): a tombstone and the store's delete.
    mutating func remove(_ schedule: Schedule, partition: Int32) {
        records.append(ChangelogRecord.tombstone(id: schedule.id, topic: topics.changelog, partition: partition))
        changes[partition, default: []].append(.delete(id: schedule.id, replacing: .of(schedule)))
        states[partition, default: [:]][schedule.id] = .some(nil)
    }

    /// What follows an occurrence of `schedule` (as it was before): its `next` state, or its end when there is none.
    @discardableResult
    mutating func advance(_ schedule: Schedule, to next: Schedule?, partition: Int32) -> Schedule? {
        if let next {
            put(next, replacing: schedule, partition: partition)
        } else {
            remove(schedule, partition: partition)
        }
        return next
    }

    /// Adds a lifecycle event.
    mutating func append(_ event: EventRecord) {
        records.append(event.record(topic: topics.events))
    }

    /// Adds the progress records of the partitions whose commands the batch consumed: where a restore resumes.
    mutating func closeWithProgress() {
        for (partition, next) in nextCommandOffsets {
            records.append(ChangelogRecord.progress(nextOffset: next, topic: topics.changelog, partition: partition))
        }
    }
}
