import Foundation
@testable import KairosEngine
import KafkaClient
import KairosWire
import ScheduleModel
import Synchronization
import Testing
import TestThreads

/// How `SchedulerEngine.run` ended, once it did.
final class RunOutcome: Sendable {
    let value = Mutex<Result<Void, any Error>?>(nil)
}

/// The whole engine in this process, on the embedded broker: commands in, fired records out.
@Suite(.serialized, .ownThreads) struct SchedulerEngineTests {
    /// A running engine and what a test needs around it.
    final class Running: @unchecked Sendable {
        let settings: EngineSettings
        let cluster: EmbeddedKafkaCluster
        let engine: SchedulerEngine
        let scratch: ScratchDirectory
        let finished = RunOutcome()
        let producer: KafkaProducer

        init(guarantee: DeliveryGuarantee, partitions: Int32 = 2) throws {
            scratch = try ScratchDirectory()
            var settings = testSettings(stateDirectory: scratch.path, guarantee: guarantee)
            settings.homePartition = HomePartition(rule: .murmur2, partitions: partitions)
            self.settings = settings
            cluster = try embeddedCluster(settings, partitions: partitions)
            engine = try SchedulerEngine(settings: settings, kafka: clusterConfiguration(cluster), logger: quietLogger)
            var configuration = ProducerConfiguration(kafka: clusterConfiguration(cluster))
            configuration.lingerMilliseconds = 0
            producer = try KafkaProducer(configuration: configuration)
            let engine = engine
            let finished = finished
            Task.detached {
                do {
                    try await engine.run()
                    finished.value.withLock { $0 = .success(()) }
                } catch {
                    finished.value.withLock { $0 = .failure(error) }
                }
            }
        }

        /// Waits until the engine serves every partition.
        func waitUntilServing() async throws {
            // A minute: the whole suite shares two cores, and a fresh embedded broker's group can take a while.
            let serving = await waitUntil(seconds: 60) {
                let snapshot = engine.status.snapshot
                return snapshot.partitions.count == Int(settings.homePartition?.partitions ?? 0)
                    && snapshot.partitions.values.allSatisfy { $0.state == .serving }
            }
            guard serving else {
                let outcome = finished.value.withLock { $0 }.map { "run returned: \($0)" } ?? "run still running"
                throw EngineError("the engine did not serve its partitions (\(outcome)): \(engine.status.snapshot)")
            }
        }

        func send(_ record: KafkaProducerRecord) async throws {
            _ = try await producer.send(record)
        }

        /// Records of `topic` (all partitions) read so far, read_committed, once `condition` holds on them.
        func waitForRecords(
            _ topic: String, seconds: Double = 30, until condition: ([KafkaConsumerRecord]) -> Bool
        ) async throws -> [KafkaConsumerRecord] {
            let partitions = try KafkaAdmin(configuration: clusterConfiguration(cluster)).metadata()
                .topic(named: topic).partitions.map(\.id)
            var records: [KafkaConsumerRecord] = []
            let found = try await waitUntil(seconds: seconds) {
                records = try partitions.flatMap { try readAll(cluster, topic: topic, partition: $0) }
                return condition(records)
            }
            guard found else { throw EngineError("\(topic) never held what was expected; it holds \(records.count)") }
            return records
        }

        /// Stops the engine and waits for `run` to return.
        func stop() async throws {
            engine.requestStop()
            let returned = await waitUntil(seconds: 20) { finished.value.withLock { $0 != nil } }
            #expect(returned, "run did not return after requestStop")
            try finished.value.withLock { $0 }?.get()
        }
    }

    @Test(arguments: DeliveryGuarantee.allCases)
    func aCommandFiresToItsTargetWithItsPayloadKeyAndHeaders(guarantee: DeliveryGuarantee) async throws {
        let running = try Running(guarantee: guarantee)
        try await running.waitUntilServing()
        var command = ScheduleCommand(id: "in-process", target: "fired", when: .delay("300ms"), payload: [7, 0, 9])
        command.passThroughHeaders = [ScheduleHeader(name: "trace", value: Array("t-9".utf8))]
        command.targetKey = Array("key-9".utf8)
        try await running.send(command.record(topic: running.settings.topics.commands, timestamp: SystemClock().now()))
        let fired = try await running.waitForRecords("fired") { !$0.isEmpty }
        let record = try #require(fired.first)
        #expect(fired.count == 1)
        #expect(record.value == [7, 0, 9] && record.key == Array("key-9".utf8))
        #expect(record.headers.first?.name == "trace")
        #expect(FiredRecord(record)?.id == "in-process" && FiredRecord(record)?.occurrence == 1)
        try await running.stop()
    }

