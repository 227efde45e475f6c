/// Where a firing goes.
public enum ScheduleTarget: Sendable, Hashable {
    /// A Kafka topic.
    case kafka(topic: String)
}

/// A schedule as the scheduler keeps it: what to deliver, where, and when it fires next.
public struct Schedule: Sendable, Hashable {
    /// The schedule id (the command's key), 1-256 bytes of UTF-8.
    public var id: String
    public var target: ScheduleTarget
    /// Key of the fired record; nil means the schedule id.
    public var targetKey: [UInt8]?
    /// Explicit partition of the fired record.
    public var targetPartition: Int32?
    /// The payload, byte for byte.
    public var payload: [UInt8]
    /// Headers copied to the fired record, in order (those not named `kairos-*`).
    public var headers: [ScheduleHeader]
    /// Nominal instant of the next firing, epoch milliseconds UTC (`kairos-scheduled-for`).
    public var scheduledFor: Int64
    /// Number of the next firing (1 for a one-shot).
    public var occurrence: Int64
    /// When the next firing is due: `scheduledFor` plus its flexible-window offset.
    public var fireAt: Int64
    /// Offset of the command that created or last replaced this schedule.
    public var sourceOffset: Int64
    /// How a recurring schedule repeats; nil for a one-shot.
    public var recurrence: RecurrenceSpec?
    /// Width of the flexible window (`kairos-window`) in milliseconds, if any.
    public var windowMillis: Int64?
    /// The last occurrence fired (recurring schedules).
    public var previous: Occurrence?

    public init(
        id: String, target: ScheduleTarget, targetKey: [UInt8]? = nil, targetPartition: Int32? = nil,
        payload: [UInt8], headers: [ScheduleHeader] = [], scheduledFor: Int64, occurrence: Int64 = 1,
        fireAt: Int64? = nil, sourceOffset: Int64, recurrence: RecurrenceSpec? = nil, windowMillis: Int64? = nil,
        previous: Occurrence? = nil
    ) {
        self.id = id
        self.target = target
        self.targetKey = targetKey
        self.targetPartition = targetPartition
        self.payload = payload
        self.headers = headers
        self.scheduledFor = scheduledFor
        self.occurrence = occurrence
        self.fireAt = fireAt ?? scheduledFor
        self.sourceOffset = sourceOffset
        self.recurrence = recurrence
        self.windowMillis = windowMillis
        self.previous = previous
    }

    /// When occurrence `occurrence` at `instant` is due: the instant plus the schedule's flexible-window offset,
    /// derived from (id, occurrence) so it is the same after any restore.
    public func dueTime(of occurrence: Occurrence) -> Int64 {
        guard let windowMillis, windowMillis > 0, let window = try? FlexibleWindow(widthMillis: windowMillis) else {
            return occurrence.instant
        }
        return occurrence.instant + window.offset(scheduleID: id, occurrenceNumber: occurrence.number)
    }

    /// This schedule moved on to `next`, after firing `fired` (nil when nothing was fired).
    public func advanced(to next: Occurrence, fireAt: Int64, fired: Occurrence?) -> Schedule {
        var copy = self
        copy.occurrence = next.number
        copy.scheduledFor = next.instant
        copy.fireAt = fireAt
        copy.previous = fired ?? previous
        return copy
    }
}

/// A record header; a nil value is a null header.
public struct ScheduleHeader: Sendable, Hashable {
    public var name: String
    public var value: [UInt8]?

    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }
}
