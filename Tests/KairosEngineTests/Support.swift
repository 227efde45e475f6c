import Foundation
import HTTPDelivery
import KafkaClient
import KairosWire
import Logging
import ScheduleModel
import Synchronization

@testable import KairosEngine

/// A wall clock the test sets and moves.
final class ManualClock: EngineClock {
    private let millis: Mutex<Int64>

    init(_ millis: Int64 = 1_800_000_000_000) {
        self.millis = Mutex(millis)
    }

    func now() -> Int64 { millis.withLock { $0 } }

    func set(_ value: Int64) { millis.withLock { $0 = value } }

    func advance(by delta: Int64) { millis.withLock { $0 += delta } }
}

/// A unique, empty directory for one test, removed when released.
final class ScratchDirectory: @unchecked Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("kairos-engine-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    var path: String { url.path }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Engine settings for tests: topics under prefix `t`, state in `stateDirectory`.
func testSettings(
    stateDirectory: String = NSTemporaryDirectory(), guarantee: DeliveryGuarantee = .exactlyOnce, prefix: String = "t"
) -> EngineSettings {
    let topics = KairosTopics(prefix: prefix)
    var webhooks = WebhookDispatcherSettings()
    webhooks.hostPolicy = HostPolicy(patterns: ["*"], allowPrivate: true)
    webhooks.timeoutMillis = 2_000
    var settings = EngineSettings(
        groupID: "g-\(UUID().uuidString.prefix(8))", instanceID: nil, topics: topics, guarantee: guarantee,
        stateDirectory: stateDirectory, restoreBufferRecords: 1_000, misfireGraceMilliseconds: 60_000,
        shutdownDeadlineMilliseconds: 5_000,
        commandPolicy: CommandPolicy(
            forbiddenTopics: Set(topics.all), httpHosts: HostPolicy(patterns: ["*"], allowPrivate: true)),
        webhooks: webhooks, httpRetryMax: 3, httpRetryBackoffMilliseconds: 1_000,
        httpRetryBackoffMaxMilliseconds: 60_000)
    settings.sessionTimeoutMilliseconds = 6_000
    return settings
}

/// A logger that writes nothing.
let quietLogger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

/// A store for `partition` in a fresh directory of `scratch`.
func openStore(_ scratch: ScratchDirectory, partition: Int32 = 0, name: String = "store") throws -> ScheduleStore {
    let path = scratch.path("\(name)-\(partition)")
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return try ScheduleStore(partition: partition, path: path)
}

/// A one-shot schedule to topic `topic`, due at `at`.
func oneShot(_ id: String, at: Int64, topic: String = "fired", payload: String = "p") -> Schedule {
    Schedule(id: id, target: .kafka(topic: topic), payload: Array(payload.utf8), scheduledFor: at, sourceOffset: 0)
}

/// A recurring schedule decoded as a command with `header` (`kairos-cron` / `kairos-every`) would make it.
func recurring(
    _ id: String, every expression: String, anchor: Int64, kind: RecurrenceSpec.Kind = .every, misfire: String? = nil,
    limit: Int64? = nil
) throws -> Schedule {
    var command = ScheduleCommand(
        id: id, target: "fired", when: kind == .every ? .every(expression) : .cron(expression), payload: [1])
    command.misfire = misfire
    command.limit = limit
    return try command.validated(timestamp: anchor, policy: CommandPolicy()).get()
}

/// A record of `commands` as the consumer hands it to the loop.
func commandRecord(
    _ command: KafkaProducerRecord, partition: Int32 = 0, offset: Int64 = 0, timestamp: Int64? = nil
) -> KafkaConsumerRecord {
    KafkaConsumerRecord(
        topic: command.topic, partition: partition, offset: offset, key: command.key, value: command.value,
        headers: command.headers, timestamp: timestamp ?? command.timestamp)
}

/// The kinds of the events in `records` (of the events topic `topic`), in order.
func eventKinds(_ records: [KafkaProducerRecord], topic: String = "t.events") -> [String] {
    records.filter { $0.topic == topic }.compactMap { try? EventRecord(decoding: $0.value ?? []).kind.rawValue }
}

/// Polls until `condition` holds or `seconds` pass; returns whether it held.
func eventually(seconds: Double = 15, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return try condition()
}

/// Reads a whole partition from the beginning (read_committed), stopping at its end.
func readAll(_ cluster: EmbeddedKafkaCluster, topic: String, partition: Int32 = 0) throws -> [KafkaConsumerRecord] {
    var configuration = ConsumerConfiguration(kafka: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
    configuration.isolationLevel = .readCommitted
    configuration.enablePartitionEOF = true
    let consumer = try KafkaConsumer(configuration: configuration)
    defer { try? consumer.close() }
    try consumer.assign([
        TopicPartitionOffset(topic: topic, partition: partition, offset: TopicPartitionOffset.beginning)
    ])
    var records: [KafkaConsumerRecord] = []
    let deadline = Date().addingTimeInterval(15)
    while Date() < deadline {
        let result = try consumer.poll(timeoutMilliseconds: 100)
        records += result.records
        if !result.reachedEnd.isEmpty { break }
    }
    return records
}

/// An embedded cluster with Kairos's topics under `settings.topics` (`partitions` each) and a target topic.
func embeddedCluster(_ settings: EngineSettings, partitions: Int32 = 1, targets: [String] = ["fired"]) throws
    -> EmbeddedKafkaCluster
{
    let cluster = try EmbeddedKafkaCluster()
    for topic in settings.topics.all + targets {
        try cluster.createTopic(topic, partitions: partitions)
    }
    return cluster
}

/// A partition owner serving `stores` as they are, without a broker: nothing is restored (`serveUnrestored`).
func unrestoredOwner(serving stores: [ScheduleStore], settings: EngineSettings = testSettings()) -> PartitionOwner {
    let owner = PartitionOwner(
        settings: settings, kafka: KafkaConfiguration(bootstrapServers: "127.0.0.1:1"), status: EngineStatus(),
        metrics: KairosMetrics(), logger: quietLogger)
    stores.forEach(owner.serveUnrestored)
    return owner
}

/// A pipeline holding `batches` in flight, oldest first, each with its acknowledgements all in.
func inFlightPipeline(_ batches: [OutputBatch]) -> CommitPipeline {
    let pipeline = CommitPipeline()
    for batch in batches {
        let tracker = DeliveryTracker(changelogTopic: batch.topics.changelog)
        tracker.seal {}
        pipeline.append(batch, sent: SentBatch(tracker: tracker, started: .now, produced: .now), commands: 0)
    }
    return pipeline
}

/// The value of header `name` of `record` as text (the last one when it repeats).
func headerText(_ record: KafkaProducerRecord, _ name: String) -> String? {
    record.headers.last { $0.name == name }?.value.map { String(decoding: $0, as: UTF8.self) }
}

/// `record` as a consumer would read it back (for the wire types' readers).
func consumed(_ record: KafkaProducerRecord, offset: Int64 = 0) -> KafkaConsumerRecord {
    KafkaConsumerRecord(
        topic: record.topic, partition: record.partition ?? 0, offset: offset, key: record.key, value: record.value,
        headers: record.headers, timestamp: record.timestamp)
}

// MARK: The Kafka- and HTTP-facing engine types' tests

/// A client configuration for the embedded cluster.
func clusterConfiguration(_ cluster: EmbeddedKafkaCluster) -> KafkaConfiguration {
    KafkaConfiguration(bootstrapServers: cluster.bootstrapServers, clientID: "kairos-engine-tests")
}

/// Delivery reports collected from the producer's thread.
private final class DeliveryReports: Sendable {
    let results = Mutex<[Int: Result<DeliveryReport, KafkaError>]>([:])
}

/// Produces `records` in order with an idempotent producer and waits until each is acknowledged; returns where each
/// landed (throws the first failure).
@discardableResult
func produceAndWait(_ cluster: EmbeddedKafkaCluster, _ records: [KafkaProducerRecord]) throws -> [DeliveryReport] {
    var configuration = ProducerConfiguration(kafka: clusterConfiguration(cluster))
    configuration.lingerMilliseconds = 0
    let producer = try KafkaProducer(configuration: configuration)
    let reports = DeliveryReports()
    for (index, record) in records.enumerated() {
        try producer.produce(record) { result in reports.results.withLock { $0[index] = result } }
    }
    try producer.flush()
    guard eventually(seconds: 15, { reports.results.withLock { $0.count } == records.count }) else {
        throw EngineError("delivery reports missing")
    }
    let results = reports.results.withLock { $0 }
    return try (0..<records.count).map { index in
        guard let result = results[index] else { throw EngineError("no delivery report for record \(index)") }
        return try result.get()
    }
}

/// A partition owner whose rebalance handler was given partitions `partitions` of `commands`: their stores are open
/// and restored from the cluster's changelog.
func assignedOwner(
    _ settings: EngineSettings, _ cluster: EmbeddedKafkaCluster, partitions: [Int32] = [0],
    status: EngineStatus = EngineStatus(), metrics: KairosMetrics = KairosMetrics()
) -> PartitionOwner {
    let owner = PartitionOwner(
        settings: settings, kafka: clusterConfiguration(cluster), status: status, metrics: metrics,
        logger: quietLogger)
    _ = owner.handle(
        .assigned(partitions.map { TopicPartition(topic: settings.topics.commands, partition: $0) }))
    return owner
}

/// The value of one series of `metrics` as rendered, name and labels as Prometheus writes them (for example
/// `kairos_batches_total{result="committed"}`); nil when it is not there.
func metricValue(_ metrics: KairosMetrics, _ series: String) -> Double? {
    metrics.render().split(separator: "\n").first { $0.hasPrefix(series + " ") }
        .flatMap { Double($0.dropFirst(series.count + 1)) }
}

/// Polls until `condition` holds or `seconds` pass, suspending (not blocking) between tries; returns whether it held.
func waitUntil(seconds: Double = 15, _ condition: () throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1_000))
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try condition()
}

