import Foundation
import KafkaClient
import KairosWire
import ScheduleModel

/// `kairosctl get`: one schedule's full state from the changelog and its recent lifecycle events.
public struct ScheduleInspection: Sendable {
    /// How far back the events topic is searched: at most this many records per partition before its end. Events
    /// older than that (on a busy topic) are not shown; the schedule's state comes from the changelog regardless.
    public static let eventScanDepth: Int64 = 100_000

    /// The schedule id.
    public var id: String
    /// How many of its latest events to show (0: none, and the events topic is not read).
    public var eventCount: Int

    /// An inspection of `id` showing its last `eventCount` events.
    public init(id: String, eventCount: Int = 10) {
        self.id = id
        self.eventCount = eventCount
    }

    /// Reads the changelog (all of it) and the end of the events topic.
    public func run(on connection: KairosConnection) throws(ControlError) -> ScheduleDetails {
        guard eventCount >= 0 else { throw .usage("--events must be 0 or more") }
        let metadata = try connection.metadata()
        let changelog = try connection.partitions(of: connection.topics.changelog, in: metadata)
        var found: (schedule: Schedule, position: TopicPartitionOffset)?
        var unreadable: String?
        try ChangelogScan(connection: connection).scan(partitions: changelog) { recordID, position, state in
            guard recordID == id else { return }
            switch state {
            case .live(let schedule):
                found = (schedule, position)
                unreadable = nil
            case .gone:
                found = nil
                unreadable = nil
            case .unreadable(let reason):
                found = nil
                unreadable = reason
            }
        }
        if let unreadable {
            throw .failure("the changelog state of \(id) cannot be decoded: \(unreadable)")
        }
        guard let found else {
            throw .failure(
                "no live schedule with id '\(id)' in \(connection.topics.changelog): it never existed, has finished, "
                    + "was cancelled, or its command was rejected (see `kairosctl dlq list --id-prefix`)")
        }
        var events: [EventView] = []
        if eventCount > 0, metadata.topics.contains(where: { $0.name == connection.topics.events }) {
            events = try recentEvents(on: connection, in: metadata)
        }
        return ScheduleDetails(
            found.schedule, partition: found.position.topicPartition.partition, changelogOffset: found.position.offset,
            events: events)
    }

    private func recentEvents(on connection: KairosConnection, in metadata: KafkaMetadata) throws(ControlError)
        -> [EventView]
    {
        let topic = connection.topics.events
        let key = Array(id.utf8)
        // All events of one id share a partition (they are keyed by it), so scan order is their order.
        var latest: [EventView] = []
        try PartitionScanner(connection: connection).scan(
            topic: topic, partitions: try connection.partitions(of: topic, in: metadata),
            from: { _, low, high in max(low, high - Self.eventScanDepth) }
        ) { record in
            guard record.key == key, let value = record.value else { return }
            latest.append(
                (try? EventView(EventRecord(decoding: value)))
                    ?? EventView(unreadable: String(decoding: value, as: UTF8.self), id: id))
            if latest.count > eventCount * 2 {
                latest.removeFirst(latest.count - eventCount)
            }
        }
        return Array(latest.suffix(eventCount))
    }
}

/// A lifecycle event from the events topic.
public struct EventView: Codable, Sendable, Hashable {
    /// `scheduled`, `replaced`, `cancelled`, `fired`, `retrying`, `dead-lettered` or `rejected`.
    public var type: String
    /// The schedule id.
    public var id: String
    /// The occurrence it concerns, if any.
    public var occurrence: Int64?
    /// The nominal instant of that occurrence, epoch milliseconds.
    public var scheduledFor: Int64?
    /// When it happened, epoch milliseconds.
    public var at: Int64
    /// The commands partition of the schedule.
    public var partition: Int32?
    /// More about it (a reason, the next attempt, ...).
    public var detail: String?

    init(_ event: EventRecord) {
        type = event.kind.rawValue
        id = event.id
        occurrence = event.occurrence
        scheduledFor = event.scheduledFor
        at = event.at
        partition = event.partition >= 0 ? event.partition : nil
        detail = event.detail
    }

    init(unreadable text: String, id: String) {
        type = "unreadable"
        self.id = id
        at = 0
        detail = text
    }
}

