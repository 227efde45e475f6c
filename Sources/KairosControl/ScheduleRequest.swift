import Foundation
import KafkaClient
import KairosWire
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
    /// `kairos-cron-dialect`: `unix` or `quartz`.
    public var cronDialect: String?
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
    /// `kairos-exclude`.
    public var exclude: String?
    /// `kairos-exclude-cron`.
    public var excludeCron: String?
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
        (KairosHeader.httpHeaderPrefix, "--header"), (KairosHeader.targetPartition, "--partition"),
        (KairosHeader.targetKey, "--key"), (KairosHeader.target, "--target"), (KairosHeader.at, "--at"),
        (KairosHeader.delay, "--in"), (KairosHeader.cronDialect, "--cron-dialect"), (KairosHeader.cron, "--cron"), (KairosHeader.every, "--every"),
        (KairosHeader.zone, "--tz"), (KairosHeader.start, "--start"), (KairosHeader.end, "--end"),
        (KairosHeader.limit, "--limit"), (KairosHeader.window, "--window"), (KairosHeader.misfire, "--misfire"),
        (KairosHeader.excludeCron, "--exclude-cron"), (KairosHeader.exclude, "--exclude"),
        (KairosHeader.httpMethod, "--method"), (KairosHeader.retryMax, "--retry-max"),
        (KairosHeader.retryBackoff, "--retry-backoff"),
    ]

    /// The command this request writes; a usage error when its options contradict each other.
    func command() throws(ControlError) -> ScheduleCommand {
        let timing = [("--at", at), ("--in", delay), ("--cron", cron), ("--every", every)].filter { $0.1 != nil }
        guard timing.count <= 1 else {
            let given = timing.map(\.0).joined(separator: ", ")
            throw .usage("give at most one of --at, --in, --cron and --every (got \(given))")
        }
        var when = ScheduleCommand.When.now
        if let at { when = .at(at) }
        if let delay { when = .delay(delay) }
        if let cron { when = .cron(cron) }
        if let every { when = .every(every) }
        var command = ScheduleCommand(id: id, target: target, when: when, payload: payload)
        command.cronDialect = cronDialect
        command.zone = zone
        command.start = start
        command.end = end
        command.limit = limit
        command.window = window
        command.misfire = misfire
        command.exclude = exclude
        command.excludeCron = excludeCron
        command.targetKey = targetKey.map { Array($0.utf8) }
        command.targetPartition = targetPartition
        command.httpMethod = method
        command.retryMax = retryMax
        command.retryBackoff = retryBackoff
        for assignment in httpHeaders {
            guard let header = splitAssignment(assignment), !header.name.isEmpty else {
                throw .usage("--header '\(assignment)' is not NAME=VALUE")
            }
            command.httpHeaders.append(ScheduleHeader(name: header.name, value: Array(header.value.utf8)))
        }
        for assignment in passThroughHeaders {
            guard let header = splitAssignment(assignment), !header.name.isEmpty else {
                throw .usage("--pass-header '\(assignment)' is not NAME=VALUE")
            }
            command.passThroughHeaders.append(ScheduleHeader(name: header.name, value: Array(header.value.utf8)))
        }
        return command
    }

    /// The schedule Kairos will make of this request when the command has timestamp `timestamp`, or a usage error
    /// with the reason Kairos would reject it for.
    func decoded(timestamp: Int64, topics: KairosTopics) throws(ControlError) -> (Schedule, ScheduleCommand) {
        let command = try command()
        switch command.validated(timestamp: timestamp, policy: .permissive(topics: topics)) {
        case .success(let schedule):
            return (schedule, command)
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
        let (schedule, command) = try decoded(timestamp: timestamp, topics: connection.topics)
        let written = try await CommandWriter(connection: connection).write(
            command.record(topic: connection.topics.commands, timestamp: timestamp))
        return ScheduleReceipt(
            id: id, topic: written.topic, partition: written.partition, offset: written.offset,
            firstFire: schedule.scheduledFor, dueAt: schedule.fireAt, occurrence: schedule.occurrence,
            recurrence: schedule.recurrence.map(RecurrenceView.init), target: TargetView(schedule.target).text)
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
            ScheduleCancellation(id: id).record(topic: connection.topics.commands, timestamp: currentMilliseconds()))
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

/// A pause, resume or trigger to write for one id.
public struct ActionRequest: Sendable {
    public var id: String
    /// `pause`, `resume` or `trigger`.
    public var action: String

    public init(id: String, action: String) {
        self.id = id
        self.action = action
    }

    /// Writes the command to the commands topic and waits for the broker's acknowledgement.
    public func submit(on connection: KairosConnection) async throws(ControlError) -> ActionReceipt {
        guard let kind = ScheduleAction.Kind(rawValue: action) else {
            throw .usage("'\(action)' is not one of pause, resume, trigger")
        }
        let record = ScheduleAction(id: id, kind: kind).record(
            topic: connection.topics.commands, timestamp: currentMilliseconds())
        let check = CommandRecord(
            key: record.key, value: record.value,
            headers: record.headers.map { ScheduleHeader(name: $0.name, value: $0.value) }, timestamp: 0, offset: 0)
        if case .failure(let rejection) = CommandDecoder(policy: .permissive(topics: connection.topics)).decode(check) {
            throw .usage("Kairos would reject this \(action): \(rejection.reason)")
        }
        let written = try await CommandWriter(connection: connection).write(record)
        return ActionReceipt(
            id: id, action: action, topic: written.topic, partition: written.partition, offset: written.offset)
    }
}

/// Where `kairosctl pause|resume|trigger` wrote its command.
public struct ActionReceipt: ControlReport {
    public var id: String
    /// `pause`, `resume` or `trigger`.
    public var action: String
    /// The commands topic.
    public var topic: String
    public var partition: Int32
    public var offset: Int64

    public var text: String {
        let note =
            switch ScheduleAction.Kind(rawValue: action) {
            case .pause: "no firing until resumed; the events topic says `paused` once applied"
            case .resume: "occurrences that fell due while paused are skipped; the events topic says `resumed`"
            case .trigger: "one extra firing now, numbered -1, -2, ...; the schedule itself is unchanged"
            case nil: ""
            }
        return fieldLines([
            (action, id), ("written to", "\(topic) partition \(partition) offset \(offset)"), ("note", note),
        ])
    }
}

/// Writes records to the commands topic, to their id's home partition, after checking that the cluster answers and
/// the topic exists.
struct CommandWriter {
    let connection: KairosConnection

    func write(_ record: KafkaProducerRecord) async throws(ControlError) -> DeliveryReport {
        let topic = record.topic
        // Producing to a missing topic could create it with the broker's defaults; refuse instead.
        let partitions = try connection.partitions(of: topic, in: try connection.metadata())
        var record = record
        // Written where Kairos reads the id's commands, so nothing is forwarded and the order with others holds.
        record.partition = HomePartition(rule: connection.partitioner, partitions: Int32(partitions.count))
            .of(key: record.key ?? [])
        let producer = try connection.makeProducer()
        do {
            return try await producer.send(record)
        } catch {
            throw .failure("writing to \(topic) on \(connection.bootstrapServers) failed: \(error.message)")
        }
    }

    /// Writes `records` (all to one topic) in order, each to its id's home partition, through one producer; returns
    /// where each landed.
    func write(_ records: [KafkaProducerRecord]) async throws(ControlError) -> [DeliveryReport] {
        guard let topic = records.first?.topic else { return [] }
        let home = HomePartition(
            rule: connection.partitioner,
            partitions: Int32(try connection.partitions(of: topic, in: try connection.metadata()).count))
        let producer = try connection.makeProducer()
        var reports: [DeliveryReport] = []
        for var record in records {
            record.partition = home.of(key: record.key ?? [])
            do {
                reports.append(try await producer.send(record))
            } catch {
                throw .failure("writing to \(topic) on \(connection.bootstrapServers) failed: \(error.message)")
            }
        }
        return reports
    }
}

/// `name: value` lines with the values aligned.
func fieldLines(_ fields: [(String, String)]) -> String {
    let width = (fields.map(\.0.count).max() ?? 0) + 1
    return fields.map { name, value in
        (name + ":").padding(toLength: width, withPad: " ", startingAt: 0) + " " + value
    }.joined(separator: "\n")
}
