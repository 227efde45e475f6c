/// One occurrence of a ``Recurrence``: its number (1 for the first occurrence in the
/// window, counting every occurrence whether it fired, was skipped or was missed) and its
/// nominal instant.
public struct Occurrence: Sendable, Hashable, CustomStringConvertible {
    /// 1-based position among all occurrences of the recurrence.
    public let number: Int64
    /// The nominal instant (before any flexible-window offset).
    public let instant: EpochMillis

    /// An occurrence from its parts.
    public init(number: Int64, instant: EpochMillis) {
        self.number = number
        self.instant = instant
    }

    /// `#number@RFC3339`.
    public var description: String { "#\(number)@\(TimestampFormat.format(instant))" }
}
