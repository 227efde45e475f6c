/// A header value (duration, timestamp, interval, time zone or recurrence setting) that
/// could not be accepted. `message` is one sentence naming the value and what was wrong.
public struct ScheduleValueError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A full sentence saying which value was refused and why.
    public let message: String

    /// An error carrying `message` verbatim.
    public init(_ message: String) {
        self.message = message
    }

    /// The same as ``message``.
    public var description: String { message }
}
