import KairosWire
import ScheduleModel

extension OutputBatch {
    /// After occurrence `due` of `schedule`, records a `skipped` event when `next` is not the occurrence right after
    /// it: those between were excluded (`kairos-exclude`, `kairos-exclude-cron`) and keep their numbers.
    mutating func noteExclusions(
        of schedule: Schedule, after due: Occurrence, next: Schedule?, now: Int64, partition: Int32
    ) {
        guard let next, due.number > 0, next.occurrence > due.number + 1, schedule.recurrence?.hasExclusions == true
        else { return }
        let first = due.number + 1
        let last = next.occurrence - 1
        let which = first == last ? "occurrence \(first)" : "occurrences \(first)-\(last)"
        append(
            EventRecord(
                kind: .skipped, id: schedule.id, occurrence: first, scheduledFor: nil, at: now, partition: partition,
                detail: "\(which) excluded; next is \(next.occurrence) at \(TimestampFormat.format(next.scheduledFor))"))
    }
}