/// A read_committed reader of one partition of some topics, kept open from read to read: librdkafka looks a topic up
/// about a second after a client first uses it, which a reader made for each read would pay every time.
final class TopicReader {
    private let consumer: KafkaConsumer
    private let partitions: [TopicPartition]
    private var read: [String: [KafkaConsumerRecord]] = [:]

    init(_ cluster: EmbeddedKafkaCluster, topics: [String], partition: Int32 = 0) throws {
        var configuration = ConsumerConfiguration(kafka: clusterConfiguration(cluster))
        configuration.isolationLevel = .readCommitted
        configuration.fetchWaitMaxMilliseconds = 10
        consumer = try KafkaConsumer(configuration: configuration)
        partitions = topics.map { TopicPartition(topic: $0, partition: partition) }
        try consumer.assign(partitions.map { TopicPartitionOffset($0, offset: TopicPartitionOffset.beginning) })
    }

    deinit { try? consumer.close() }

    /// Every record committed to `topic` so far, in offset order: read up to the partition's end as of now.
    func records(_ topic: String) throws -> [KafkaConsumerRecord] {
        let ends = try consumer.endOffsets(of: partitions)
        let deadline = ContinuousClock.now + .seconds(15)
        while try consumer.position(partitions).contains(where: { (ends[$0.topicPartition] ?? 0) > max($0.offset, 0) }) {
            guard ContinuousClock.now < deadline else { throw EngineError("could not read up to \(ends)") }
            for record in try consumer.poll(timeoutMilliseconds: 50).records {
                read[record.topic, default: []].append(record)
            }
        }
        return read[topic] ?? []
    }

