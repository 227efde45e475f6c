/// How a ``Recurrence`` repeats: a cron expression (`kairos-cron`) or a fixed step
/// (`kairos-every`).
public enum RecurrencePattern: Sendable, Hashable {
    /// Fires at the wall-clock readings matching the expression.
    case cron(CronExpression)
    /// Fires every `step` from the anchor.
    case every(ScheduleDuration)
}
