import Foundation
import KafkaClient
import ScheduleModel

/// Where `kairosctl schedule` takes the payload from.
public enum PayloadSource: Sendable, Hashable {
    /// `--payload TEXT`: the UTF-8 bytes of the text.
    case text(String)
    /// `--payload-file PATH`: the file's bytes; `-` is standard input.
    case file(String)
    /// Standard input, read to its end.
    case standardInput
    /// No payload: an empty value (not a cancel).
    case empty

    /// The source the options ask for: `--payload`, else `--payload-file`, else standard input when it is not a
    /// terminal, else empty.
    public static func choose(
        text: String?, file: String?, standardInputIsTerminal: Bool
    ) throws(ControlError) -> PayloadSource {
        switch (text, file) {
        case (.some, .some):
            throw .usage("give the payload with --payload or --payload-file, not both")
        case (let text?, nil):
            return .text(text)
        case (nil, "-"):
            return .standardInput
        case (nil, let path?):
            return .file(path)
        case (nil, nil):
            return standardInputIsTerminal ? .empty : .standardInput
        }
    }

    /// The payload's bytes.
    public func read() throws(ControlError) -> [UInt8] {
        switch self {
        case .text(let text):
            return Array(text.utf8)
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw .usage("cannot read the payload file \(path)")
            }
            return Array(data)
        case .standardInput:
            return Array(FileHandle.standardInput.readDataToEndOfFile())
        case .empty:
            return []
        }
    }
}

/// A schedule to create or replace, as `kairosctl schedule` takes it: each field becomes one `kairos-*` header.
public struct ScheduleRequest: Sendable {
    /// The schedule id (the record key).
    public var id: String
    /// `kairos-target`: a topic, `kafka:TOPIC` or an http(s) URL.
    public var target: String
    /// `kairos-at`: RFC 3339 or epoch milliseconds.
    public var at: String?
    /// `kairos-delay`: a duration after now.
    public var delay: String?
    /// `kairos-cron`.
    public var cron: String?
    /// `kairos-every`.
    public var every: String?
    /// `kairos-tz`.
    public var zone: String?
    /// `kairos-start`.
    public var start: String?
    /// `kairos-end`.
    public var end: String?
    /// `kairos-limit`.
    public var limit: Int64?
    /// `kairos-window`.
    public var window: String?
    /// `kairos-misfire`: `fire` or `skip`.
    public var misfire: String?
    /// `kairos-target-key`.
    public var targetKey: String?
    /// `kairos-target-partition`.
    public var targetPartition: Int32?
    /// `kairos-http-method`.
    public var method: String?
    /// `NAME=VALUE` pairs, each a `kairos-http-header-NAME` (the name is lower-cased, as HTTP names are
    /// case-insensitive and Kairos's headers are lower case).
    public var httpHeaders: [String]
    /// `NAME=VALUE` pairs copied to the fired Kafka record as they are.
    public var passThroughHeaders: [String]
    /// `kairos-retry-max`.
    public var retryMax: Int?
    /// `kairos-retry-backoff`.
    public var retryBackoff: String?
    /// The payload, byte for byte.
    public var payload: [UInt8]

    /// A request to deliver `payload` to `target` now; set the other fields to schedule it.
    public init(id: String, target: String, payload: [UInt8] = []) {
        self.id = id
        self.target = target
        self.payload = payload
        self.httpHeaders = []
        self.passThroughHeaders = []
    }

    /// The flag behind each header, for messages.
    static let flags: [(header: String, flag: String)] = [
        ("kairos-http-header-", "--header"), ("kairos-target-partition", "--partition"),
        ("kairos-target-key", "--key"), ("kairos-target", "--target"), ("kairos-at", "--at"),
        ("kairos-delay", "--in"), ("kairos-cron", "--cron"), ("kairos-every", "--every"), ("kairos-tz", "--tz"),
        ("kairos-start", "--start"), ("kairos-end", "--end"), ("kairos-limit", "--limit"),
        ("kairos-window", "--window"), ("kairos-misfire", "--misfire"), ("kairos-http-method", "--method"),
        ("kairos-retry-max", "--retry-max"), ("kairos-retry-backoff", "--retry-backoff"),
    ]