    @Test func aCommandOnAnotherPartitionIsForwardedToItsHomeAndApplied() async throws {
        let running = try Running(guarantee: .exactlyOnce)
        try await running.waitUntilServing()
        let home = try #require(running.settings.homePartition)
        let id = "elsewhere-1"
        var record = ScheduleCommand(id: id, target: "fired", when: .delay("200ms"), payload: [1])
            .record(topic: running.settings.topics.commands, timestamp: SystemClock().now())
        record.partition = (home.of(id) + 1) % home.partitions
        try await running.send(record)
        let fired = try await running.waitForRecords("fired") { !$0.isEmpty }
        #expect(fired.map { FiredRecord($0)?.id } == [id])
        let events = try await running.waitForRecords(running.settings.topics.events) { records in
            records.contains { (try? EventRecord(decoding: $0.value ?? []))?.kind == .forwarded }
        }
        let kinds = events.compactMap { try? EventRecord(decoding: $0.value ?? []) }.filter { $0.id == id }
        #expect(kinds.first { $0.kind == .forwarded }?.partition == record.partition)
        #expect(kinds.first { $0.kind == .scheduled }?.partition == home.of(id))
        try await running.stop()
    }

    @Test(arguments: DeliveryGuarantee.allCases)
    func pausedSchedulesDoNotFireResumeSkipsWhatFellDueAndTriggerFiresAnExtraOne(guarantee: DeliveryGuarantee)
        async throws
    {
        let running = try Running(guarantee: guarantee)
        try await running.waitUntilServing()
        let commands = running.settings.topics.commands
        let id = "ticker"
        let created = SystemClock().now()
        try await running.send(
            ScheduleCommand(id: id, target: "fired", when: .every("1s"), payload: [1])
                .record(topic: commands, timestamp: created))
        _ = try await running.waitForRecords("fired") { $0.count >= 1 }
        try await running.send(ScheduleAction(id: id, kind: .pause).record(topic: commands, timestamp: SystemClock().now()))
        let paused = try await running.waitForRecords(running.settings.topics.events) { records in
            records.contains { (try? EventRecord(decoding: $0.value ?? []))?.kind == .paused }
        }
        #expect(!paused.isEmpty)
        let beforePause = try await running.waitForRecords("fired") { _ in true }.count
        // A negative check: the schedule stays quiet for three of its intervals while paused.
        try await Task.sleep(for: .seconds(3))
        let whilePaused = try await running.waitForRecords("fired") { _ in true }
        #expect(whilePaused.count <= beforePause + 1, "at most the firing already under way when the pause arrived")
        // A trigger fires even while paused, numbered -1.
        try await running.send(ScheduleAction(id: id, kind: .trigger).record(topic: commands, timestamp: SystemClock().now()))
        let triggered = try await running.waitForRecords("fired") { records in
            records.contains { FiredRecord($0)?.occurrence == -1 }
        }
        let extra = try #require(triggered.first { FiredRecord($0)?.occurrence == -1 })
        #expect(extra.headers.last { $0.name == "kairos-firing" }?.value == Array("triggered".utf8))
        let resumedAt = SystemClock().now()
        try await running.send(ScheduleAction(id: id, kind: .resume).record(topic: commands, timestamp: resumedAt))
        let after = try await running.waitForRecords("fired") { records in
            records.contains { (FiredRecord($0)?.scheduledFor ?? 0) >= resumedAt }
        }
        // Occurrences that fell due while paused were skipped: nothing fired for the instants in the pause.
        let regular = after.compactMap(FiredRecord.init).filter { $0.occurrence > 0 }
        #expect(Set(regular.map(\.occurrence)).count == regular.count, "an occurrence fired twice")
        let resumedFirings = regular.filter { $0.scheduledFor >= resumedAt }
        let first = try #require(resumedFirings.min { $0.occurrence < $1.occurrence })
        let lastBefore = regular.filter { $0.scheduledFor < resumedAt }.map(\.occurrence).max() ?? 0
        #expect(first.occurrence > lastBefore + 1, "no occurrence was skipped: \(lastBefore) then \(first.occurrence)")
        try await running.stop()
    }
}
