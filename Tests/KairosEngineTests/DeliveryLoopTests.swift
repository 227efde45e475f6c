import Foundation
@testable import KairosEngine
import KafkaClient
import KairosWire
import ScheduleModel
import Synchronization
import Testing
import TestThreads

@Suite(.ownThreads) struct DeliveryLoopTests {
    /// A delivery loop wired as `SchedulerEngine` wires it, on a clock the test moves, driven one iteration at a time
    /// by the test (or run on a thread of its own).
    final class Harness: @unchecked Sendable {
        let settings: EngineSettings
        let cluster: EmbeddedKafkaCluster
        let clock = ManualClock()
        let status = EngineStatus()
        let metrics = KairosMetrics()
        let owner: PartitionOwner
        let consumer: KafkaConsumer
        let loop: DeliveryLoop
        /// Writes commands, as a client would.
        let client: KafkaProducer
        /// Reads what the loop committed.
        let reader: TopicReader

        init(_ settings: EngineSettings, cluster: EmbeddedKafkaCluster) throws {
            self.settings = settings
            self.cluster = cluster
            let kafka = clusterConfiguration(cluster)
            let (clock, status, metrics) = (clock, status, metrics)
            let owner = PartitionOwner(
                settings: settings, kafka: kafka, status: status, metrics: metrics, logger: quietLogger)
            var configuration = ConsumerConfiguration(kafka: kafka, groupID: settings.groupID)
            configuration.isolationLevel = .readCommitted
            configuration.autoOffsetReset = .earliest
            configuration.sessionTimeoutMilliseconds = settings.sessionTimeoutMilliseconds
            configuration.heartbeatIntervalMilliseconds = 1_000
            configuration.fetchWaitMaxMilliseconds = 50
            let consumer = try KafkaConsumer(configuration: configuration) { event in owner.handle(event) }
            let refused = RefusedFirings()
            let deliveries = WebhookDeliveries(settings: settings.webhooks) { consumer.wakeUp() }
            let inFlight = CommitPipeline()
            let view = ScheduleView(owner: owner, inFlight: inFlight)
            let outcomes = WebhookOutcomes(
                settings: settings, clock: clock, view: view, owner: owner, deliveries: deliveries, metrics: metrics,
                logger: quietLogger)
            let firings = DueFirings(
                settings: settings, clock: clock, view: view, owner: owner, webhooks: outcomes, refused: refused,
                logger: quietLogger)
            let producer = try BatchProducer(kafka: kafka, settings: settings, logger: quietLogger) { firing, error in
                firings.deadLetterRecords(of: firing, refusedWith: error)
            }
            let reporter = CommitReporter(metrics: metrics, refused: refused, logger: quietLogger)
            let committer: any BatchCommitter =
                switch settings.guarantee {
                case .exactlyOnce:
                    TransactionalCommitter(producer: producer, consumer: consumer, owner: owner, reporter: reporter)
                case .atLeastOnce:
                    PipelinedCommitter(
                        inFlight: inFlight, producer: producer, consumer: consumer, owner: owner, reporter: reporter)
                }
            let parts = DeliveryLoop.Parts(
                consumer: consumer, owner: owner, view: view, committer: committer,
                applier: CommandApplier(
                    settings: settings, clock: clock, view: view, deliveries: deliveries, refused: refused,
                    logger: quietLogger),
                outcomes: outcomes, firings: firings, deliveries: deliveries, refused: refused,
                publisher: StatusPublisher(
                    owner: owner, consumer: consumer, commandsTopic: settings.topics.commands, deliveries: deliveries,
                    status: status, metrics: metrics))
            let loop = DeliveryLoop(
                settings: settings, clock: clock, parts: parts, status: status, metrics: metrics, logger: quietLogger)
            owner.beforeRelease = { [unowned loop] in loop.settleAll() }
            self.owner = owner
            self.consumer = consumer
            self.loop = loop
            var clientConfiguration = ProducerConfiguration(kafka: kafka)
            clientConfiguration.lingerMilliseconds = 0
            client = try KafkaProducer(configuration: clientConfiguration)
            reader = try TopicReader(
                cluster, topics: ["fired", settings.topics.events, settings.topics.deadLetters])
        }

