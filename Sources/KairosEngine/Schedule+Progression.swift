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

    /// The state after its oldest triggered firing was delivered or dead-lettered: that trigger gone and its number
    /// used; the regular occurrence untouched.
    func afterTriggeredFiring() -> Schedule {
        var copy = self
        if !copy.pendingTriggers.isEmpty {
            copy.pendingTriggers.removeFirst()
        }
        copy.extraFirings += 1
        return copy
    }

    /// The schedule positioned at occurrence `due` (which the misfire rules may have moved past the stored one).
    func positioned(at due: Occurrence) -> Schedule {
        due.number == occurrence || due.number < 0 ? self : advanced(to: due, fireAt: fireAt, fired: nil)
    }

    /// The state after firing `due` was delivered or dead-lettered: a triggered firing's (negative number) trigger is
    /// used up; a regular occurrence moves on (see `following`).
    func after(_ due: Occurrence, logger: Logger) -> Schedule? {
        due.number < 0 ? afterTriggeredFiring() : following(due, logger: logger)
    }

    /// Delivery attempts of firing `due` that failed so far.
    func failedAttempts(of due: Occurrence) -> Int {
        due.number < 0 ? pendingTriggers.first?.failedAttempts ?? 0 : failedAttempts
    }

    /// Firing `due` failed an attempt and is tried again at `retryAt`.
    func retried(_ due: Occurrence, at retryAt: Int64, error: String) -> Schedule {
        guard due.number < 0, var trigger = pendingTriggers.first else { return retried(at: retryAt, error: error) }
        var copy = self
        trigger.failedAttempts += 1
        trigger.dueAt = retryAt
        copy.pendingTriggers[0] = trigger
        copy.lastError = error
        return copy
    }

    /// Firing `due` waits until `retryAt` without counting an attempt (its host's circuit breaker is open).
    func deferred(_ due: Occurrence, to retryAt: Int64, reason: String) -> Schedule {
        guard due.number < 0, !pendingTriggers.isEmpty else { return deferred(to: retryAt, reason: reason) }
        var copy = self
        copy.pendingTriggers[0].dueAt = retryAt
        copy.lastError = reason
        return copy
    }
}