    /// The command's headers: the `kairos-*` ones in the contract's order, then the pass-through ones.
    func headers() throws(ControlError) -> [KafkaHeader] {
        let timing = [("--at", at), ("--in", delay), ("--cron", cron), ("--every", every)].filter { $0.1 != nil }
        guard timing.count <= 1 else {
            let given = timing.map(\.0).joined(separator: ", ")
            throw .usage("give at most one of --at, --in, --cron and --every (got \(given))")
        }
        let optional: [(String, String?)] = [
            ("kairos-at", at), ("kairos-delay", delay), ("kairos-cron", cron), ("kairos-every", every),
            ("kairos-tz", zone), ("kairos-start", start), ("kairos-end", end), ("kairos-limit", limit.map(String.init)),
            ("kairos-window", window), ("kairos-misfire", misfire), ("kairos-target", target),
            ("kairos-target-key", targetKey), ("kairos-target-partition", targetPartition.map(String.init)),
            ("kairos-http-method", method), ("kairos-retry-max", retryMax.map(String.init)),
            ("kairos-retry-backoff", retryBackoff),
        ]
        var headers = optional.compactMap { name, value in value.map { KafkaHeader(name, $0) } }
        for assignment in httpHeaders {
            guard let header = splitAssignment(assignment), !header.name.isEmpty else {
                throw .usage("--header '\(assignment)' is not NAME=VALUE")
            }
            headers.append(KafkaHeader("kairos-http-header-" + header.name.lowercased(), header.value))
        }
        for assignment in passThroughHeaders {
            guard let header = splitAssignment(assignment), !header.name.isEmpty else {
                throw .usage("--pass-header '\(assignment)' is not NAME=VALUE")
            }
            headers.append(KafkaHeader(header.name, header.value))
        }
        return headers
    }

    /// The schedule Kairos will make of this request when the command has timestamp `timestamp`, or a usage error
    /// with the reason Kairos would reject it for.
    func decoded(timestamp: Int64, topics: KairosTopics) throws(ControlError) -> (Schedule, [KafkaHeader]) {
        let headers = try headers()
        let record = CommandRecord(
            key: Array(id.utf8), value: payload,
            headers: headers.map { ScheduleHeader(name: $0.name, value: $0.value) }, timestamp: timestamp, offset: 0)
        switch CommandDecoder(policy: .permissive(topics: topics)).decode(record) {
        case .success(.schedule(let schedule)):
            return (schedule, headers)
        case .success(.cancel):
            throw .usage("the command would cancel \(id) instead of scheduling it")
        case .failure(let rejection):
            throw .usage("Kairos would reject this command: \(rejection.reason)\(Self.flagHint(for: rejection.reason))")
        }
    }

    /// ` (set by --in)` when the reason names a header that a flag sets.
    static func flagHint(for reason: String) -> String {
        for (header, flag) in flags where reason.contains("'\(header)") {
            return " (set by \(flag))"
        }
        return ""
    }

    /// Validates the request, writes it to the commands topic and waits for the broker's acknowledgement.
    public func submit(on connection: KairosConnection) async throws(ControlError) -> ScheduleReceipt {
        let timestamp = currentMilliseconds()
        let (schedule, headers) = try decoded(timestamp: timestamp, topics: connection.topics)
        let written = try await CommandWriter(connection: connection).write(
            key: Array(id.utf8), value: payload, headers: headers, timestamp: timestamp)
        return ScheduleReceipt(
            id: id, topic: written.topic, partition: written.partition, offset: written.offset,
            firstFire: schedule.scheduledFor, dueAt: schedule.fireAt, occurrence: schedule.occurrence,
            recurrence: schedule.recurrence.map(RecurrenceView.init), target: TargetView(schedule.target).text)
    }
}

extension CommandPolicy {
    /// The policy `kairosctl` checks commands with: every topic but Kairos's own and every host are allowed, and
    /// payloads of any size, so that only what no configuration can allow is refused before producing.
    static func permissive(topics: KairosTopics) -> CommandPolicy {
        CommandPolicy(
            allowedTargets: ["*"], forbiddenTopics: Set(topics.all), maxPayloadBytes: Int.max,
            httpHosts: HostPolicy(patterns: ["*"], allowPrivate: true))
    }
}

