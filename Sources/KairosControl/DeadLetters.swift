import Foundation
import KafkaClient
public import KairosWire
import ScheduleModel
import Synchronization

/// Which dead letters `kairosctl dlq list` and `dlq replay` work on.
public struct DeadLetterFilter: Sendable {
    /// `rejected` (a command Kairos refused) or `delivery-failed` (a firing that gave up).
    public typealias Kind = DeadLetterRecord.Kind

    /// Only dead letters of this kind.
    public var kind: Kind?
    /// Only keys (schedule ids) starting with this text.
    public var idPrefix: String?
    /// Only this partition of the dlq topic.
    public var partition: Int32?
    /// Only dead letters at or after this offset of their dlq partition.
    public var offsetFrom: Int64?

    /// A filter; nil fields do not filter.
    public init(kind: Kind? = nil, idPrefix: String? = nil, partition: Int32? = nil, offsetFrom: Int64? = nil) {
        self.kind = kind
        self.idPrefix = idPrefix
        self.partition = partition
        self.offsetFrom = offsetFrom
    }

    func matches(_ record: KafkaConsumerRecord) -> Bool {
        if let offsetFrom, record.offset < offsetFrom { return false }
        if let kind, DeadLetterRecord(record).kind != kind { return false }
        if let idPrefix {
            guard let key = record.key, key.starts(with: Array(idPrefix.utf8)) else { return false }
        }
        return true
    }

    /// The dlq partitions to read.
    func partitions(on connection: KairosConnection) throws(ControlError) -> [Int32] {
        let topic = connection.topics.deadLetters
        let all = try connection.partitions(of: topic, in: try connection.metadata())
        guard let partition else { return all }
        guard all.contains(partition) else {
            throw .usage("--partition \(partition): \(topic) has partitions 0...\(all.max() ?? 0)")
        }
        return [partition]
    }
}

/// `kairosctl dlq list`: the latest dead letters with why they are there.
public struct DeadLetterListing: Sendable {
    /// Which dead letters.
    public var filter: DeadLetterFilter
    /// Show at most this many: the most recent ones.
    public var limit: Int

    /// A listing of the latest `limit` dead letters matching `filter`.
    public init(filter: DeadLetterFilter, limit: Int = 50) {
        self.filter = filter
        self.limit = limit
    }

    /// Reads the dlq topic to its end.
    public func run(on connection: KairosConnection) throws(ControlError) -> DeadLetterList {
        guard limit >= 1 else { throw .usage("--limit must be 1 or more") }
        // The latest `limit` of each partition hold the latest `limit` overall; nothing else is kept.
        var latest: [Int32: [DeadLetterView]] = [:]
        var matching = 0
        try PartitionScanner(connection: connection).scan(
            topic: connection.topics.deadLetters, partitions: try filter.partitions(on: connection)
        ) { record in
            guard filter.matches(record) else { return }
            matching += 1
            latest[record.partition, default: []].append(DeadLetterView(record))
            if latest[record.partition, default: []].count > limit {
                latest[record.partition]?.removeFirst()
            }
        }
        let letters = latest.values.joined().sorted {
            ($0.timestamp, $0.partition, $0.offset) < ($1.timestamp, $1.partition, $1.offset)
        }
        return DeadLetterList(deadLetters: Array(letters.suffix(limit)), matching: matching)
    }
}

/// One dead letter as `dlq list` shows it.
public struct DeadLetterView: Encodable, Sendable, Hashable {
    /// Its dlq partition.
    public var partition: Int32
    /// Its offset in that partition (for `dlq replay --offset-from`).
    public var offset: Int64
    /// The record key (the schedule id) as text; nil when there is none.
    public var key: String?
    /// `rejected` or `delivery-failed`.
    public var kind: String
    /// Why (`kairos-error`).
    public var error: String
    /// Where a rejected command was: `kairos-source-topic`, `-partition` and `-offset`.
    public var source: String?
    /// The nominal instant of a firing that failed (`kairos-scheduled-for`), epoch milliseconds.
    public var scheduledFor: Int64?
    /// The occurrence of a firing that failed.
    public var occurrence: Int64?
    /// When it was dead-lettered, epoch milliseconds.
    public var timestamp: Int64
    /// The payload size in bytes; nil for a null value.
    public var valueBytes: Int?

