import Foundation
public import KafkaClient

/// A lifecycle event on `events`: one JSON object, keyed by schedule id:
/// `{"type", "id", "occurrence", "scheduledFor", "at", "partition", "detail"}`.
public struct EventRecord: Sendable, Hashable {
    /// What happened. A string on the wire, so that readers keep working when later versions add kinds.
    public struct Kind: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let scheduled = Kind(rawValue: "scheduled")
        public static let replaced = Kind(rawValue: "replaced")
        public static let cancelled = Kind(rawValue: "cancelled")
        public static let fired = Kind(rawValue: "fired")
        public static let retrying = Kind(rawValue: "retrying")
        public static let rejected = Kind(rawValue: "rejected")
        public static let deadLettered = Kind(rawValue: "dead-lettered")
        public static let paused = Kind(rawValue: "paused")
        public static let resumed = Kind(rawValue: "resumed")
        public static let triggered = Kind(rawValue: "triggered")
        /// Occurrences an exclusion (`kairos-exclude`, `kairos-exclude-cron`) skipped; they keep their numbers.
        public static let skipped = Kind(rawValue: "skipped")
        /// A command written to a partition that is not its id's home was forwarded there.
        public static let forwarded = Kind(rawValue: "forwarded")
    }

    public var kind: Kind
    /// The schedule id.
    public var id: String
    /// The occurrence it concerns, if any.
    public var occurrence: Int64?
    /// The nominal instant of that occurrence, epoch milliseconds.
    public var scheduledFor: Int64?
    /// When it happened, epoch milliseconds.
    public var at: Int64
    /// The commands partition of the schedule.
    public var partition: Int32
    /// More about it (a reason, the next attempt, ...).
    public var detail: String?

    public init(
        kind: Kind, id: String, occurrence: Int64?, scheduledFor: Int64?, at: Int64, partition: Int32,
        detail: String? = nil
    ) {
        self.kind = kind
        self.id = id
        self.occurrence = occurrence
        self.scheduledFor = scheduledFor
        self.at = at
        self.partition = partition
        self.detail = detail
    }

    /// The event as a record of `topic`.
    public func record(topic: String) -> KafkaProducerRecord {
        KafkaProducerRecord(topic: topic, key: Array(id.utf8), value: encoded())
    }

    /// The event's JSON. Written as bytes: one event per command and per firing, so this is on the hot path.
    public func encoded() -> [UInt8] {
        var json: [UInt8] = []
        json.reserveCapacity(120 + id.utf8.count + (detail?.utf8.count ?? 0))
        json.append(contentsOf: #"{"type":"#.utf8)
        JSONText.appendQuoted(kind.rawValue, to: &json)
        json.append(contentsOf: #","id":"#.utf8)
        JSONText.appendQuoted(id, to: &json)
        json.append(contentsOf: #","occurrence":"#.utf8)
        JSONText.appendNumber(occurrence, to: &json)
        json.append(contentsOf: #","scheduledFor":"#.utf8)
        JSONText.appendNumber(scheduledFor, to: &json)
        json.append(contentsOf: #","at":"#.utf8)
        JSONText.appendNumber(at, to: &json)
        json.append(contentsOf: #","partition":"#.utf8)
        JSONText.appendNumber(Int64(partition), to: &json)
        json.append(contentsOf: #","detail":"#.utf8)
        if let detail {
            JSONText.appendQuoted(detail, to: &json)
        } else {
            json.append(contentsOf: "null".utf8)
        }
        json.append(UInt8(ascii: "}"))
        return json
    }

    /// Reads an event's JSON; throws when it is not an event.
    public init(decoding json: [UInt8]) throws {
        let wire = try JSONDecoder().decode(Wire.self, from: Data(json))
        self.init(
            kind: Kind(rawValue: wire.type), id: wire.id, occurrence: wire.occurrence, scheduledFor: wire.scheduledFor,
            at: wire.at, partition: wire.partition ?? -1, detail: wire.detail)
    }

    private struct Wire: Decodable {
        var type: String
        var id: String
        var occurrence: Int64?
        var scheduledFor: Int64?
        var at: Int64
        var partition: Int32?
        var detail: String?
    }
}
