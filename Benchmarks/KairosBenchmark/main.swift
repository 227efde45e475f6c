// Measures Kairos end to end on this machine: a standalone embedded broker in its own process, a release `kairos`
// process, and this process as producer of commands and read_committed consumer of fired records.
//
//   swift run -c release KairosBenchmark [--schedules N] [--rate R] [--seconds S] [--guarantee G] [--webhooks W]
//                                        [--restore R] [--pending P] [--api A] [--api-concurrency C]
//
// Prints one table: ingest (commands/s, from a backlog produced before Kairos starts), fire (fires/s for a backlog
// due at once), lateness at a steady rate (p50/p99/p99.9/max of receive time - scheduled-for, and of
// kairos-fired-at - scheduled-for), webhooks/s sustained against a local HTTP server (this process), restore
// (schedules/s rebuilt from the changelog on an empty state dir), scale (RSS and disk with P pending schedules, and
// the ingest rate at that size against the empty store's), creates through the HTTP API (PUT answered once the owner
// applied it: creates/s, p50/p99), and baselines of plain produce+consume through the same broker, of plain HTTP
// requests to the same server, and of the same PUT bodies posted to a local HTTP server by the same client.
import Foundation
import HTTPDelivery
import KafkaClient
import ScheduleModel
import WebhookReceiver