    init(_ record: KafkaConsumerRecord) {
        let letter = DeadLetterRecord(record)
        partition = record.partition
        offset = record.offset
        key = record.key.map { String(decoding: $0, as: UTF8.self) }
        kind = letter.kind?.rawValue ?? "unknown"
        error = letter.error
        source = letter.source.map { "\($0.topicPartition.topic)[\($0.topicPartition.partition)]@\($0.offset)" }
        scheduledFor = letter.scheduledFor
        occurrence = letter.occurrence
        timestamp = record.timestamp ?? 0
        valueBytes = record.value?.count
    }

    /// The source of a rejected command, or the due time of a failed firing.
    var origin: String {
        if let source { return source }
        if let scheduledFor {
            return "scheduled for \(formatInstant(scheduledFor))" + (occurrence.map { " (occurrence \($0))" } ?? "")
        }
        return "-"
    }
}

/// The result of `dlq list`.
public struct DeadLetterList: ControlReport {
    /// The most recent matching dead letters, oldest first.
    public var deadLetters: [DeadLetterView]
    /// How many dead letters match in all.
    public var matching: Int

    public var text: String {
        var table = TextTable(columns: ["PARTITION", "OFFSET", "KEY", "KIND", "TIME", "ORIGIN", "ERROR"])
        table.rows = deadLetters.map {
            [
                "\($0.partition)", "\($0.offset)", $0.key ?? "<no key>", $0.kind, formatInstant($0.timestamp),
                $0.origin,
                $0.error,
            ]
        }
        var lines = deadLetters.isEmpty ? [] : [table.rendered]
        lines.append("\(deadLetters.count) shown (the most recent) of \(matching) matching dead letter(s)")
        return lines.joined(separator: "\n")
    }
}

/// `kairosctl dlq replay`: writes dead letters back to the commands topic as the commands they were, after checking
/// each with the scheduler's decoder.
public struct DeadLetterReplay: Sendable {
    /// Which dead letters.
    public var filter: DeadLetterFilter
    /// Only report what would be replayed.
    public var dryRun: Bool
    /// Replay even the ones Kairos would reject again.
    public var force: Bool

    /// A replay of the dead letters matching `filter`.
    public init(filter: DeadLetterFilter, dryRun: Bool = false, force: Bool = false) {
        self.filter = filter
        self.dryRun = dryRun
        self.force = force
    }

    /// Queues `record`; a failure to queue or deliver it is noted in `failures` under `reference`.
    private static func write(
        _ record: KafkaProducerRecord, with producer: KafkaProducer, reference: String, failures: WriteFailures
    ) {
        do {
            try producer.produce(record) { result in
                if case .failure(let error) = result {
                    failures.record(reference, error.message)
                }
            }
        } catch {
            failures.record(reference, error.message)
        }
    }

    /// Reads the dlq topic to its end and replays what matches.
    public func run(on connection: KairosConnection) async throws(ControlError) -> ReplayReport {
        let decoder = CommandDecoder(policy: .permissive(topics: connection.topics))
        let partitions = try filter.partitions(on: connection)
        let producer = dryRun ? nil : try connection.makeProducer()
        // Written to each id's home partition, as Kairos reads them.
        let home = dryRun
            ? nil
            : HomePartition(
                rule: connection.partitioner,
                partitions: Int32(try connection.partitions(of: connection.topics.commands, in: try connection.metadata()).count))
        let failures = WriteFailures()
        var outcomes: [ReplayOutcome] = []
        let scanner = PartitionScanner(connection: connection)
        try scanner.scan(topic: connection.topics.deadLetters, partitions: partitions) { record in
            guard filter.matches(record) else { return }
            let command = DeadLetterRecord(record).command
            let timestamp = currentMilliseconds()
            let decoded = decoder.decode(
                CommandRecord(
                    key: command.key, value: command.value,
                    headers: command.headers.map { ScheduleHeader(name: $0.name, value: $0.value) },
                    timestamp: timestamp, offset: 0))
            var outcome = ReplayOutcome(record: record)
            if case .failure(let rejection) = decoded {
                outcome.rejection = rejection.reason
            }
            if outcome.rejection == nil || force {
                outcome.replayed = !dryRun
                if let producer {
                    Self.write(
                        KafkaProducerRecord(
                            topic: connection.topics.commands, partition: home?.of(key: command.key ?? []),
                            key: command.key, value: command.value, headers: command.headers, timestamp: timestamp),
                        with: producer, reference: outcome.reference, failures: failures)
                }
            }
            outcomes.append(outcome)
        }
        if let producer {
            do {
                try producer.flush(timeoutMilliseconds: 60_000)
            } catch {
                throw .failure(
                    "replayed commands were not all acknowledged by \(connection.bootstrapServers): \(error.message)")
            }
        }
        let failed = failures.all
        for index in outcomes.indices {
            if let error = failed[outcomes[index].reference] {
                outcomes[index].replayed = false
                outcomes[index].writeError = error
            }
        }
        return ReplayReport(
            outcomes: outcomes, dryRun: dryRun, force: force, commandsTopic: connection.topics.commands)
    }
}