/// Everything Kairos keeps about one schedule, as `kairosctl get` shows it.
public struct ScheduleDetails: ControlReport {
    /// The schedule id.
    public var id: String
    /// Its changelog (and commands) partition.
    public var partition: Int32
    /// The offset of its latest changelog record.
    public var changelogOffset: Int64
    /// The offset of the command that created or last replaced it, in the commands partition.
    public var sourceOffset: Int64
    /// Where it fires to.
    public var target: TargetView
    /// Key of the fired record as text (nil: the schedule id, or not UTF-8; see `targetKeyHex`).
    public var targetKey: String?
    /// Key of the fired record in hexadecimal, when it is not UTF-8.
    public var targetKeyHex: String?
    /// Explicit partition of the fired record.
    public var targetPartition: Int32?
    /// Payload size in bytes.
    public var payloadBytes: Int
    /// The payload's start, printable (text, or `hex:` bytes).
    public var payloadPreview: String
    /// Headers copied to the fired record.
    public var headers: [HeaderView]
    /// The nominal instant of the next firing, epoch milliseconds.
    public var scheduledFor: Int64
    /// When the next firing is due (with its flexible-window offset), epoch milliseconds.
    public var fireAt: Int64
    /// The number of the next firing.
    public var occurrence: Int64
    /// How it repeats; nil for a one-shot.
    public var recurrence: RecurrenceView?
    /// Width of the flexible window, milliseconds.
    public var windowMillis: Int64?
    /// The last occurrence fired (recurring schedules).
    public var previousOccurrence: Int64?
    /// When the last fired occurrence was due, epoch milliseconds.
    public var previousScheduledFor: Int64?
    /// Failed delivery attempts of the next firing so far.
    public var failedAttempts: Int
    /// Attempts before dead-lettering (HTTP targets).
    public var retryMax: Int?
    /// First retry delay, milliseconds (HTTP targets).
    public var retryBackoffMillis: Int64?
    /// Why the last attempt failed, while retrying.
    public var lastError: String?
    /// The latest lifecycle events, oldest first.
    public var events: [EventView]

    init(_ schedule: Schedule, partition: Int32, changelogOffset: Int64, events: [EventView]) {
        id = schedule.id
        self.partition = partition
        self.changelogOffset = changelogOffset
        sourceOffset = schedule.sourceOffset
        target = TargetView(schedule.target)
        targetKey = PrintableBytes.text(schedule.targetKey)
        targetKeyHex = schedule.targetKey.flatMap { PrintableBytes.text($0) == nil ? PrintableBytes.hex($0) : nil }
        targetPartition = schedule.targetPartition
        payloadBytes = schedule.payload.count
        payloadPreview = PrintableBytes.preview(schedule.payload)
        headers = schedule.headers.map { HeaderView(name: $0.name, value: $0.value) }
        scheduledFor = schedule.scheduledFor
        fireAt = schedule.fireAt
        occurrence = schedule.occurrence
        recurrence = schedule.recurrence.map(RecurrenceView.init)
        windowMillis = schedule.windowMillis
        previousOccurrence = schedule.previous?.number
        previousScheduledFor = schedule.previous?.instant
        failedAttempts = schedule.failedAttempts
        retryMax = schedule.retryMax
        retryBackoffMillis = schedule.retryBackoffMillis
        lastError = schedule.lastError
        self.events = events
    }

    public var text: String {
        var fields: [(String, String)] = [
            ("id", id),
            ("partition", "\(partition) (changelog offset \(changelogOffset), command offset \(sourceOffset))"),
            ("target", target.text),
        ]
        for header in target.headers ?? [] {
            fields.append(("http header", header.text))
        }
        fields.append(("target key", targetKey ?? targetKeyHex.map { "hex:" + $0 } ?? "(the id)"))
        fields.append(("target partition", targetPartition.map(String.init) ?? "(by key)"))
        fields.append(("payload", "\(payloadBytes) bytes: \(payloadPreview)"))
        for header in headers {
            fields.append(("header", header.text))
        }
        fields.append(("next fire", "\(formatInstant(fireAt)) (occurrence \(occurrence))"))
        if fireAt != scheduledFor {
            fields.append(("scheduled for", formatInstant(scheduledFor)))
        }
        fields.append(("recurrence", recurrence?.text ?? "none (one-shot)"))
        if let windowMillis {
            fields.append(("window", ScheduleDuration(milliseconds: windowMillis).description))
        }
        if let previousOccurrence, let previousScheduledFor {
            fields.append(
                ("last fired", "occurrence \(previousOccurrence), due \(formatInstant(previousScheduledFor))"))
        }
        var retry = "\(failedAttempts) failed attempt(s)"
        if let retryMax { retry += " of \(retryMax)" }
        if let retryBackoffMillis { retry += ", backoff \(ScheduleDuration(milliseconds: retryBackoffMillis))" }
        fields.append(("retry", retry))
        if let lastError {
            fields.append(("last error", lastError))
        }
        var text = fieldLines(fields)
        if events.isEmpty {
            text += "\n\nevents: none found (the last \(ScheduleInspection.eventScanDepth) of each events partition)"
        } else {
            var table = TextTable(columns: ["AT", "TYPE", "OCCURRENCE", "SCHEDULED FOR", "DETAIL"])
            table.rows = events.map { event in
                [
                    event.at == 0 ? "-" : formatInstant(event.at), event.type, event.occurrence.map(String.init) ?? "-",
                    event.scheduledFor.map(formatInstant) ?? "-", event.detail ?? "",
                ]
            }
            text += "\n\nevents (latest \(events.count)):\n" + table.rendered
        }
        return text
    }
}
