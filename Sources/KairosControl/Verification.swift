import Foundation
import KafkaClient
import KairosWire
import ScheduleModel

/// `kairosctl verify`: a self-test of a running installation. It schedules one-shot and recurring firings under a
/// fresh id prefix, reads the target topic back as a read_committed consumer would, and reports the firings that are
/// missing, doubled, early or unexpected, with lateness percentiles. `chaosCommand`, when given, runs halfway through
/// (a restart or a kill of an instance) to check that a failure loses or doubles nothing.
public struct Verification: Sendable {
    /// The topic the firings go to; it must be allowed by the instances' `KAIROS_ALLOWED_TARGETS`.
    public var target: String
    /// One-shots (`kairos-at`), spread evenly over `spreadMilliseconds`.
    public var oneShots = 100
    /// Recurring schedules (`kairos-every` 1 s), each with `occurrences` firings.
    public var recurring = 5
    public var occurrences = 5
    /// The one-shots fall due over this span, starting `leadMilliseconds` after they are written.
    public var spreadMilliseconds: Int64 = 10_000
    public var leadMilliseconds: Int64 = 2_000
    /// How long after the last due time a firing may still arrive before it counts as missing.
    public var graceMilliseconds: Int64 = 30_000
    /// How long the read goes on once everything arrived, to see duplicates.
    public var settleMilliseconds: Int64 = 3_000
    /// Every schedule id starts with this.
    public var idPrefix: String
    /// A shell command run (`/bin/sh -c`) halfway through the one-shots' span.
    public var chaosCommand: String?

    public init(target: String, idPrefix: String? = nil) {
        self.target = target
        self.idPrefix = idPrefix ?? "verify-\(UUID().uuidString.prefix(8).lowercased())-"
    }

    /// A firing the test expects: which schedule, which occurrence, and when it is due.
    struct Expected: Hashable {
        var id: String
        var occurrence: Int64
        var scheduledFor: Int64
    }

    /// The commands to write at `now`, and the firings they must produce.
    func plan(now: Int64) throws(ControlError) -> (commands: [ScheduleCommand], expected: [Expected]) {
        guard oneShots >= 0, recurring >= 0, oneShots + recurring > 0 else {
            throw .usage("give at least one one-shot or recurring schedule (--count, --recurring)")
        }
        guard (1...1_000).contains(occurrences) || recurring == 0 else {
            throw .usage("--occurrences must be 1-1000")
        }
        guard oneShots <= 100_000, recurring <= 10_000, spreadMilliseconds >= 0, leadMilliseconds >= 0 else {
            throw .usage("at most 100000 one-shots and 10000 recurring schedules, over a span of 0 s or more")
        }
        var commands: [ScheduleCommand] = []
        var expected: [Expected] = []
        let first = now + leadMilliseconds
        for index in 0..<oneShots {
            let due = first + (oneShots > 1 ? spreadMilliseconds * Int64(index) / Int64(oneShots - 1) : 0)
            let id = "\(idPrefix)once-\(index)"
            commands.append(ScheduleCommand(id: id, target: target, when: .at(String(due)), payload: Array(id.utf8)))
            expected.append(Expected(id: id, occurrence: 1, scheduledFor: due))
        }
        for index in 0..<recurring {
            let id = "\(idPrefix)every-\(index)"
            var command = ScheduleCommand(id: id, target: target, when: .every("1s"), payload: Array(id.utf8))
            command.start = String(first)
            command.limit = Int64(occurrences)
            commands.append(command)
            for occurrence in 1...Int64(occurrences) {
                expected.append(Expected(id: id, occurrence: occurrence, scheduledFor: first + (occurrence - 1) * 1_000))
            }
        }
        return (commands, expected)
    }

    /// Writes the schedules, reads their firings back and judges them.
    public func run(on connection: KairosConnection) async throws(ControlError) -> VerificationReport {
        let started = currentMilliseconds()
        let (commands, expected) = try plan(now: started)
        for command in commands {
            if case .failure(let rejection) = command.validated(timestamp: started, policy: .permissive(topics: connection.topics)) {
                throw .usage("Kairos would reject the test's commands: \(rejection.reason)")
            }
        }
        let reader = try FiringReader(connection: connection, topic: target, idPrefix: idPrefix)
        _ = try await CommandWriter(connection: connection).write(
            commands.map { $0.record(topic: connection.topics.commands, timestamp: started) })
        let lastDue = expected.map(\.scheduledFor).max() ?? started
        let wanted = Set(expected.map { FiringKey(id: $0.id, occurrence: $0.occurrence) })
        var chaos: VerificationReport.Chaos?
        let chaosAt = started + leadMilliseconds + spreadMilliseconds / 2
        var allSeenAt: Int64?
        while true {
            let now = currentMilliseconds()
            if let command = chaosCommand, chaos == nil, now >= chaosAt {
                chaos = Self.runChaos(command, at: now - started)
            }
            try reader.poll()
            if allSeenAt == nil && wanted.isSubset(of: reader.seenKeys) { allSeenAt = now }
            let chaosDone = chaosCommand == nil || chaos != nil
            if chaosDone, let allSeenAt, now - allSeenAt >= settleMilliseconds { break }
            if now > lastDue + graceMilliseconds { break }
        }
        let missing = expected.filter { !reader.seenKeys.contains(FiringKey(id: $0.id, occurrence: $0.occurrence)) }
        // Schedules that never fired are cancelled, so a failed test leaves nothing behind to fire later.
        let leftOver = Set(missing.map(\.id)).sorted()
        if !leftOver.isEmpty {
            _ = try? await CommandWriter(connection: connection).write(
                leftOver.map { ScheduleCancellation(id: $0).record(topic: connection.topics.commands, timestamp: currentMilliseconds()) })
        }
        return VerificationReport(
            target: target, idPrefix: idPrefix, oneShots: oneShots, recurring: recurring,
            occurrences: recurring > 0 ? occurrences : 0, expected: expected, firings: reader.firings,
            chaos: chaos, seconds: Double(currentMilliseconds() - started) / 1_000)
    }

