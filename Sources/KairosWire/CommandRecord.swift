public import KafkaClient
public import ScheduleModel

/// One record read from the `commands` topic, as the decoder needs it.
public struct CommandRecord: Sendable {
    public var key: [UInt8]?
    /// The payload; nil is a tombstone (cancel).
    public var value: [UInt8]?
    public var headers: [ScheduleHeader]
    /// The record's timestamp, epoch milliseconds (the base of `kairos-delay`).
    public var timestamp: Int64
    public var offset: Int64

    public init(key: [UInt8]?, value: [UInt8]?, headers: [ScheduleHeader], timestamp: Int64, offset: Int64) {
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
        self.offset = offset
    }

    /// A record of `commands` as read; `receivedAt` stands in for a missing timestamp.
    public init(_ record: KafkaConsumerRecord, receivedAt: Int64) {
        self.init(
            key: record.key, value: record.value,
            headers: record.headers.map { ScheduleHeader(name: $0.name, value: $0.value) },
            timestamp: record.timestamp ?? receivedAt, offset: record.offset)
    }

    /// The record's key as a schedule id, if it is valid UTF-8.
    public var id: String? {
        key.flatMap { String(validating: $0, as: UTF8.self) }
    }
}

/// What a valid command asks for.
public enum Command: Sendable, Hashable {
    /// Create the schedule, or replace the one with the same id.
    case schedule(Schedule)
    /// Cancel the schedule with this id (a no-op if there is none).
    case cancel(id: String)
}

/// Why a command was rejected: a sentence a person can act on.
public struct CommandRejection: Error, Sendable, Hashable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
