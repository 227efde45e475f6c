import Logging
import ScheduleModel

extension Schedule {
    /// The state after occurrence `due` was delivered or dead-lettered: the next occurrence, or nil when nothing is
    /// left to fire. A stored recurrence that cannot be read any more ends the schedule, said in the log.
    func following(_ due: Occurrence, logger: Logger) -> Schedule? {
        guard let spec = recurrence else { return nil }
        do {
            guard let next = try spec.recurrence().occurrence(after: due) else { return nil }
            return advanced(to: next, fireAt: dueTime(of: next), fired: due)
        } catch {
            logger.error("stored recurrence unreadable", metadata: ["id": "\(id)", "error": "\(error)"])
            return nil
        }
    }

    /// The schedule positioned at occurrence `due` (which the misfire rules may have moved past the stored one).
    func positioned(at due: Occurrence) -> Schedule {
        due.number == occurrence ? self : advanced(to: due, fireAt: fireAt, fired: nil)
    }
}