    /// The kinds of the events read from `topic` (the events topic).
    func eventKinds(_ topic: String) throws -> [String] {
        try records(topic).compactMap { try? EventRecord(decoding: $0.value ?? []).kind.rawValue }
    }
}

/// What a `BatchCommitter` works with, on the embedded cluster: an owner serving partition 0 (restored from the
/// changelog), a consumer of the group (assigned, not subscribed), the batch producer, the reporter's metrics, and a
/// reader of what is committed.
final class CommitterFixture {
    let scratch: ScratchDirectory
    let settings: EngineSettings
    let cluster: EmbeddedKafkaCluster
    let owner: PartitionOwner
    let consumer: KafkaConsumer
    let producer: BatchProducer
    let metrics = KairosMetrics()
    let refused = RefusedFirings()
    let reader: TopicReader

    init(_ guarantee: DeliveryGuarantee, cluster: ((EngineSettings) throws -> EmbeddedKafkaCluster)? = nil) throws {
        scratch = try ScratchDirectory()
        var settings = testSettings(stateDirectory: scratch.path, guarantee: guarantee)
        settings.instanceID = "committer-\(UUID().uuidString.prefix(8))"
        self.settings = settings
        let cluster = try cluster?(settings) ?? embeddedCluster(settings)
        self.cluster = cluster
        owner = assignedOwner(settings, cluster)
        consumer = try KafkaConsumer(
            configuration: ConsumerConfiguration(kafka: clusterConfiguration(cluster), groupID: settings.groupID))
        try consumer.assign([TopicPartitionOffset(topic: settings.topics.commands, partition: 0, offset: 0)])
        producer = try BatchProducer(kafka: clusterConfiguration(cluster), settings: settings, logger: quietLogger) {
            firing, _ in [KafkaProducerRecord(topic: settings.topics.deadLetters, value: Array(firing.schedule.id.utf8))]
        }
        reader = try TopicReader(cluster, topics: [settings.topics.changelog, settings.topics.events, "fired"])
    }