    /// The fixed duration `text` (`10s`, `1m`, `PT30S`) given to `option`, in milliseconds, or a usage error.
    public static func milliseconds(_ text: String, option: String) throws(ControlError) -> Int64 {
        let duration: ScheduleDuration
        do {
            duration = try ScheduleDuration(parsing: text)
        } catch {
            throw .usage("\(option): \(error.message)")
        }
        guard let millis = duration.fixedMilliseconds, millis >= 0, millis <= 86_400_000 else {
            throw .usage("\(option): '\(text)' is not a fixed duration of at most a day (30s, 5m, PT1M)")
        }
        return millis
    }

    /// Runs `command` with `/bin/sh -c` and waits for it (at most 5 minutes).
    static func runChaos(_ command: String, at offset: Int64) -> VerificationReport.Chaos {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let began = ContinuousClock.now
        do {
            try process.run()
        } catch {
            return VerificationReport.Chaos(command: command, atMilliseconds: offset, status: nil, seconds: 0)
        }
        let deadline = Date().addingTimeInterval(300)
        while process.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)  // poll interval of the wait for the command's exit
        }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let took = (ContinuousClock.now - began).components
        return VerificationReport.Chaos(
            command: command, atMilliseconds: offset, status: process.terminationStatus,
            seconds: Double(took.seconds) + Double(took.attoseconds) / 1e18)
    }
}

struct FiringKey: Hashable {
    var id: String
    var occurrence: Int64
}

/// Reads every partition of the target topic from where it ended when the test began (or from the beginning of a
/// topic that the test's first firing creates), as a read_committed consumer, keeping the firings of the test's ids.
final class FiringReader {
    private let consumer: KafkaConsumer
    private let connection: KairosConnection
    private let topic: String
    private let idPrefix: String
    private var assigned = false
    private(set) var firings: [VerificationReport.Firing] = []
    private(set) var seenKeys: Set<FiringKey> = []

    init(connection: KairosConnection, topic: String, idPrefix: String) throws(ControlError) {
        self.connection = connection
        self.topic = topic
        self.idPrefix = idPrefix
        var kafka = connection.kafka
        kafka.properties["fetch.wait.max.ms"] = kafka.properties["fetch.wait.max.ms"] ?? "50"
        var configuration = ConsumerConfiguration(kafka: kafka)
        configuration.isolationLevel = .readCommitted
        do {
            consumer = try KafkaConsumer(configuration: configuration)
        } catch {
            throw .usage("cannot configure a Kafka consumer: \(error.message)")
        }
        try assign(atEnd: true)
    }

    deinit { try? consumer.close() }

    /// Assigns every partition of the topic at its end (or its beginning), once the topic exists.
    private func assign(atEnd: Bool) throws(ControlError) {
        let metadata = try connection.metadata()
        guard let found = metadata.topics.first(where: { $0.name == topic }) else { return }
        var offsets: [TopicPartitionOffset] = []
        for partition in found.partitions.map(\.id) {
            let topicPartition = TopicPartition(topic: topic, partition: partition)
            var offset = TopicPartitionOffset.beginning
            if atEnd {
                do {
                    offset = try consumer.watermarks(
                        of: topicPartition, timeoutMilliseconds: KairosConnection.metadataTimeoutMilliseconds
                    ).high
                } catch {
                    throw connection.unreachable(error)
                }
            }
            offsets.append(TopicPartitionOffset(topicPartition, offset: offset))
        }
        do {
            try consumer.assign(offsets)
        } catch {
            throw .failure("cannot read \(topic): \(error.message)")
        }
        assigned = true
    }

    /// Reads what arrived; before the topic exists (a broker that creates it with the first firing), looks for it.
    func poll() throws(ControlError) {
        guard assigned else {
            try assign(atEnd: false)
            if !assigned { Thread.sleep(forTimeInterval: 0.2) }  // the topic is looked for five times a second
            return
        }
        let result: KafkaPollResult
        do {
            result = try consumer.poll(maxRecords: 5_000, timeoutMilliseconds: 100)
        } catch {
            throw .failure("reading \(topic) failed: \(error.message)")
        }
        let receivedAt = currentMilliseconds()
        for record in result.records {
            func header(_ name: String) -> String? {
                record.headers.last { $0.name == name }?.value.map { String(decoding: $0, as: UTF8.self) }
            }
            guard let id = header(KairosHeader.id), id.hasPrefix(idPrefix) else { continue }
            let firing = VerificationReport.Firing(
                id: id, occurrence: Int64(header(KairosHeader.occurrence) ?? "") ?? 0,
                scheduledFor: Int64(header(KairosHeader.scheduledFor) ?? "") ?? 0,
                firedAt: Int64(header(KairosHeader.firedAt) ?? "") ?? 0, receivedAt: receivedAt,
                partition: record.partition, offset: record.offset)
            firings.append(firing)
            seenKeys.insert(FiringKey(id: firing.id, occurrence: firing.occurrence))
        }
    }
}
