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

    /// A record of `commands` as read; `receivedAt` stands in for a missing timestamp. A command Kairos forwarded
    /// keeps the timestamp it was written with (`kairos-forwarded-timestamp`).
    public init(_ record: KafkaConsumerRecord, receivedAt: Int64) {
        let forwarded = record.headers.last { $0.name == KairosHeader.forwardedTimestamp }?.value
            .flatMap { Int64(String(decoding: $0, as: UTF8.self)) }
        self.init(
            key: record.key, value: record.value,
            headers: record.headers.map { ScheduleHeader(name: $0.name, value: $0.value) },
            timestamp: forwarded ?? record.timestamp ?? receivedAt, offset: record.offset)
    }

    /// Where Kairos forwarded this command from (`kairos-forwarded-from: <partition>@<offset>`), if it did.
    public static func forwardedFrom(_ record: KafkaConsumerRecord) -> (partition: Int32, offset: Int64)? {
        guard let value = record.headers.last(where: { $0.name == KairosHeader.forwardedFrom })?.value else {
            return nil
        }
        let parts = String(decoding: value, as: UTF8.self).split(separator: "@")
        guard parts.count == 2, let partition = Int32(parts[0]), let offset = Int64(parts[1]) else { return nil }
        return (partition, offset)
    }

    /// The copy of `record` (read from `commands` partition `record.partition`) that Kairos writes to its home
    /// partition `home`: the same key, value and headers, the original timestamp kept, and where it came from.
    public static func forwarded(_ record: KafkaConsumerRecord, to home: Int32, receivedAt: Int64) -> KafkaProducerRecord {
        let timestamp = CommandRecord(record, receivedAt: receivedAt).timestamp
        var headers = record.headers.filter { !KairosHeader.forwardingHeaders.contains($0.name) }
        headers.append(KafkaHeader(KairosHeader.forwardedFrom, "\(record.partition)@\(record.offset)"))
        headers.append(KafkaHeader(KairosHeader.forwardedTimestamp, String(timestamp)))
        return KafkaProducerRecord(
            topic: record.topic, partition: home, key: record.key, value: record.value, headers: headers,
            timestamp: timestamp)
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
    /// Stop firing the schedule with this id until it is resumed.
    case pause(id: String)
    /// Fire a paused schedule again.
    case resume(id: String)
    /// Fire the schedule once more, now, leaving it otherwise unchanged.
    case trigger(id: String)

    /// The schedule id the command is for.
    public var id: String {
        switch self {
        case .schedule(let schedule): schedule.id
        case .cancel(let id), .pause(let id), .resume(let id), .trigger(let id): id
        }
    }
}

/// Why a command was rejected: a sentence a person can act on.
public struct CommandRejection: Error, Sendable, Hashable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
