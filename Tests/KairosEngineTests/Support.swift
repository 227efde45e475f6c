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
