import Foundation
import KafkaClient
import Testing
import TestThreads

/// The suites that run `kairos` processes. They run one after another: on a small machine, several of them at once
/// starve each other of CPU and turn timing into flakiness.
@Suite(.serialized, .ownThreads) enum EndToEnd {}

/// The `kairos` executable built next to the test bundle.
let kairosExecutable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    .appendingPathComponent("kairos")

/// A directory removed when the value is released.
final class ScratchDirectory: @unchecked Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("kairos-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// A `kairos` process (scheduler or standalone broker) with its log in a file.
final class KairosProcess: @unchecked Sendable {
    let process = Process()
    let logPath: String

    init(arguments: [String], environment: [String: String], logPath: String) throws {
        self.logPath = logPath
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = kairosExecutable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("KAIROS_") }
        // Several instances run side by side: each admin server and API takes a free port (see `<state dir>/admin-address`
        // and `<state dir>/api-address`).
        env["KAIROS_ADMIN_ADDRESS"] = "127.0.0.1:0"
        env["KAIROS_API_ADDRESS"] = "127.0.0.1:0"
        env.merge(environment) { $1 }
        process.environment = env
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardError = log
        process.standardOutput = log
        try process.run()
    }

    /// Starts a standalone embedded broker with Kairos's topics and returns it with its bootstrap address.
    static func broker(in scratch: ScratchDirectory, partitions: Int = 4) throws -> (KairosProcess, String) {
        let state = scratch.path("broker")
        let broker = try KairosProcess(
            arguments: ["broker", "--state-dir", state, "--partitions", "\(partitions)"], environment: [:],
            logPath: scratch.path("broker.log"))
        let file = state + "/embedded-bootstrap"
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: file, encoding: .utf8), text.contains(":") {
                return (broker, text.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            Thread.sleep(forTimeInterval: 0.05)  // poll interval of the wait for the file
        }
        throw TestFailure("the embedded broker did not start; log: \(broker.log)")
    }

    /// Starts a scheduler against `bootstrap`.
    static func scheduler(
        bootstrap: String, stateDirectory: String, logPath: String, extra: [String: String] = [:]
    ) throws -> KairosProcess {
        var environment = [
            "KAIROS_BOOTSTRAP_SERVERS": bootstrap, "KAIROS_STATE_DIR": stateDirectory, "KAIROS_LOG_LEVEL": "debug",
            "KAIROS_PARTITIONS": "4",
        ]
        environment.merge(extra) { $1 }
        return try KairosProcess(arguments: [], environment: environment, logPath: logPath)
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Changelog records the scheduler replayed, over all the partitions it took.
    var restoredRecords: Int {
        log.components(separatedBy: "restored_records=").dropFirst()
            .compactMap { Int($0.prefix { $0.isNumber }) }.reduce(0, +)
    }

    /// The process id, for a command that signals it.
    var pid: Int32 { process.processIdentifier }

    /// Sends SIGTERM and waits for the exit; returns the exit status.
    @discardableResult
    func terminate() -> Int32 {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Waits until the log contains `text`.
    func waitForLog(_ text: String, count: Int = 1, seconds: Double = 60) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if log.components(separatedBy: text).count - 1 >= count { return }
            guard process.isRunning else { throw TestFailure("kairos exited; log:\n\(log)") }
            Thread.sleep(forTimeInterval: 0.05)  // poll interval of the wait for the line
        }
        throw TestFailure("'\(text)' not logged within \(seconds) s; log:\n\(log)")
    }

    deinit {
        if process.isRunning { kill() }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A standalone broker and one scheduler on it that owns all (4) partitions; both stop when released.
struct SchedulerSetup {
    let broker: KairosProcess
    let bootstrap: String
    let kairos: KairosProcess

    init(_ scratch: ScratchDirectory, extra: [String: String] = [:]) throws {
        (broker, bootstrap) = try KairosProcess.broker(in: scratch)
        kairos = try KairosProcess.scheduler(
            bootstrap: bootstrap, stateDirectory: scratch.path("a"), logPath: scratch.path("a.log"), extra: extra)
        try kairos.waitForLog("partition assigned", count: 4)
    }

    func stop() {
        kairos.terminate()
        broker.terminate()
    }
}

/// Produces commands the way a user's producer would.
struct CommandProducer {
    let producer: KafkaProducer

    init(bootstrap: String) throws {
        // Java's partitioner, Kairos's default rule: commands land on their id's home partition, none is forwarded
        // (forwarding has tests of its own, HomePartitionEndToEndTests).
        var configuration = ProducerConfiguration(
            kafka: KafkaConfiguration(bootstrapServers: bootstrap, properties: ["partitioner": "murmur2_random"]))
        configuration.lingerMilliseconds = 1
        producer = try KafkaProducer(configuration: configuration)
    }

    /// `count` one-shot schedules `<prefix>-<i>` to `target`, schedule i due at `dueAt(i)` (epoch ms).
    func schedule(count: Int, prefix: String, target: String, dueAt: (Int) -> Int64) throws {
        for index in 0..<count {
            try producer.produce(
                KafkaProducerRecord(
                    topic: "kairos.commands", key: Array("\(prefix)-\(index)".utf8), value: Array("\(index)".utf8),
                    headers: [KafkaHeader("kairos-at", "\(dueAt(index))"), KafkaHeader("kairos-target", target)]))
        }
        try producer.flush()
    }

    func send(
        _ key: String?, _ value: [UInt8]?, _ headers: [(String, String)] = [], rawHeaders: [KafkaHeader] = [],
        keyBytes: [UInt8]? = nil
    ) async throws {
        _ = try await producer.send(
            KafkaProducerRecord(
                topic: "kairos.commands", key: keyBytes ?? key.map { Array($0.utf8) }, value: value,
                headers: headers.map { KafkaHeader($0.0, $0.1) } + rawHeaders))
    }
}

/// Reads a topic as a downstream read_committed consumer would.
final class TopicReader: @unchecked Sendable {
    let topic: String
    let consumer: KafkaConsumer
    private(set) var records: [KafkaConsumerRecord] = []

    /// Joins a fresh group on `topic` (which may not exist yet), reading from the beginning.
    init(bootstrap: String, topic: String) throws {
        self.topic = topic
        var configuration = ConsumerConfiguration(
            kafka: KafkaConfiguration(
                bootstrapServers: bootstrap, properties: ["topic.metadata.refresh.interval.ms": "500"]),
            groupID: "reader-\(UUID().uuidString)")
        configuration.isolationLevel = .readCommitted
        configuration.autoOffsetReset = .earliest
        configuration.sessionTimeoutMilliseconds = 6_000
        configuration.heartbeatIntervalMilliseconds = 500
        // A reader alone in its group needs no incremental rebalancing; and librdkafka 2.0.2 aborts when a
        // cooperative-sticky consumer is destroyed before its first assignment (librdkafka issue 4312).
        configuration.partitionAssignmentStrategy = "range"
        consumer = try KafkaConsumer(configuration: configuration)
        try consumer.subscribe([topic])
    }

    /// Reads until `count` records arrived in total or `seconds` passed; returns everything read so far.
    @discardableResult
    func read(until count: Int, seconds: Double = 30) throws -> [KafkaConsumerRecord] {
        let deadline = Date().addingTimeInterval(seconds)
        while records.count < count && Date() < deadline {
            records += try consumer.poll(timeoutMilliseconds: 100).records
        }
        return records
    }

    /// Reads until `count` records arrived in total; throws when they did not within `seconds`.
    func waitForRecords(_ count: Int, seconds: Double = 60) throws {
        guard try read(until: count, seconds: seconds).count >= count else {
            throw TestFailure("\(records.count) of \(count) records on \(topic) within \(seconds) s")
        }
    }

    /// Reads until a record that satisfies `condition` arrived and returns the first such record; throws when none
    /// did within `seconds`.
    @discardableResult
    func waitForRecord(
        seconds: Double = 60, where condition: (KafkaConsumerRecord) -> Bool
    ) throws -> KafkaConsumerRecord {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if let match = records.first(where: condition) { return match }
            guard Date() < deadline else {
                throw TestFailure("no such record on \(topic) within \(seconds) s (\(records.count) read)")
            }
            records += try consumer.poll(timeoutMilliseconds: 100).records
        }
    }

    /// Keeps reading for `seconds` (to see that nothing more arrives).
    func drain(seconds: Double) throws -> [KafkaConsumerRecord] {
        try read(until: Int.max, seconds: seconds)
    }
}

extension KafkaConsumerRecord {
    func header(_ name: String) -> String? {
        headers.last { $0.name == name }?.value.map { String(decoding: $0, as: UTF8.self) }
    }
    var id: String { header("kairos-id") ?? "" }
    var text: String { value.map { String(decoding: $0, as: UTF8.self) } ?? "<null>" }
}

/// Checks that only schedules fired in the last 2 s before `killedAt` repeat, and at most once.
///
/// The embedded broker does not hide aborted transactions from read_committed readers, so a process killed with
/// SIGKILL leaves its last, never-committed transaction visible, and the new owner fires those schedules again,
/// committed. Any other repeat is a real double firing.
func expectRepeatsOnlyFromTheKilledTransaction(_ byID: [String: [KafkaConsumerRecord]], killedAt: Int64) {
    for (id, copies) in byID where copies.count > 1 {
        let first = copies.compactMap { Int64($0.header("kairos-fired-at") ?? "") }.min() ?? 0
        #expect(
            copies.count == 2 && first <= killedAt && first >= killedAt - 2_000, "\(id) fired \(copies.count) times")
    }
}

/// Epoch milliseconds now.
func nowMilliseconds() -> Int64 { Int64(Date().timeIntervalSince1970 * 1_000) }