struct Options {
    var schedules = 200_000
    var rate = 5_000
    var seconds = 60
    var webhooks = 20_000
    var restore = 1_000_000
    var pending = 10_000_000
    var api = 20_000
    var apiConcurrency = 64
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
            case "--restore": restore = Int(value) ?? restore
            case "--pending": pending = Int(value) ?? pending
            case "--api": api = Int(value) ?? api
            case "--api-concurrency": apiConcurrency = Int(value) ?? apiConcurrency
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
    let log: String
    init(_ path: String, _ arguments: [String], environment: [String: String], log: String) throws {
        self.log = log
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
    var logText: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
    /// Resident and peak resident memory in MiB, from /proc.
    var memory: (rss: Double, peak: Double) {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        func value(_ name: String) -> Double {
            let line = status.split(separator: "\n").first { $0.hasPrefix(name + ":") } ?? ""
            return (Double(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1_024
        }
        return (value("VmRSS"), value("VmHWM"))
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

/// Reads a topic in a fresh group (from the beginning, or only what comes after it joined); keeps the records with
/// their receive times, or only counts those whose key starts with a prefix.
final class Reader {
    let consumer: KafkaConsumer
    let topic: String
    var received: [(record: KafkaConsumerRecord, at: Int64)] = []
    var counted = 0
    var firstAt: Int64?
    var lastAt: Int64?
    /// With `assigned`, reads every partition of the topic from the start without joining a group.
    init(bootstrap: String, topic: String, fromLatest: Bool = false, assigned: Bool = false) throws {
        self.topic = topic
        if assigned {
            var configuration = ConsumerConfiguration(
                kafka: KafkaConfiguration(bootstrapServers: bootstrap, properties: ["fetch.wait.max.ms": "1"]))
            configuration.isolationLevel = .readCommitted
            consumer = try KafkaConsumer(configuration: configuration)
            let partitions = try consumer.partitionCount(of: topic)
            try consumer.assign((0..<partitions).map {
                TopicPartitionOffset(topic: topic, partition: Int32($0), offset: TopicPartitionOffset.beginning)
            })
            return
        }
        var configuration = ConsumerConfiguration(
            kafka: KafkaConfiguration(
                bootstrapServers: bootstrap,
                properties: ["topic.metadata.refresh.interval.ms": "500", "fetch.wait.max.ms": "1"]),
            groupID: "bench-\(UUID().uuidString)")
        configuration.isolationLevel = .readCommitted
        configuration.autoOffsetReset = fromLatest ? .latest : .earliest
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
    /// Counts records keyed `prefix…` until `count` arrived, noting the first and last arrival; keeps none.
    func count(until count: Int, prefix: String, seconds: Double) throws {
        counted = 0
        firstAt = nil
        lastAt = nil
        let deadline = Date().addingTimeInterval(seconds)
        let prefixBytes = Array(prefix.utf8)
        while counted < count && Date() < deadline {
            let batch = try consumer.poll(maxRecords: 10_000, timeoutMilliseconds: 50).records
            let at = now()
            let matching = batch.filter { $0.key?.starts(with: prefixBytes) == true }.count
            guard matching > 0 else { continue }
            counted += matching
            firstAt = firstAt ?? at
            lastAt = at
        }
        if counted < count { fatalError("only \(counted) of \(count) \(prefix) records arrived on \(topic)") }
    }
    /// Records counted per second between the first and the last arrival.
    var countRate: Double {
        guard let firstAt, let lastAt, lastAt > firstAt else { return 0 }
        return Double(counted) / (Double(lastAt - firstAt) / 1_000)
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

func produceCommands(
    _ producer: KafkaProducer, count: Int, prefix: String, target: String, targetPartition: Int? = nil,
    at: (Int) -> Int64
) throws {
    for index in 0..<count {
        var headers = [KafkaHeader("kairos-at", String(at(index))), KafkaHeader("kairos-target", target)]
        if let targetPartition {
            headers.append(KafkaHeader("kairos-target-partition", String(targetPartition)))
        }
        try producer.produce(
            KafkaProducerRecord(
                topic: "kairos.commands", key: Array("\(prefix)-\(index)".utf8),
                value: [UInt8](repeating: 0x61, count: 100), headers: headers))
    }
    try producer.flush(timeoutMilliseconds: 120_000)
}

/// `options.api` creates through the HTTP API of the kairos whose state directory is `state`, `options.apiConcurrency`
/// at once, each answered once the owner applied it (read-your-writes); ids `<prefix>-<i>`.
func measureAPICreates(state: URL, prefix: String) async throws -> HTTPLoadResult {
    let api = try String(contentsOf: state.appendingPathComponent("api-address"), encoding: .utf8)
        .trimmingCharacters(in: .whitespacesAndNewlines)
    let dueAt = now() + 86_400_000
    return try await measureHTTPLoad(count: options.api, concurrency: options.apiConcurrency) { index in
        schedulePUT(url: "http://\(api)/v1/schedules/\(prefix)-\(index)", dueAt: dueAt)
    }
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

/// Starts `kairos` on `state` and waits until it owns all `partitions` partitions.
func startKairos(
    bootstrap: String, guarantee: String, state: URL, log: String, partitions: Int = 12,
    settings: [String: String] = [:]
) throws -> Child {
    let kairos = try Child(
        options.kairos, [],
        environment: [
            "KAIROS_BOOTSTRAP_SERVERS": bootstrap, "KAIROS_STATE_DIR": state.path,
            "KAIROS_DELIVERY_GUARANTEE": guarantee, "KAIROS_PARTITIONS": "\(partitions)", "KAIROS_INSTANCE_ID": "bench",
            "KAIROS_LOG_LEVEL": keepLogs ? "debug" : "info",
            "KAIROS_ALLOWED_HTTP_HOSTS": "127.0.0.1", "KAIROS_HTTP_ALLOW_PRIVATE": "true",
            "KAIROS_ADMIN_ADDRESS": "127.0.0.1:0", "KAIROS_API_ADDRESS": "127.0.0.1:0",
        ].merging(settings) { $1 }, log: log)
    try waitFor("\(partitions) partitions assigned", seconds: 600) {
        kairos.logText.components(separatedBy: "partition assigned").count > partitions
    }
    return kairos
}

/// Bytes of the files under `url`.
func diskBytes(_ url: URL) -> Int {
    let files = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.fileSizeKey])
    return (files?.allObjects as? [URL] ?? []).reduce(0) { total, file in
        total + ((try? file.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0)
    }
}

/// A standalone embedded broker with `partitions` partitions per topic, a producer of commands and a reader of
/// `events` that counts what arrives after it joined.
final class Cluster {
    let broker: Child
    let bootstrap: String
    let producer: KafkaProducer
    let events: Reader
    let partitions: Int
    let guarantee: String

    init(run: URL, partitions: Int, guarantee: String) throws {
        self.partitions = partitions
        self.guarantee = guarantee
        broker = try Child(
            options.kairos,
            ["broker", "--partitions", "\(partitions)", "--state-dir", run.appendingPathComponent("broker").path],
            environment: [:], log: run.path + "-broker.log")
        let bootstrapFile = run.appendingPathComponent("broker/embedded-bootstrap").path
        try waitFor("the broker") { FileManager.default.fileExists(atPath: bootstrapFile) }
        bootstrap = try String(contentsOfFile: bootstrapFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        // Java's partitioner, Kairos's default home-partition rule: commands land where Kairos reads them.
        var producerConfiguration = ProducerConfiguration(
            kafka: KafkaConfiguration(bootstrapServers: bootstrap, properties: ["partitioner": "murmur2_random"]))
        producerConfiguration.lingerMilliseconds = 5
        producer = try KafkaProducer(configuration: producerConfiguration)
        events = try Reader(bootstrap: bootstrap, topic: "kairos.events", fromLatest: true)
        try events.warmUp()
    }

    func startKairos(state: URL, log: String, settings: [String: String] = [:]) throws -> Child {
        try KairosBenchmark.startKairos(
            bootstrap: bootstrap, guarantee: guarantee, state: state, log: log, partitions: partitions,
            settings: settings)
    }

    /// Ingest rate from a backlog: `count` commands (a day ahead) produced while no kairos runs, then applied by a
    /// kairos started on `state`; measured from the first to the last "scheduled" event. Returns kairos running.
    func ingestBacklog(_ count: Int, prefix: String, state: URL, log: String) throws -> (Child, Double) {
        try scheduleADayAhead(count, prefix: prefix)
        let kairos = try startKairos(state: state, log: log)
        try events.count(until: count, prefix: prefix + "-", seconds: 3_600)
        return (kairos, events.countRate)
    }

    /// Schedules `count` more (a day ahead) through a running kairos, in chunks it applies before the next is sent:
    /// the embedded broker keeps only the last 5 MiB of each partition, so a backlog must not build up.
    func load(_ count: Int, prefix: String) throws {
        var loaded = 0
        while loaded < count {
            let chunk = min(25_000 * partitions / 12, count - loaded)
            let chunkPrefix = "\(prefix)\(loaded)"
            try scheduleADayAhead(chunk, prefix: chunkPrefix)
            try events.count(until: chunk, prefix: chunkPrefix + "-", seconds: 3_600)
            loaded += chunk
        }
    }

    /// Produces `count` commands `<prefix>-<i>` due a day from now.
    private func scheduleADayAhead(_ count: Int, prefix: String) throws {
        try produceCommands(producer, count: count, prefix: prefix, target: "bench.never") { _ in now() + 86_400_000 }
    }

    func stop() {
        broker.stop()
    }
}

for guarantee in options.guarantees {
    let run = scratch.appendingPathComponent(guarantee)
    let cluster = try Cluster(run: run, partitions: 12, guarantee: guarantee)
    defer { cluster.stop() }
    let bootstrap = cluster.bootstrap
    let producer = cluster.producer

    // Ingest: a backlog produced before Kairos starts, so the producer's speed does not cap the figure.
    let state = run.appendingPathComponent("state")
    var (kairos, emptyIngestRate) = try cluster.ingestBacklog(
        options.schedules, prefix: "ingest", state: state, log: run.path + "-kairos.log")
    defer { kairos.stop() }
    rows.append(("ingest, \(guarantee)", String(format: "%.0f commands/s (a backlog of %d)", emptyIngestRate, options.schedules)))

    // The HTTP API: creates by PUT, each answered once the owning instance applied it (read-your-writes).
    var apiBaseline: HTTPLoadResult?
    if options.api > 0 {
        let created = try await measureAPICreates(state: state, prefix: "api-\(guarantee)")
        rows.append(("API creates (PUT, read-your-writes), \(guarantee), \(options.apiConcurrency) at once", created.text))
        // Baseline: the same client, bodies and concurrency against a local HTTP server that only records them.
        let url = receiver.baseURL + "/api-baseline"
        let baseline = try await measureHTTPLoad(count: options.api, concurrency: options.apiConcurrency) { _ in
            schedulePUT(url: url, dueAt: now() + 86_400_000)
        }
        receiver.removeAllRequests()
        apiBaseline = baseline
        rows.append(("baseline HTTP PUT (same client, local server)", baseline.text + String(format: "; API/baseline %.2f", created.perSecond / baseline.perSecond)))
    }

    // Fire: a backlog all due at one instant.
    let fire = try Reader(bootstrap: bootstrap, topic: "bench.fire")
    try warmUp(fire, producer: producer)
    // Due far enough ahead for the whole backlog to be ingested first (at 20,000 commands/s or faster).
    let backlogDue = now() + Int64(max(5_000, options.schedules / 20))
    try produceCommands(producer, count: options.schedules, prefix: "fire", target: "bench.fire") { _ in backlogDue }
    try fire.read(until: options.schedules, seconds: 300)
    let lastFired = fire.received.map(\.at).max() ?? now()
    let fireSeconds = Double(lastFired - backlogDue) / 1_000
    rows.append(("fire backlog, \(guarantee)", String(format: "%.0f fires/s (%d due at once, all seen %.2f s after due)", Double(fire.received.count) / max(fireSeconds, 0.001), fire.received.count, fireSeconds)))
    // Readers that measure nothing any more leave the shared broker (an idle consumer fetches every millisecond).
    try fire.consumer.close()

    // Lateness at a steady rate.
    let steady = try Reader(bootstrap: bootstrap, topic: "bench.steady")
    try warmUp(steady, producer: producer)
    let total = options.rate * options.seconds
    let steadyStart = now() + 8_000
    // All to one partition of the target topic: the embedded broker returns one message set per partition and
    // fetch, and finds it by walking the partition's log from the start (80 % of its time when the records of
    // each millisecond are spread over 4 partitions, one record per message set). Kafka indexes its log.
    try produceCommands(producer, count: total, prefix: "steady", target: "bench.steady", targetPartition: 0) {
        steadyStart + Int64($0) * 1_000 / Int64(options.rate)
    }
    // The events reader counts nothing here: paused, it does not compete with the reader being measured.
    let eventPartitions = try cluster.events.consumer.assignment()
    try cluster.events.consumer.pause(eventPartitions)
    try steady.read(until: total, seconds: Double(options.seconds) + 60)
    try cluster.events.consumer.resume(eventPartitions)
    try steady.consumer.close()
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
        let baselineStart = Date()
        for index in 0..<options.schedules {
            try producer.produce(KafkaProducerRecord(topic: "bench.baseline", key: Array("b-\(index)".utf8), value: [UInt8](repeating: 0x61, count: 100)))
        }
        try producer.flush(timeoutMilliseconds: 120_000)
        let produceSeconds = Date().timeIntervalSince(baselineStart)
        // Assigned rather than subscribed: no group to join inside the measurement. What the broker still holds is
        // read (it keeps the last 5 MiB of each partition).
        let baseline = try Reader(bootstrap: bootstrap, topic: "bench.baseline", assigned: true)
        let held = try (0..<baseline.consumer.partitionCount(of: "bench.baseline")).reduce(0) { total, partition in
            let marks = try baseline.consumer.watermarks(of: TopicPartition(topic: "bench.baseline", partition: Int32(partition)))
            return total + Int(marks.high - marks.low)
        }
        let consumeStart = Date()
        try baseline.read(until: held, seconds: 300)
        let consumeSeconds = Date().timeIntervalSince(consumeStart)
        rows.append(("baseline produce (librdkafka, same broker)", String(format: "%.0f records/s", Double(options.schedules) / produceSeconds)))
        rows.append(("baseline consume (read_committed)", String(format: "%.0f records/s (the %d the broker holds)", Double(baseline.received.count) / consumeSeconds, held)))
    }

    // The API again, on a kairos whose consumers ask for an empty fetch to be held 5 ms instead of 50. The embedded
    // broker holds an empty fetch for the whole wait even when a command arrives meanwhile, where Kafka answers it
    // as soon as the command is written; so above, every PUT also waits for the engine's fetch to come back empty
    // (the callers in flight fall into step with it). Last in the run, so no other row sees the setting.
    if let apiBaseline {
        kairos.stop()
        kairos = try cluster.startKairos(
            state: state, log: run.path + "-kairos-api.log", settings: ["KAIROS_KAFKA_FETCH_WAIT_MAX_MS": "5"])
        let created = try await measureAPICreates(state: state, prefix: "api5-\(guarantee)")
        rows.append(("API creates, \(guarantee), fetch wait 5 ms (as Kafka answers a fetch)", created.text + String(format: "; API/baseline %.2f", created.perSecond / apiBaseline.perSecond)))
    }
}

// Restore and scale run once, in the first guarantee. Restore uses a broker with 64 partitions per topic: the
// embedded broker keeps the last 5 MiB of each partition, and a restore replays the whole changelog.
if options.restore > 0, let guarantee = options.guarantees.first {
    let run = scratch.appendingPathComponent("restore")
    let cluster = try Cluster(run: run, partitions: 64, guarantee: guarantee)
    defer { cluster.stop() }
    var kairos = try cluster.startKairos(state: run.appendingPathComponent("state"), log: run.path + "-kairos.log")
    defer { kairos.stop() }
    try cluster.load(options.restore, prefix: "restore")
    kairos.stop()
    let started = Date()
    kairos = try cluster.startKairos(
        state: run.appendingPathComponent("state-restored"), log: run.path + "-kairos-restore.log")
    let seconds = Date().timeIntervalSince(started)
    let assigned = kairos.logText.split(separator: "\n").filter { $0.contains("partition assigned") }
    func values(_ field: String) -> [Double] {
        assigned.map { line in
            let value = line.split(separator: " ").first { $0.hasPrefix(field + "=") }?.dropFirst(field.count + 1)
            return Double(value.map(String.init) ?? "") ?? 0
        }
    }
    // One restore replays every partition of the assignment; each partition's line gives its duration.
    let records = values("restored_records").reduce(0, +)
    let restoring = values("restore_seconds").max() ?? 0
    let memory = kairos.memory
    rows.append(("restore, empty state dir, 64 partitions", String(format: "%.0f schedules/s: %d pending (%.0f changelog records, %.0f records/s) in %.1f s of replay; %.1f s from start to serving all partitions; peak RSS %.0f MiB", Double(options.restore) / restoring, options.restore, records, records / restoring, restoring, seconds, memory.peak)))
}

// Scale: RSS and disk with `--pending` schedules on 12 partitions, and the ingest rate at that size against the
// empty store's, both from a backlog.
if options.pending > 2 * options.schedules, let guarantee = options.guarantees.first {
    let run = scratch.appendingPathComponent("scale")
    let cluster = try Cluster(run: run, partitions: 12, guarantee: guarantee)
    defer { cluster.stop() }
    let state = run.appendingPathComponent("state")
    var (kairos, emptyIngestRate) = try cluster.ingestBacklog(
        options.schedules, prefix: "empty", state: state, log: run.path + "-kairos.log")
    defer { kairos.stop() }
    try cluster.load(options.pending - 2 * options.schedules, prefix: "scale")
    let loadedMemory = kairos.memory
    kairos.stop()
    let (restarted, fullIngestRate) = try cluster.ingestBacklog(
        options.schedules, prefix: "full", state: state, log: run.path + "-kairos-full.log")
    kairos = restarted
    let memory = kairos.memory
    rows.append(("scale, \(options.pending) pending, 12 partitions", String(format: "RSS %.0f MiB (peak %.0f MiB) after loading, %.0f MiB (peak %.0f MiB) after a restart and the last %d; disk %.0f MiB", loadedMemory.rss, loadedMemory.peak, memory.rss, memory.peak, options.schedules, Double(diskBytes(state)) / 1_048_576)))
    rows.append(("ingest at \(options.pending - options.schedules) pending, \(guarantee)", String(format: "%.0f commands/s, %.0f%% of the empty store's %.0f commands/s", fullIngestRate, 100 * fullIngestRate / emptyIngestRate, emptyIngestRate)))
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
