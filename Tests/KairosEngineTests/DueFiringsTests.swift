@testable import KafkaClient
@testable import KairosEngine
import KairosWire
import ScheduleModel
import Testing
import TestThreads

@Suite(.ownThreads) struct DueFiringsTests {
    /// Due firings over stores of `partitions`, on a clock the test sets.
    final class Harness {
        let scratch: ScratchDirectory
        let settings: EngineSettings
        let clock = ManualClock()
        let stores: [ScheduleStore]
        let owner: PartitionOwner
        let refused = RefusedFirings()
        let deliveries: WebhookDeliveries
        let firings: DueFirings

        init(partitions: [Int32] = [0], maxFiresPerBatch: Int = 10_000) throws {
            let scratch = try ScratchDirectory()
            self.scratch = scratch
            var settings = testSettings()
            settings.maxFiresPerBatch = maxFiresPerBatch
            self.settings = settings
            stores = try partitions.map { try openStore(scratch, partition: $0) }
            owner = unrestoredOwner(serving: stores, settings: settings)
            deliveries = WebhookDeliveries(settings: settings.webhooks) {}
            let view = ScheduleView(owner: owner, inFlight: CommitPipeline())
            let webhooks = WebhookOutcomes(
                settings: settings, clock: clock, view: view, owner: owner, deliveries: deliveries,
                metrics: KairosMetrics(), logger: quietLogger)
            firings = DueFirings(
                settings: settings, clock: clock, view: view, owner: owner, webhooks: webhooks, refused: refused,
                logger: quietLogger)
        }

        deinit {
            stores.forEach { $0.close() }
        }

        /// Puts `schedules` in the store of `partition`.
        func store(_ schedules: [Schedule], partition: Int32 = 0) throws {
            let store = try #require(stores.first { $0.partition == partition })
            try store.apply(schedules.map { .upsert($0) }, changelogOffset: nil, commandsOffset: nil)
        }

        /// Fires what is due now into a new batch.
        func fire(passingOver passed: [Int32: Set<String>] = [:]) throws -> OutputBatch {
            var batch = OutputBatch(topics: settings.topics)
            try firings.fire(into: &batch, passingOver: passed)
            return batch
        }

        /// Writes what `batch` changed to the stores, as a committed batch would.
        func commit(_ batch: OutputBatch) throws {
            try ScheduleStore.applyAll(owner.storeWrites(of: batch, changelogOffsets: [:]))
        }
    }

    func fired(_ batch: OutputBatch) -> [KafkaProducerRecord] {
        batch.records.filter { $0.topic == "fired" }
    }

    func events(_ batch: OutputBatch) throws -> [EventRecord] {
        try batch.records.filter { $0.topic == "t.events" }.map { try EventRecord(decoding: $0.value ?? []) }
    }

    func changelog(_ batch: OutputBatch) -> [KafkaProducerRecord] {
        batch.records.filter { $0.topic == "t.changelog" }
    }