        /// Joins the group and iterates until partition 0 is served.
        func join() throws {
            try consumer.subscribe([settings.topics.commands])
            try iterate(until: "partition 0 is served") { owner.stores[0] != nil }
        }

        /// Runs iterations until `condition` holds, for at most 20 s.
        func iterate(until what: String, _ condition: () throws -> Bool) throws {
            let deadline = ContinuousClock.now + .seconds(20)
            while try !condition() {
                guard ContinuousClock.now < deadline else { throw EngineError("timed out waiting until \(what)") }
                try loop.iterate()
            }
        }

        var store: ScheduleStore {
            get throws {
                guard let store = owner.stores[0] else { throw EngineError("partition 0 is not served") }
                return store
            }
        }

        /// Writes `records` to partition 0 and waits until they are written.
        func send(_ records: KafkaProducerRecord...) throws {
            for var record in records {
                record.partition = 0
                try client.produce(record)
            }
            try client.flush()
        }

        func close() {
            try? consumer.close()
            owner.releaseAll()
        }
    }

    func harness(_ guarantee: DeliveryGuarantee, scratch: ScratchDirectory) throws -> Harness {
        let settings = testSettings(stateDirectory: scratch.path, guarantee: guarantee)
        return try Harness(settings, cluster: try embeddedCluster(settings))
    }

    func text(_ record: KafkaConsumerRecord) -> [String] {
        record.headers.map { "\($0.name)=\(String(decoding: $0.value ?? [], as: UTF8.self))" }
    }

