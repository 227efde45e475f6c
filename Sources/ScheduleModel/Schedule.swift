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
    /// Nominal instant of the next firing, epoch milliseconds UTC.
    public var scheduledFor: Int64
    /// Number of the next firing (1 for a one-shot).
    public var occurrence: Int64
    /// Offset of the command that created or last replaced this schedule.
    public var sourceOffset: Int64

    public init(
        id: String, target: ScheduleTarget, targetKey: [UInt8]? = nil, targetPartition: Int32? = nil,
        payload: [UInt8], headers: [ScheduleHeader] = [], scheduledFor: Int64, occurrence: Int64 = 1,
        sourceOffset: Int64
    ) {
        self.id = id
        self.target = target
        self.targetKey = targetKey
        self.targetPartition = targetPartition
        self.payload = payload
        self.headers = headers
        self.scheduledFor = scheduledFor
        self.occurrence = occurrence
        self.sourceOffset = sourceOffset
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
