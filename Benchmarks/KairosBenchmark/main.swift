// Measures Kairos end to end on this machine: a standalone embedded broker in its own process, a release `kairos`
// process, and this process as producer of commands and read_committed consumer of fired records.
//
//   swift run -c release KairosBenchmark [--schedules N] [--rate R] [--seconds S] [--guarantee G] [--webhooks W]
//
// Prints one table: ingest (commands/s), fire (fires/s for a backlog due at once), lateness at a steady rate
// (p50/p99/p99.9/max of receive time - scheduled-for, and of kairos-fired-at - scheduled-for), webhooks/s
// sustained against a local HTTP server (this process), and baselines of plain produce+consume through the same
// broker and of plain HTTP requests to the same server.
import Foundation
import HTTPDelivery
import KafkaClient
import ScheduleModel
import WebhookReceiver

struct Options {
    var schedules = 50_000
    var rate = 1_000
    var seconds = 20
    var webhooks = 20_000
    var guarantees = ["exactly-once", "at-least-once"]
    var kairos = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("kairos").path

    init() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        while arguments.count >= 2 {
            let value = arguments[1]
            switch arguments[0] {
            case "--schedules": schedules = Int(value) ?? schedules
            case "--rate": rate = Int(value) ?? rate
            case "--seconds": seconds = Int(value) ?? seconds
            case "--webhooks": webhooks = Int(value) ?? webhooks
            case "--guarantee": guarantees = [value]
            case "--kairos": kairos = value
            default: fatalError("unknown option \(arguments[0])")
            }
            arguments.removeFirst(2)
        }
    }
}

func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1_000) }

final class Child {
    let process = Process()
    init(_ path: String, _ arguments: [String], environment: [String: String], log: String) throws {
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("KAIROS_") }
        env.merge(environment) { $1 }
        process.environment = env
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardError = handle
        process.standardOutput = handle
        try process.run()
    }
    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

func waitFor(_ description: String, seconds: Double = 60, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return }
        Thread.sleep(forTimeInterval: 0.05)
    }
    fatalError("timed out waiting for \(description)")
}

/// Reads a topic from the beginning in a fresh group; records receive times.
final class Reader {
    let consumer: KafkaConsumer
    let topic: String
    var received: [(record: KafkaConsumerRecord, at: Int64)] = []
    init(bootstrap: String, topic: String) throws {
        self.topic = topic
        var configuration = ConsumerConfiguration(
            kafka: KafkaConfiguration(
                bootstrapServers: bootstrap,
                properties: ["topic.metadata.refresh.interval.ms": "500", "fetch.wait.max.ms": "5"]),
            groupID: "bench-\(UUID().uuidString)")
        configuration.isolationLevel = .readCommitted
        configuration.autoOffsetReset = .earliest
        configuration.sessionTimeoutMilliseconds = 6_000
        configuration.heartbeatIntervalMilliseconds = 500
        // Alone in its group: no need for cooperative-sticky, whose state librdkafka 2.0.2 can fail to tear down.
        configuration.partitionAssignmentStrategy = "range"
        consumer = try KafkaConsumer(configuration: configuration)
        try consumer.subscribe([topic])
    }
    func read(until count: Int, seconds: Double) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while received.count < count && Date() < deadline {
            let batch = try consumer.poll(maxRecords: 10_000, timeoutMilliseconds: 50).records
            let at = now()
            received += batch.map { ($0, at) }
        }
    }
    /// Joins the group before measuring (the embedded broker takes a few seconds to form a group).
    func warmUp() throws {
        try waitFor("the reader to join its group", seconds: 60) {
            _ = try consumer.poll(timeoutMilliseconds: 100)
            return !(try consumer.assignment().isEmpty)
        }
    }
}

func header(_ record: KafkaConsumerRecord, _ name: String) -> Int64? {
    record.headers.last { $0.name == name }?.value.flatMap { Int64(String(decoding: $0, as: UTF8.self)) }
}

