@testable import KafkaClient
@testable import KairosEngine
import KairosWire
import ScheduleModel
import Testing
import TestThreads

@Suite(.ownThreads) struct CommandApplierTests {
    /// An applier over one store of partition 0, on a clock the test sets.
    final class Harness {
        let scratch: ScratchDirectory
        let settings = testSettings()
        let clock = ManualClock()
        let store: ScheduleStore
        let refused = RefusedFirings()
        let deliveries: WebhookDeliveries
        let applier: CommandApplier

        init() throws {
            scratch = try ScratchDirectory()
            store = try openStore(scratch)
            let owner = unrestoredOwner(serving: [store], settings: settings)
            deliveries = WebhookDeliveries(settings: settings.webhooks) {}
            applier = CommandApplier(
                settings: settings, clock: clock, view: ScheduleView(owner: owner, inFlight: CommitPipeline()),
                deliveries: deliveries, refused: refused, logger: quietLogger)
        }

        deinit {
            store.close()
        }

        func batch() -> OutputBatch { OutputBatch(topics: settings.topics) }

        /// A create command for `id` firing at `at` (epoch ms), as read at `offset`.
        func create(_ id: String, at: Int64, offset: Int64 = 0, payload: String = "body") -> KafkaConsumerRecord {
            commandRecord(command(id, at: at, payload: payload), offset: offset)
        }

        func command(_ id: String, at: Int64, payload: String = "body") -> KafkaProducerRecord {
            ScheduleCommand(id: id, target: "fired", when: .at(String(at)), payload: Array(payload.utf8))
                .record(topic: settings.topics.commands, timestamp: clock.now())
        }

        func cancel(_ id: String, offset: Int64 = 0) -> KafkaConsumerRecord {
            commandRecord(
                ScheduleCancellation(id: id).record(topic: settings.topics.commands, timestamp: clock.now()),
                offset: offset)
        }
    }

    /// The events of `batch`, decoded.
    func events(_ batch: OutputBatch) throws -> [EventRecord] {
        try batch.records.filter { $0.topic == "t.events" }.map { try EventRecord(decoding: $0.value ?? []) }
    }