/// What `kairosctl schedule` wrote and when it fires.
public struct ScheduleReceipt: ControlReport {
    /// The schedule id.
    public var id: String
    /// The commands topic.
    public var topic: String
    /// The commands partition the command landed on (its state lives in the same changelog partition).
    public var partition: Int32
    /// The command's offset.
    public var offset: Int64
    /// The nominal instant of the first firing, epoch milliseconds.
    public var firstFire: Int64
    /// When the first firing is due (the first fire plus its flexible-window offset), epoch milliseconds.
    public var dueAt: Int64
    /// The number of the first firing (1).
    public var occurrence: Int64
    /// How it repeats; nil for a one-shot.
    public var recurrence: RecurrenceView?
    /// Where it fires to.
    public var target: String

    public var text: String {
        var fields = [
            ("scheduled", id), ("written to", "\(topic) partition \(partition) offset \(offset)"),
            ("target", target), ("first fire", "\(formatInstant(firstFire)) (occurrence \(occurrence))"),
        ]
        if dueAt != firstFire {
            fields.append(("due at", "\(formatInstant(dueAt)) (within the flexible window)"))
        }
        if let recurrence {
            fields.append(("recurrence", recurrence.text))
        }
        return fieldLines(fields)
    }
}

/// A cancel to write for one id.
public struct CancelRequest: Sendable {
    /// The schedule id to cancel.
    public var id: String

    /// A cancel of `id`.
    public init(id: String) {
        self.id = id
    }

    /// Writes the tombstone to the commands topic and waits for the broker's acknowledgement.
    public func submit(on connection: KairosConnection) async throws(ControlError) -> CancelReceipt {
        let record = CommandRecord(key: Array(id.utf8), value: nil, headers: [], timestamp: 0, offset: 0)
        let decoder = CommandDecoder(policy: .permissive(topics: connection.topics))
        if case .failure(let rejection) = decoder.decode(record) {
            throw .usage("Kairos would reject this cancel: \(rejection.reason)")
        }
        let written = try await CommandWriter(connection: connection).write(
            key: Array(id.utf8), value: nil, headers: [], timestamp: currentMilliseconds())
        return CancelReceipt(id: id, topic: written.topic, partition: written.partition, offset: written.offset)
    }
}

/// Where `kairosctl cancel` wrote its tombstone.
public struct CancelReceipt: ControlReport {
    /// The schedule id.
    public var id: String
    /// The commands topic.
    public var topic: String
    /// The partition of the tombstone.
    public var partition: Int32
    /// The tombstone's offset.
    public var offset: Int64

    public var text: String {
        fieldLines([
            ("cancelled", id), ("written to", "\(topic) partition \(partition) offset \(offset)"),
            ("note", "cancelling an id Kairos does not know is a no-op"),
        ])
    }
}

/// Writes records to the commands topic after checking that the cluster answers and the topic exists.
struct CommandWriter {
    let connection: KairosConnection

    func write(
        key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader], timestamp: Int64
    ) async throws(ControlError) -> DeliveryReport {
        let topic = connection.topics.commands
        // Producing to a missing topic could create it with the broker's defaults; refuse instead.
        _ = try connection.partitions(of: topic, in: try connection.metadata())
        let producer = try connection.makeProducer()
        do {
            return try await producer.send(
                KafkaProducerRecord(topic: topic, key: key, value: value, headers: headers, timestamp: timestamp))
        } catch {
            throw .failure("writing to \(topic) on \(connection.bootstrapServers) failed: \(error.message)")
        }
    }
}

/// `name: value` lines with the values aligned.
func fieldLines(_ fields: [(String, String)]) -> String {
    let width = (fields.map(\.0.count).max() ?? 0) + 1
    return fields.map { name, value in
        (name + ":").padding(toLength: width, withPad: " ", startingAt: 0) + " " + value
    }.joined(separator: "\n")
}