    @Test(arguments: DeliveryGuarantee.allCases)
    func aCommandFiresExactlyWhenTheClockReachesItsTime(guarantee: DeliveryGuarantee) throws {
        let scratch = try ScratchDirectory()
        let harness = try harness(guarantee, scratch: scratch)
        defer { harness.close() }
        try harness.join()
        let due = harness.clock.now() + 60_000
        var command = ScheduleCommand(id: "later", target: "fired", when: .at(String(due)), payload: Array("hi".utf8))
        command.targetKey = Array("k-1".utf8)
        command.passThroughHeaders = [ScheduleHeader(name: "trace", value: Array("t-1".utf8))]
        try harness.send(command.record(topic: harness.settings.topics.commands, timestamp: harness.clock.now()))
        try harness.iterate(until: "the command is stored") { try harness.store.commandsOffset == 1 }
        #expect(try harness.store.schedule(id: "later")?.fireAt == due)
        #expect(try harness.reader.records("fired").isEmpty, "not due yet")
        harness.clock.set(due)
        try harness.iterate(until: "the firing is stored") { try harness.store.schedule(id: "later") == nil }
        let fired = try harness.reader.records("fired")
        #expect(fired.count == 1)
        let record = try #require(fired.first)
        #expect(record.value == Array("hi".utf8))
        #expect(record.key == Array("k-1".utf8))
        #expect(
            text(record) == [
                "trace=t-1", "kairos-id=later", "kairos-scheduled-for=\(due)", "kairos-fired-at=\(due)",
                "kairos-occurrence=1",
            ])
        #expect(try harness.reader.eventKinds(harness.settings.topics.events) == ["scheduled", "fired"])
        #expect(metricValue(harness.metrics, #"kairos_firings_total{target="kafka",outcome="delivered"}"#) == 1)
        #expect(metricValue(harness.metrics, #"kairos_commands_total{result="applied"}"#) == 1)
    }

    @Test func aBadCommandGoesToTheDeadLetterTopicAndItsOffsetIsConsumed() throws {
        let scratch = try ScratchDirectory()
        let harness = try harness(.exactlyOnce, scratch: scratch)
        defer { harness.close() }
        try harness.join()
        let bad = KafkaProducerRecord(
            topic: harness.settings.topics.commands, key: Array("bad".utf8), value: [1],
            headers: [KafkaHeader(KairosHeader.at, "not a time"), KafkaHeader(KairosHeader.target, "fired")])
        try harness.send(bad)
        try harness.iterate(until: "the command is consumed") { try harness.store.commandsOffset == 1 }
        #expect(try harness.store.schedule(id: "bad") == nil)
        let letters = try harness.reader.records(harness.settings.topics.deadLetters).map(DeadLetterRecord.init)
        #expect(letters.count == 1)
        #expect(letters.first?.kind == .rejected)
        #expect(letters.first?.source == TopicPartitionOffset(topic: harness.settings.topics.commands, partition: 0, offset: 0))
        #expect(letters.first?.command.value == [1])
        #expect(try harness.reader.eventKinds(harness.settings.topics.events) == ["rejected"])
    }

    @Test func aCancelledScheduleDoesNotFire() throws {
        let scratch = try ScratchDirectory()
        let harness = try harness(.exactlyOnce, scratch: scratch)
        defer { harness.close() }
        try harness.join()
        let due = harness.clock.now() + 1_000
        let commands = harness.settings.topics.commands
        try harness.send(
            ScheduleCommand(id: "gone", target: "fired", when: .at(String(due))).record(
                topic: commands, timestamp: harness.clock.now()),
            ScheduleCancellation(id: "gone").record(topic: commands, timestamp: harness.clock.now()))
        try harness.iterate(until: "both commands are consumed") { try harness.store.commandsOffset == 2 }
        #expect(try harness.store.schedule(id: "gone") == nil)
        harness.clock.set(due + 1)
        // An iteration fires what is due and commits it before it returns.
        try harness.loop.iterate()
        #expect(try harness.reader.records("fired").isEmpty)
        #expect(try harness.reader.eventKinds(harness.settings.topics.events) == ["scheduled", "cancelled"])
    }

    @Test func aRestartedLoopResumesAfterTheCommandsItsStoreReflects() throws {
        let scratch = try ScratchDirectory()
        let settings = testSettings(stateDirectory: scratch.path, guarantee: .exactlyOnce)
        let cluster = try embeddedCluster(settings)
        let first = try Harness(settings, cluster: cluster)
        try first.join()
        let due = first.clock.now() + 3_600_000
        try first.send(
            ScheduleCommand(id: "kept", target: "fired", when: .at(String(due))).record(
                topic: settings.topics.commands, timestamp: first.clock.now()))
        try first.iterate(until: "the command is stored") { try first.store.commandsOffset == 1 }
        first.close()
        // The embedded broker does not store offsets committed in a transaction: only the store says where to resume.
        let second = try Harness(settings, cluster: cluster)
        defer { second.close() }
        try second.join()
        #expect(try second.store.schedule(id: "kept")?.fireAt == due)
        try second.send(
            ScheduleCommand(id: "next", target: "fired", when: .at(String(due))).record(
                topic: settings.topics.commands, timestamp: second.clock.now()))
        try second.iterate(until: "the new command is stored") { try second.store.commandsOffset == 2 }
        let events = try second.reader.records(settings.topics.events)
        #expect(events.compactMap { try? EventRecord(decoding: $0.value ?? []) }.map(\.id) == ["kept", "next"])
        #expect(second.status.snapshot.partitions[0]?.restoredRecords == 0, "the store was current")
    }

    @Test func requestStopMakesRunReturnAndCloseTheStores() throws {
        let scratch = try ScratchDirectory()
        let harness = try harness(.atLeastOnce, scratch: scratch)
        let returned = DispatchSemaphore(value: 0)
        let failure = Mutex<String?>(nil)
        let thread = Thread {
            do {
                try harness.loop.run()
            } catch {
                failure.withLock { $0 = "\(error)" }
            }
            returned.signal()
        }
        thread.start()
        let serving = eventually(seconds: 20) {
            harness.status.snapshot.running && harness.status.snapshot.partitions[0]?.state == .serving
        }
        #expect(serving)
        harness.loop.requestStop()
        #expect(returned.wait(timeout: .now() + 20) == .success, "run did not return")
        #expect(failure.withLock { $0 } == nil)
        #expect(!harness.status.snapshot.running)
        #expect(harness.status.snapshot.partitions.isEmpty)
        #expect(harness.owner.ownedPartitions.isEmpty)
        // Closed: RocksDB's lock is free again.
        let reopened = try ScheduleStore(partition: 0, path: harness.owner.storePath(0))
        reopened.close()
    }
}