    var reporter: CommitReporter { CommitReporter(metrics: metrics, refused: refused, logger: quietLogger) }

    var store: ScheduleStore {
        get throws {
            guard let store = owner.stores[0] else { throw EngineError("partition 0 is not served") }
            return store
        }
    }

    /// The group's committed offset of `commands`-0 (`TopicPartitionOffset.invalid` when it has none).
    func committedOffset() throws -> Int64? {
        try consumer.committed([TopicPartition(topic: settings.topics.commands, partition: 0)]).first?.offset
    }

    /// A batch of partition 0 that creates `ids` (due at 100, 200, ...) and consumed commands up to `next`.
    func creating(_ ids: String..., next: Int64) -> OutputBatch {
        var batch = OutputBatch(topics: settings.topics)
        for (index, id) in ids.enumerated() {
            let schedule = oneShot(id, at: Int64(index + 1) * 100)
            batch.put(schedule, replacing: nil, partition: 0)
            batch.append(
                EventRecord(kind: .scheduled, id: id, occurrence: 1, scheduledFor: schedule.scheduledFor, at: 1, partition: 0))
            batch.tally.commandsApplied += 1
        }
        batch.nextCommandOffsets[0] = next
        batch.closeWithProgress()
        return batch
    }

    /// The keys of what the changelog holds, as text (`progress` for a progress record), with `-` for a tombstone.
    func changelogKeys() throws -> [String] {
        try reader.records(settings.topics.changelog).map { record in
            let key = record.key ?? []
            if ChangelogRecord.isProgress(key: key) { return "progress" }
            return (record.value == nil ? "-" : "") + String(decoding: key, as: UTF8.self)
        }
    }

    func close() {
        try? consumer.close()
        owner.releaseAll()
    }
}