    @Test func aCreateWritesItsStateAScheduledEventAndCountsAsApplied() throws {
        let harness = try Harness()
        let fireAt = harness.clock.now() + 60_000
        var batch = harness.batch()
        try harness.applier.apply(harness.create("a", at: fireAt, offset: 7, payload: "hello"), to: &batch)

        let schedule = try #require(batch.state(of: "a", partition: 0) ?? nil)
        #expect(schedule.scheduledFor == fireAt)
        #expect(schedule.fireAt == fireAt)
        #expect(schedule.target == .kafka(topic: "fired"))
        #expect(schedule.payload == Array("hello".utf8))
        #expect(schedule.sourceOffset == 7)
        #expect(schedule.occurrence == 1)

        #expect(batch.records.map(\.topic) == ["t.changelog", "t.events"])
        #expect(batch.records[0].key == Array("a".utf8))
        #expect(batch.records[0].value == ScheduleCodec.encode(schedule))
        guard case .upsert(_, _, let replacing) = batch.changes[0]?.first else {
            Issue.record("a create is not an upsert")
            return
        }
        #expect(replacing == .absent)
        #expect(
            try events(batch) == [
                EventRecord(
                    kind: .scheduled, id: "a", occurrence: 1, scheduledFor: fireAt, at: harness.clock.now(),
                    partition: 0)
            ])
        #expect(batch.tally.commandsApplied == 1)
        #expect(batch.tally.commandsRejected == 0)
        #expect(batch.rejected == 0)
        #expect(batch.nextCommandOffsets == [0: 8])
    }

    @Test func aCreateOverAStoredScheduleIsAReplace() throws {
        let harness = try Harness()
        let stored = oneShot("a", at: 5_000)
        try harness.store.apply([.upsert(stored)], changelogOffset: 0, commandsOffset: 1)
        let fireAt = harness.clock.now() + 1_000
        var batch = harness.batch()
        try harness.applier.apply(harness.create("a", at: fireAt, offset: 1), to: &batch)

        #expect(try events(batch).map(\.kind) == [.replaced])
        #expect(try events(batch).first?.scheduledFor == fireAt)
        guard case .upsert(let schedule, _, let replacing) = batch.changes[0]?.first else {
            Issue.record("a replace is not an upsert")
            return
        }
        #expect(schedule.fireAt == fireAt)
        #expect(replacing == .dueAt(5_000))
        #expect(batch.tally.commandsApplied == 1)
    }

    @Test func aSecondCreateInTheSameBatchReplacesTheFirst() throws {
        let harness = try Harness()
        var batch = harness.batch()
        let now = harness.clock.now()
        try harness.applier.apply(harness.create("a", at: now + 100, offset: 0), to: &batch)
        try harness.applier.apply(harness.create("a", at: now + 200, offset: 1), to: &batch)
        #expect(try events(batch).map(\.kind) == [.scheduled, .replaced])
        #expect(batch.state(of: "a", partition: 0)??.fireAt == now + 200)
        #expect(batch.tally.commandsApplied == 2)
        #expect(batch.nextCommandOffsets == [0: 2])
    }

    @Test func aCancelOfALiveScheduleWritesATombstoneAndACancelledEvent() throws {
        let harness = try Harness()
        let stored = oneShot("a", at: 5_000)
        try harness.store.apply([.upsert(stored)], changelogOffset: 0, commandsOffset: 1)
        var batch = harness.batch()
        try harness.applier.apply(harness.cancel("a", offset: 4), to: &batch)

        #expect(batch.records.count == 2)
        #expect(batch.records[0].topic == "t.changelog")
        #expect(batch.records[0].key == Array("a".utf8))
        #expect(batch.records[0].value == nil)
        let state = batch.state(of: "a", partition: 0)
        #expect(state != nil && state! == nil)
        #expect(
            try events(batch) == [
                EventRecord(
                    kind: .cancelled, id: "a", occurrence: 1, scheduledFor: 5_000, at: harness.clock.now(),
                    partition: 0)
            ])
        #expect(batch.tally.commandsApplied == 1)
        #expect(batch.nextCommandOffsets == [0: 5])
    }

    @Test func aCancelOfAnUnknownIdConsumesOnlyItsOffset() throws {
        let harness = try Harness()
        var batch = harness.batch()
        try harness.applier.apply(harness.cancel("nobody", offset: 9), to: &batch)
        #expect(batch.records.isEmpty)
        #expect(batch.changes.isEmpty)
        #expect(!batch.changed("nobody", partition: 0))
        #expect(batch.nextCommandOffsets == [0: 10])
        #expect(batch.tally.commandsApplied == 1)
        #expect(batch.rejected == 0)
    }

    @Test func aMalformedCommandGoesToTheDLQWithItsReasonAndSource() throws {
        let harness = try Harness()
        // No `kairos-target`.
        var command = harness.command("bad", at: harness.clock.now())
        command.headers.removeAll { $0.name == KairosHeader.target }
        command.headers.append(KafkaHeader("trace", "t-1"))
        let record = commandRecord(command, partition: 0, offset: 12)
        guard
            case .failure(let rejection) = CommandDecoder(policy: harness.settings.commandPolicy).decode(
                CommandRecord(record, receivedAt: 0))
        else {
            Issue.record("the command without a target was not rejected")
            return
        }
        let reason = rejection.reason
        #expect(reason.contains("kairos-target"))

        var batch = harness.batch()
        try harness.applier.apply(record, to: &batch)

        #expect(batch.records.map(\.topic) == ["t.dlq", "t.events"])
        let letter = batch.records[0]
        #expect(letter.key == record.key)
        #expect(letter.value == record.value)
        #expect(headerText(letter, KairosHeader.error) == reason)
        #expect(headerText(letter, KairosHeader.errorKind) == "rejected")
        #expect(headerText(letter, KairosHeader.sourceTopic) == "t.commands")
        #expect(headerText(letter, KairosHeader.sourcePartition) == "0")
        #expect(headerText(letter, KairosHeader.sourceOffset) == "12")
        // The command's own headers are kept, so that it can be replayed.
        #expect(headerText(letter, "trace") == "t-1")
        let read = DeadLetterRecord(consumed(letter))
        #expect(read.kind == .rejected)
        #expect(read.source == TopicPartitionOffset(topic: "t.commands", partition: 0, offset: 12))
        #expect(read.command.headers == record.headers)

        #expect(
            try events(batch) == [
                EventRecord(
                    kind: .rejected, id: "bad", occurrence: nil, scheduledFor: nil, at: harness.clock.now(),
                    partition: 0, detail: reason)
            ])
        #expect(batch.changes.isEmpty)
        #expect(batch.rejected == 1)
        #expect(batch.tally.commandsRejected == 1)
        #expect(batch.tally.commandsApplied == 0)
        #expect(batch.nextCommandOffsets == [0: 13])
    }

    @Test func aCommandWithoutAKeyIsRejectedWithAnEmptyId() throws {
        let harness = try Harness()
        var command = harness.command("x", at: harness.clock.now())
        command.key = nil
        var batch = harness.batch()
        try harness.applier.apply(commandRecord(command, offset: 3), to: &batch)
        #expect(try events(batch).map(\.id) == [""])
        #expect(try events(batch).map(\.kind) == [.rejected])
        #expect(batch.records.first?.topic == "t.dlq")
        #expect(batch.nextCommandOffsets == [0: 4])
    }

    @Test func theEventTimeComesFromTheClock() throws {
        let harness = try Harness()
        harness.clock.set(1_900_000_000_000)
        var batch = harness.batch()
        try harness.applier.apply(harness.create("a", at: 1_900_000_100_000, offset: 0), to: &batch)
        harness.clock.advance(by: 2_500)
        try harness.applier.apply(harness.cancel("a", offset: 1), to: &batch)
        #expect(try events(batch).map(\.at) == [1_900_000_000_000, 1_900_000_002_500])
    }

    @Test func aCommandWithoutTimestampDelaysFromTheClock() throws {
        let harness = try Harness()
        harness.clock.set(1_850_000_000_000)
        let command = ScheduleCommand(id: "d", target: "fired", when: .delay("30s"), payload: [1])
            .record(topic: harness.settings.topics.commands, timestamp: 0)
        let record = KafkaConsumerRecord(
            topic: command.topic, partition: 0, offset: 0, key: command.key, value: command.value,
            headers: command.headers, timestamp: nil)
        var batch = harness.batch()
        try harness.applier.apply(record, to: &batch)
        #expect(batch.state(of: "d", partition: 0)??.scheduledFor == 1_850_000_030_000)
        #expect(try events(batch).first?.scheduledFor == 1_850_000_030_000)
    }

    @Test func aCommandOfAnotherPartitionConsumesThatPartitionsOffset() throws {
        let harness = try Harness()
        var batch = harness.batch()
        try harness.applier.apply(harness.create("a", at: harness.clock.now(), offset: 3), to: &batch)
        try harness.applier.apply(commandRecord(harness.command("b", at: harness.clock.now()), partition: 1, offset: 20), to: &batch)
        #expect(batch.nextCommandOffsets == [0: 4, 1: 21])
        #expect(batch.changed("b", partition: 1) && !batch.changed("b", partition: 0))
        #expect(try events(batch).map(\.partition) == [0, 1])
    }

    @Test func aNewVersionOfARefusedScheduleGetsAFreshChance() throws {
        let harness = try Harness()
        let error = KafkaError.local("produce", "record too large")
        let firing = Firing(
            partition: 0, schedule: oneShot("a", at: 1), occurrence: Occurrence(number: 1, instant: 1), firedAt: 2)
        harness.refused.note(UndeliverableFirings(firings: [(firing, error)]))
        #expect(harness.refused.error(for: "a", partition: 0) != nil)

        var batch = harness.batch()
        try harness.applier.apply(harness.create("a", at: harness.clock.now(), offset: 1), to: &batch)
        #expect(harness.refused.error(for: "a", partition: 0) == nil)
    }
}