func percentile(_ sorted: [Int64], _ p: Double) -> Int64 {
    guard !sorted.isEmpty else { return -1 }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

/// Makes `reader`'s topic known to the broker, to Kairos's producer and to the reader before a measurement: the
/// first record to a topic that does not exist yet waits for its creation (about a second on the embedded
/// broker), which is set-up, not scheduling. One record produced directly creates the topic, one firing teaches
/// Kairos's producer its metadata; both are dropped from the reader's records.
func warmUp(_ reader: Reader, producer: KafkaProducer) throws {
    try producer.produce(KafkaProducerRecord(topic: reader.topic, key: Array("warm-up".utf8), value: []))
    try producer.flush(timeoutMilliseconds: 30_000)
    try reader.warmUp()
    try produceCommands(producer, count: 1, prefix: "warm-up", target: reader.topic) { _ in now() }
    try reader.read(until: 2, seconds: 60)
    reader.received.removeAll()
}

func produceCommands(_ producer: KafkaProducer, count: Int, prefix: String, target: String, at: (Int) -> Int64) throws {
    for index in 0..<count {
        try producer.produce(
            KafkaProducerRecord(
                topic: "kairos.commands", key: Array("\(prefix)-\(index)".utf8),
                value: [UInt8](repeating: 0x61, count: 100),
                headers: [KafkaHeader("kairos-at", String(at(index))), KafkaHeader("kairos-target", target)]))
    }
    try producer.flush(timeoutMilliseconds: 120_000)
}

let options = Options()
let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("kairos-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
// BENCH_KEEP_LOGS=1 keeps the broker and kairos logs (kairos then logs every batch) for profiling.
let keepLogs = ProcessInfo.processInfo.environment["BENCH_KEEP_LOGS"] == "1"
defer { if keepLogs { print("logs kept in \(scratch.path)") } else { try? FileManager.default.removeItem(at: scratch) } }

var rows: [(String, String)] = [("cores", "\(ProcessInfo.processInfo.activeProcessorCount)")]
let receiver = try await WebhookReceiver.start(threads: 1, recordBodies: false)

/// Waits until `receiver` counted `target` requests; returns when the last one arrived (epoch ms).
func waitForRequests(_ target: Int, seconds: Double) -> Int64 {
    let deadline = Date().addingTimeInterval(seconds)
    while receiver.count < target && Date() < deadline {
        Thread.sleep(forTimeInterval: 0.002)
    }
    return now()
}

for guarantee in options.guarantees {
    let run = scratch.appendingPathComponent(guarantee)
    let broker = try Child(
        options.kairos, ["broker", "--partitions", "12", "--state-dir", run.appendingPathComponent("broker").path],
        environment: [:], log: run.path + "-broker.log")
    defer { broker.stop() }
    let bootstrapFile = run.appendingPathComponent("broker/embedded-bootstrap").path
    try waitFor("the broker") { FileManager.default.fileExists(atPath: bootstrapFile) }
    let bootstrap = try String(contentsOfFile: bootstrapFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    let kairos = try Child(
        options.kairos, [],
        environment: [
            "KAIROS_BOOTSTRAP_SERVERS": bootstrap, "KAIROS_STATE_DIR": run.appendingPathComponent("state").path,
            "KAIROS_DELIVERY_GUARANTEE": guarantee, "KAIROS_PARTITIONS": "12",
            "KAIROS_LOG_LEVEL": keepLogs ? "debug" : "info",
            "KAIROS_ALLOWED_HTTP_HOSTS": "127.0.0.1", "KAIROS_HTTP_ALLOW_PRIVATE": "true",
        ], log: run.path + "-kairos.log")
    defer { kairos.stop() }
    let logPath = run.path + "-kairos.log"
    try waitFor("12 partitions assigned") {
        ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").components(separatedBy: "partition assigned").count > 12
    }
    var producerConfiguration = ProducerConfiguration(kafka: KafkaConfiguration(bootstrapServers: bootstrap))
    producerConfiguration.lingerMilliseconds = 5
    let producer = try KafkaProducer(configuration: producerConfiguration)

    // Ingest: schedules a day ahead; applied when their "scheduled" event is visible.
    let events = try Reader(bootstrap: bootstrap, topic: "kairos.events")
    try events.warmUp()
    let ingestStart = Date()
    try produceCommands(producer, count: options.schedules, prefix: "ingest", target: "bench.never") { _ in now() + 86_400_000 }
    try events.read(until: options.schedules, seconds: 300)
    let ingestSeconds = Date().timeIntervalSince(ingestStart)
    rows.append(("ingest, \(guarantee)", String(format: "%.0f commands/s (%d in %.1f s)", Double(events.received.count) / ingestSeconds, events.received.count, ingestSeconds)))

    // Fire: a backlog all due at one instant.
    let fire = try Reader(bootstrap: bootstrap, topic: "bench.fire")
    try warmUp(fire, producer: producer)
    // Due far enough ahead for the whole backlog to be ingested first (at 5,000 commands/s or faster).
    let backlogDue = now() + Int64(max(5_000, options.schedules / 5))
    try produceCommands(producer, count: options.schedules, prefix: "fire", target: "bench.fire") { _ in backlogDue }
    try fire.read(until: options.schedules, seconds: 300)
    let lastFired = fire.received.map(\.at).max() ?? now()
    let fireSeconds = Double(lastFired - backlogDue) / 1_000
    rows.append(("fire backlog, \(guarantee)", String(format: "%.0f fires/s (%d due at once, all seen %.2f s after due)", Double(fire.received.count) / max(fireSeconds, 0.001), fire.received.count, fireSeconds)))

    // Lateness at a steady rate.
    let steady = try Reader(bootstrap: bootstrap, topic: "bench.steady")
    try warmUp(steady, producer: producer)
    let total = options.rate * options.seconds
    let steadyStart = now() + 8_000
    try produceCommands(producer, count: total, prefix: "steady", target: "bench.steady") {
        steadyStart + Int64($0) * 1_000 / Int64(options.rate)
    }
    try steady.read(until: total, seconds: Double(options.seconds) + 60)
    let seen = steady.received.compactMap { item in header(item.record, "kairos-scheduled-for").map { item.at - $0 } }.sorted()
    let firedLate = steady.received.compactMap { item -> Int64? in
        guard let firedAt = header(item.record, "kairos-fired-at"), let scheduled = header(item.record, "kairos-scheduled-for") else { return nil }
        return firedAt - scheduled
    }.sorted()
    rows.append(("lateness seen by consumer, \(guarantee), \(options.rate)/s for \(options.seconds) s", "p50 \(percentile(seen, 0.5)) ms, p99 \(percentile(seen, 0.99)) ms, p99.9 \(percentile(seen, 0.999)) ms, max \(seen.last ?? -1) ms (\(seen.count) of \(total))"))
    rows.append(("lateness fired-at - scheduled-for, \(guarantee)", "p50 \(percentile(firedLate, 0.5)) ms, p99 \(percentile(firedLate, 0.99)) ms, p99.9 \(percentile(firedLate, 0.999)) ms, max \(firedLate.last ?? -1) ms"))

    // Webhooks: a backlog of HTTP deliveries due at once, to a server in this process.
    if options.webhooks > 0 {
        receiver.removeAllRequests()
        let before = receiver.count
        let webhooksDue = now() + Int64(max(5_000, options.webhooks / 4))
        try produceCommands(producer, count: options.webhooks, prefix: "hook", target: receiver.baseURL + "/hook") { _ in
            webhooksDue
        }
        let last = waitForRequests(before + options.webhooks, seconds: 300)
        let delivered = receiver.count - before
        let hookSeconds = Double(last - webhooksDue) / 1_000
        let late = receiver.requests("/hook").compactMap { request in
            request.header("Kairos-Scheduled-For").flatMap(Int64.init).map { request.receivedAt - $0 }
        }.sorted()
        rows.append(("webhooks backlog, \(guarantee)", String(format: "%.0f webhooks/s (%d due at once, all received %.2f s after due; first at +%d ms)", Double(delivered) / max(hookSeconds, 0.001), delivered, hookSeconds, late.first ?? -1)))
    }

    if guarantee == options.guarantees.first {
        if options.webhooks > 0 {
            // Baseline: the same HTTP client stack and limits, driven directly (no Kafka, no state).
            let before = receiver.count
            let dispatcher = WebhookDispatcher(settings: WebhookDispatcherSettings.benchmark) {}
            let url = try HTTPURL(parsing: receiver.baseURL + "/baseline")
            let started = Date()
            var submitted = 0
            while submitted < options.webhooks {
                let job = WebhookJob(
                    partition: 0, scheduleID: "b-\(submitted)", occurrence: 1, url: url, method: "POST", headers: [],
                    body: [UInt8](repeating: 0x61, count: 100))
                if dispatcher.submit(job) == .accepted {
                    submitted += 1
                } else {
                    _ = dispatcher.takeCompletions()
                    usleep(1_000)
                }
            }
            _ = waitForRequests(before + options.webhooks, seconds: 300)
            let seconds = Date().timeIntervalSince(started)
            await dispatcher.shutdown()
            rows.append(("baseline HTTP requests (same client, same server)", String(format: "%.0f requests/s", Double(receiver.count - before) / seconds)))
        }
        // Baseline: the same broker and client library, produce then consume, no Kairos in between.
        let baseline = try Reader(bootstrap: bootstrap, topic: "bench.baseline")
        let baselineStart = Date()
        for index in 0..<options.schedules {
            try producer.produce(KafkaProducerRecord(topic: "bench.baseline", key: Array("b-\(index)".utf8), value: [UInt8](repeating: 0x61, count: 100)))
        }
        try producer.flush(timeoutMilliseconds: 120_000)
        let produceSeconds = Date().timeIntervalSince(baselineStart)
        try baseline.warmUp()
        let consumeStart = Date()
        try baseline.read(until: options.schedules, seconds: 300)
        let consumeSeconds = Date().timeIntervalSince(consumeStart)
        rows.append(("baseline produce (librdkafka, same broker)", String(format: "%.0f records/s", Double(options.schedules) / produceSeconds)))
        rows.append(("baseline consume (read_committed)", String(format: "%.0f records/s", Double(baseline.received.count) / consumeSeconds)))
    }
}

try await receiver.shutdown()

let width = rows.map(\.0.count).max() ?? 0
print("\nKairos benchmark (release build, embedded broker in its own process)")
for (name, value) in rows {
    print("  " + name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value)
}

extension WebhookDispatcherSettings {
    /// Kairos's defaults, loopback allowed.
    static var benchmark: WebhookDispatcherSettings {
        var settings = WebhookDispatcherSettings()
        settings.hostPolicy = HostPolicy(patterns: ["127.0.0.1"], allowPrivate: true)
        return settings
    }
}
