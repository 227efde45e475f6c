/// The next firing a ``Recurrence`` asks for, as decided by ``Recurrence/nextFiring(lastFired:now:policy:)``.
public struct PlannedFiring: Sendable, Hashable {
    /// The occurrence to fire (its number and nominal instant).
    public let occurrence: Occurrence
    /// When to fire it: its nominal instant, or `now` when it is being fired late.
    public let fireAt: EpochMillis
    /// How many occurrences before it were passed over without firing.
    public let skippedCount: Int64

    /// A plan from its parts.
    public init(occurrence: Occurrence, fireAt: EpochMillis, skippedCount: Int64) {
        self.occurrence = occurrence
        self.fireAt = fireAt
        self.skippedCount = skippedCount
    }

    /// Whether the occurrence is fired after its nominal instant.
    public var isLate: Bool { fireAt > occurrence.instant }
}