/// Delivery failures of replayed commands, reported from the producer's delivery thread.
private final class WriteFailures: Sendable {
    private let failures = Mutex<[String: String]>([:])

    func record(_ reference: String, _ message: String) {
        failures.withLock { $0[reference] = message }
    }

    var all: [String: String] { failures.withLock { $0 } }
}

/// What happened to one dead letter in a replay.
public struct ReplayOutcome: Encodable, Sendable, Hashable {
    /// Its dlq partition.
    public var partition: Int32
    /// Its offset.
    public var offset: Int64
    /// The key (schedule id) as text.
    public var key: String?
    /// `rejected` or `delivery-failed`.
    public var kind: String
    /// Why Kairos would reject the command again, if it would.
    public var rejection: String?
    /// Whether it was written to the commands topic.
    public var replayed: Bool
    /// Why writing it failed, if it did.
    public var writeError: String?

    init(record: KafkaConsumerRecord) {
        partition = record.partition
        offset = record.offset
        key = record.key.map { String(decoding: $0, as: UTF8.self) }
        kind = DeadLetterRecord(record).kind?.rawValue ?? "unknown"
        replayed = false
    }

    var reference: String { "\(partition)@\(offset)" }
}

/// The result of `dlq replay`.
public struct ReplayReport: ControlReport {
    /// One entry per matching dead letter, in dlq order per partition.
    public var outcomes: [ReplayOutcome]
    /// Nothing was written.
    public var dryRun: Bool
    /// Commands Kairos would reject again were replayed too.
    public var force: Bool
    /// Where the commands went.
    public var commandsTopic: String
    /// How many were written.
    public var replayed: Int { outcomes.filter(\.replayed).count }

    public var exitStatus: Int32 { outcomes.contains { $0.writeError != nil } ? 1 : 0 }

    private enum CodingKeys: String, CodingKey {
        case outcomes, dryRun, force, commandsTopic, replayed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(outcomes, forKey: .outcomes)
        try container.encode(dryRun, forKey: .dryRun)
        try container.encode(force, forKey: .force)
        try container.encode(commandsTopic, forKey: .commandsTopic)
        try container.encode(replayed, forKey: .replayed)
    }

    public var text: String {
        var lines: [String] = []
        for outcome in outcomes {
            let name = "\(outcome.key ?? "<no key>") (dlq partition \(outcome.partition) offset \(outcome.offset))"
            if let error = outcome.writeError {
                lines.append("failed \(name): \(error)")
            } else if let rejection = outcome.rejection {
                let verb = outcome.replayed ? "forced" : dryRun ? (force ? "would force" : "would skip") : "skipped"
                lines.append("\(verb) \(name): Kairos would reject it again: \(rejection)")
            } else {
                lines.append("\(dryRun ? "would replay" : "replayed") \(name)")
            }
        }
        let wouldReject = outcomes.filter { $0.rejection != nil }.count
        if dryRun {
            let candidates = force ? outcomes.count : outcomes.filter { $0.rejection == nil }.count
            lines.append(
                "dry run: \(candidates) of \(outcomes.count) matching dead letter(s) would be replayed to "
                    + "\(commandsTopic); \(wouldReject) would be rejected again")
        } else {
            lines.append(
                "replayed \(replayed) of \(outcomes.count) matching dead letter(s) to \(commandsTopic); "
                    + "\(wouldReject) would be rejected again"
                    + (outcomes.contains { $0.rejection != nil && !$0.replayed }
                        ? " (skipped; --force replays them)" : ""))
        }
        return lines.joined(separator: "\n")
    }
}