    @Test func aDueOneShotFiresItsRecordAnEventAndATombstone() throws {
        let harness = try Harness()
        let now = harness.clock.now()
        let schedule = Schedule(
            id: "a", target: .kafka(topic: "fired"), targetKey: Array("key-1".utf8), payload: Array("payload".utf8),
            headers: [ScheduleHeader(name: "trace", value: Array("t-9".utf8))], scheduledFor: now - 250,
            sourceOffset: 3)
        try harness.store([schedule])
        let batch = try harness.fire()

        #expect(batch.records.map(\.topic) == ["fired", "t.events", "t.changelog"])
        let record = batch.records[0]
        #expect(record.key == Array("key-1".utf8))
        #expect(record.value == Array("payload".utf8))
        #expect(record.partition == nil)
        #expect(
            record.headers == [
                KafkaHeader("trace", "t-9"), KafkaHeader(KairosHeader.id, "a"),
                KafkaHeader(KairosHeader.scheduledFor, String(now - 250)),
                KafkaHeader(KairosHeader.firedAt, String(now)), KafkaHeader(KairosHeader.occurrence, "1"),
            ])
        #expect(
            try events(batch) == [
                EventRecord(kind: .fired, id: "a", occurrence: 1, scheduledFor: now - 250, at: now, partition: 0)
            ])
        let tombstone = batch.records[2]
        #expect(tombstone.key == Array("a".utf8) && tombstone.value == nil && tombstone.partition == 0)
        let state = batch.state(of: "a", partition: 0)
        #expect(state != nil && state! == nil)

        #expect(batch.fired == 1)
        #expect(batch.firings[0]?.schedule == schedule)
        #expect(batch.firings[0]?.occurrence == Occurrence(number: 1, instant: now - 250))
        #expect(batch.firings[0]?.firedAt == now)
        #expect(batch.tally.kafkaDelivered == 1)
        #expect(batch.tally.lateness.map(\.target) == ["kafka"])
        #expect(batch.tally.lateness.map(\.milliseconds) == [250])
    }

    @Test func aOneShotWithoutTargetKeyIsKeyedByItsId() throws {
        let harness = try Harness()
        try harness.store([oneShot("plain", at: harness.clock.now())])
        let batch = try harness.fire()
        #expect(fired(batch).map(\.key) == [Array("plain".utf8)])
    }

    @Test func aScheduleNotYetDueFiresOnceTheClockReachesIt() throws {
        let harness = try Harness()
        let at = harness.clock.now() + 1_000
        try harness.store([oneShot("later", at: at)])
        let early = try harness.fire()
        #expect(early.records.isEmpty)
        #expect(early.fired == 0)

        harness.clock.advance(by: 999)
        #expect(try harness.fire().records.isEmpty)

        harness.clock.advance(by: 1)
        let due = try harness.fire()
        #expect(fired(due).count == 1)
        #expect(fired(due).first.flatMap { headerText($0, KairosHeader.firedAt) } == String(at))
        #expect(due.tally.lateness.map(\.milliseconds) == [0])
    }

    @Test func aRecurringScheduleRecordsItsNextOccurrence() throws {
        let harness = try Harness()
        let schedule = try recurring("r", every: "10m", anchor: harness.clock.now())
        let first = schedule.scheduledFor
        harness.clock.set(first)
        try harness.store([schedule])
        let batch = try harness.fire()

        #expect(batch.records.map(\.topic) == ["fired", "t.events", "t.changelog"])
        #expect(headerText(batch.records[0], KairosHeader.occurrence) == "1")
        #expect(headerText(batch.records[0], KairosHeader.scheduledFor) == String(first))
        #expect(try events(batch).map(\.detail) == [nil])
        let next = try #require(batch.state(of: "r", partition: 0) ?? nil)
        #expect(next.occurrence == 2)
        #expect(next.scheduledFor == first + 600_000)
        #expect(next.fireAt == first + 600_000)
        #expect(next.previous == Occurrence(number: 1, instant: first))
        guard case .schedule(let logged, _) = ChangelogRecord.entry(key: batch.records[2].key, value: batch.records[2].value)
        else {
            Issue.record("the changelog record is not the next state")
            return
        }
        #expect(logged == next)

        // Once committed, the next occurrence fires when due, numbered on.
        try harness.commit(batch)
        harness.clock.advance(by: 599_999)
        #expect(try harness.fire().records.isEmpty)
        harness.clock.advance(by: 1)
        let second = try harness.fire()
        #expect(fired(second).first.flatMap { headerText($0, KairosHeader.occurrence) } == "2")
        #expect((second.state(of: "r", partition: 0) ?? nil)?.occurrence == 3)
    }

    @Test func theLastOccurrenceOfARecurringScheduleEndsIt() throws {
        let harness = try Harness()
        let schedule = try recurring("once", every: "1m", anchor: harness.clock.now(), limit: 1)
        harness.clock.set(schedule.scheduledFor)
        try harness.store([schedule])
        let batch = try harness.fire()
        #expect(fired(batch).count == 1)
        #expect(try events(batch).map(\.detail) == ["last occurrence"])
        #expect(changelog(batch).map(\.value).allSatisfy { $0 == nil })
        let state = batch.state(of: "once", partition: 0)
        #expect(state != nil && state! == nil)
    }

    @Test func anOccurrenceLateWithinTheGraceFiresAsItIs() throws {
        let harness = try Harness()
        let schedule = try recurring("r", every: "10m", anchor: harness.clock.now())
        let first = schedule.scheduledFor
        harness.clock.set(first + harness.settings.misfireGraceMilliseconds)
        try harness.store([schedule])
        let batch = try harness.fire()
        #expect(fired(batch).map { headerText($0, KairosHeader.occurrence) } == ["1"])
        #expect(batch.tally.lateness.map(\.milliseconds) == [harness.settings.misfireGraceMilliseconds])
        #expect((batch.state(of: "r", partition: 0) ?? nil)?.occurrence == 2)
    }

    @Test func missedOccurrencesCollapseIntoOneLateFiring() throws {
        let harness = try Harness()
        let schedule = try recurring("r", every: "10m", anchor: harness.clock.now(), misfire: "fire")
        let first = schedule.scheduledFor
        // Occurrences 1, 2 and 3 (at +0, +10m, +20m) were missed.
        let now = first + 25 * 60_000
        harness.clock.set(now)
        try harness.store([schedule])
        let batch = try harness.fire()

        #expect(fired(batch).count == 1)
        let record = try #require(fired(batch).first)
        #expect(headerText(record, KairosHeader.occurrence) == "3")
        #expect(headerText(record, KairosHeader.scheduledFor) == String(first + 20 * 60_000))
        #expect(headerText(record, KairosHeader.firedAt) == String(now))
        #expect(try events(batch).map(\.occurrence) == [3])
        let next = try #require(batch.state(of: "r", partition: 0) ?? nil)
        #expect(next.occurrence == 4)
        #expect(next.scheduledFor == first + 30 * 60_000)
        #expect(next.previous == Occurrence(number: 3, instant: first + 20 * 60_000))
        #expect(batch.fired == 1)
    }

    @Test func missedOccurrencesAreSkippedWithMisfireSkip() throws {
        let harness = try Harness()
        let schedule = try recurring("r", every: "10m", anchor: harness.clock.now(), misfire: "skip")
        let first = schedule.scheduledFor
        harness.clock.set(first + 25 * 60_000)
        try harness.store([schedule])
        let batch = try harness.fire()

        #expect(fired(batch).isEmpty)
        #expect(try events(batch).isEmpty)
        #expect(batch.fired == 0)
        #expect(batch.tally.kafkaDelivered == 0)
        // Moved on to the next future occurrence, nothing fired.
        let moved = try #require(batch.state(of: "r", partition: 0) ?? nil)
        #expect(moved.occurrence == 4)
        #expect(moved.scheduledFor == first + 30 * 60_000)
        #expect(moved.fireAt == first + 30 * 60_000)
        #expect(moved.previous == nil)
        #expect(changelog(batch).count == 1)
        #expect(changelog(batch).first?.value == ScheduleCodec.encode(moved))
    }

    @Test func aRecentMissedOccurrenceStillFiresWithMisfireSkip() throws {
        let harness = try Harness()
        let schedule = try recurring("r", every: "10m", anchor: harness.clock.now(), misfire: "skip")
        let first = schedule.scheduledFor
        // Occurrence 3 (at +20m) is 30 s old: within the grace.
        harness.clock.set(first + 20 * 60_000 + 30_000)
        try harness.store([schedule])
        let batch = try harness.fire()
        #expect(fired(batch).map { headerText($0, KairosHeader.occurrence) } == ["3"])
        #expect((batch.state(of: "r", partition: 0) ?? nil)?.occurrence == 4)
    }

    @Test func atMostMaxFiresPerBatchFireInFireTimeOrder() throws {
        let harness = try Harness(maxFiresPerBatch: 2)
        let now = harness.clock.now()
        try harness.store([oneShot("c", at: now - 100), oneShot("a", at: now - 300), oneShot("b", at: now - 200)])
        let batch = try harness.fire()
        #expect(batch.fired == 2)
        #expect(fired(batch).map { headerText($0, KairosHeader.id) } == ["a", "b"])
        try harness.commit(batch)
        let rest = try harness.fire()
        #expect(fired(rest).map { headerText($0, KairosHeader.id) } == ["c"])
        try harness.commit(rest)
        #expect(try harness.fire().records.isEmpty)
    }

    @Test func theLimitIsSharedByThePartitions() throws {
        let harness = try Harness(partitions: [0, 1], maxFiresPerBatch: 3)
        let now = harness.clock.now()
        try harness.store([oneShot("p0-a", at: now - 10), oneShot("p0-b", at: now - 5)], partition: 0)
        try harness.store([oneShot("p1-a", at: now - 20), oneShot("p1-b", at: now - 15)], partition: 1)
        let batch = try harness.fire()
        #expect(batch.fired == 3)
        #expect(fired(batch).map { headerText($0, KairosHeader.id) } == ["p0-a", "p0-b", "p1-a"])
        #expect(try events(batch).map(\.partition) == [0, 0, 1])
        #expect(changelog(batch).map(\.partition) == [0, 0, 1])
    }

    @Test func aPassedOverScheduleDoesNotFire() throws {
        let harness = try Harness()
        let now = harness.clock.now()
        try harness.store([oneShot("busy", at: now - 10), oneShot("free", at: now - 5)])
        let batch = try harness.fire(passingOver: [0: ["busy"]])
        #expect(fired(batch).map { headerText($0, KairosHeader.id) } == ["free"])
        #expect(!batch.changed("busy", partition: 0))
    }

    @Test func aRefusedScheduleGoesToTheDLQInsteadOfFiring() throws {
        let harness = try Harness()
        let now = harness.clock.now()
        let schedule = oneShot("refused", at: now - 50, topic: "missing")
        try harness.store([schedule])
        let error = KafkaError.local("produce", "unknown topic")
        let earlier = Firing(
            partition: 0, schedule: schedule, occurrence: Occurrence(number: 1, instant: now - 50), firedAt: now - 40)
        harness.refused.note(UndeliverableFirings(firings: [(earlier, error)]))

        let batch = try harness.fire()
        #expect(batch.records.map(\.topic) == ["t.dlq", "t.events", "t.changelog"])
        #expect(batch.records.allSatisfy { $0.topic != "missing" })
        #expect(batch.firings.isEmpty)
        #expect(batch.deadLettered.map(\.schedule.id) == ["refused"])
        #expect(batch.deadLettered.first?.firedAt == now)
        #expect(batch.tally.kafkaDeadLettered == 1)
        #expect(batch.tally.kafkaDelivered == 0)
        #expect(batch.fired == 1)
        let letter = DeadLetterRecord(consumed(batch.records[0]))
        #expect(letter.kind == .deliveryFailed)
        #expect(letter.id == "refused")
        #expect(try events(batch).map(\.kind) == [.deadLettered])
        let state = batch.state(of: "refused", partition: 0)
        #expect(state != nil && state! == nil)
    }

    @Test func deadLetterRecordsSayWhyAndWhichOccurrence() throws {
        let harness = try Harness()
        var schedule = oneShot("d", at: 1_000, topic: "target", payload: "bytes")
        schedule.headers = [ScheduleHeader(name: "trace", value: Array("t-1".utf8))]
        schedule.targetKey = Array("k".utf8)
        let error = KafkaError.local("produce", "message too large")
        let firing = Firing(
            partition: 2, schedule: schedule, occurrence: Occurrence(number: 4, instant: 900), firedAt: 1_234)
        let records = harness.firings.deadLetterRecords(of: firing, refusedWith: error)

        #expect(records.map(\.topic) == ["t.dlq", "t.events"])
        let reason = "delivery to topic 'target' failed: message too large (\(error.codeName))"
        let letterRecord = records[0]
        #expect(letterRecord.key == Array("d".utf8))
        #expect(letterRecord.value == Array("bytes".utf8))
        #expect(headerText(letterRecord, KairosHeader.error) == reason)
        #expect(headerText(letterRecord, KairosHeader.errorKind) == "delivery-failed")
        #expect(headerText(letterRecord, KairosHeader.target) == "kafka:target")
        #expect(headerText(letterRecord, KairosHeader.targetKey) == "k")
        let letter = DeadLetterRecord(consumed(letterRecord))
        #expect(letter.kind == .deliveryFailed)
        #expect(letter.error == reason)
        #expect(letter.id == "d")
        #expect(letter.occurrence == 4)
        #expect(letter.scheduledFor == 900)
        #expect(headerText(letterRecord, "trace") == "t-1")

        #expect(records[1].key == Array("d".utf8))
        #expect(
            try EventRecord(decoding: records[1].value ?? [])
                == EventRecord(
                    kind: .deadLettered, id: "d", occurrence: 4, scheduledFor: 900, at: 1_234, partition: 2,
                    detail: reason))
    }

    @Test func aWebhookFiringHasNoKafkaDeadLetter() throws {
        let harness = try Harness()
        let schedule = Schedule(
            id: "h", target: .http(HTTPTarget(url: "http://127.0.0.1:9/x", host: "127.0.0.1")), payload: [],
            scheduledFor: 1, sourceOffset: 0)
        let firing = Firing(partition: 0, schedule: schedule, occurrence: Occurrence(number: 1, instant: 1), firedAt: 2)
        #expect(harness.firings.deadLetterRecords(of: firing, refusedWith: .local("produce", "x")).isEmpty)
    }
}
