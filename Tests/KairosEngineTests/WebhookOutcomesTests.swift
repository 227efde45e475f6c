@testable import KairosEngine
import KafkaClient
import KairosWire
import ScheduleModel
import Testing
import WebhookReceiver
import TestThreads

@Suite(.ownThreads) struct WebhookOutcomesTests {
    /// A store serving partition 0, webhook deliveries and their outcomes, against `receiver`.
    struct Harness {
        let scratch: ScratchDirectory
        let store: ScheduleStore
        let settings = testSettings()
        let clock = ManualClock()
        let deliveries: WebhookDeliveries
        let outcomes: WebhookOutcomes
        let view: ScheduleView

        init() throws {
            let scratch = try ScratchDirectory()
            self.scratch = scratch
            store = try openStore(scratch)
            let owner = unrestoredOwner(serving: [store], settings: settings)
            deliveries = WebhookDeliveries(settings: settings.webhooks) {}
            view = ScheduleView(owner: owner, inFlight: CommitPipeline())
            outcomes = WebhookOutcomes(
                settings: settings, clock: clock, view: view, owner: owner, deliveries: deliveries,
                metrics: KairosMetrics(), logger: quietLogger)
        }

        /// A stored webhook schedule due now, to `url`.
        func stored(_ id: String, url: String, occurrenceNumber: Int64 = 1) throws -> Schedule {
            var schedule = oneShot(id, at: clock.now())
            let host = try HTTPURL(parsing: url).host
            schedule.target = .http(HTTPTarget(url: url, host: host))
            try store.apply([.upsert(schedule)], changelogOffset: 0, commandsOffset: nil)
            return schedule
        }

        /// Sends `schedule`'s due firing and waits until its outcome is recorded in a batch.
        func sendAndRecord(_ schedule: Schedule, occurrence: Occurrence? = nil) async throws -> OutputBatch {
            guard case .http(let target) = schedule.target else { throw EngineError("not a webhook") }
            var started = OutputBatch(topics: settings.topics)
            let due = occurrence ?? Occurrence(number: schedule.occurrence, instant: schedule.scheduledFor)
            outcomes.send(schedule, target, occurrence: due, partition: 0, now: clock.now(), into: &started)
            #expect(started.records.isEmpty, "a request that starts records nothing yet")
            #expect(deliveries.passedOver(partition: 0).contains(schedule.id))
            var batch = OutputBatch(topics: settings.topics)
            let recorded = try await waitUntil {
                try outcomes.recordCompletions(into: &batch)
                return !batch.records.isEmpty
            }
            #expect(recorded)
            return batch
        }
    }

    @Test func aDeliveredWebhookIsAFiringItsEventAndTheEndOfAOneShot() async throws {
        let receiver = try await WebhookReceiver.start()
        let harness = try Harness()
        defer { harness.store.close() }
        receiver.respond(to: "/ok", with: [.status(204)])
        let schedule = try harness.stored("hook-ok", url: receiver.baseURL + "/ok")
        let batch = try await harness.sendAndRecord(schedule)
        #expect(eventKinds(batch.records) == ["fired"])
        #expect(batch.state(of: "hook-ok", partition: 0) == .some(nil))
        #expect(batch.tally.httpDelivered == 1 && batch.fired == 1)
        let request = try #require(receiver.requests("/ok").first)
        #expect(request.header("Idempotency-Key") == "hook-ok:1" && request.header("Kairos-Attempt") == "1")
        #expect(!harness.deliveries.passedOver(partition: 0).contains("hook-ok"))
        try await receiver.shutdown()
    }

    @Test func aServerErrorStoresTheFailedAttemptAndWhenToRetry() async throws {
        let receiver = try await WebhookReceiver.start()
        let harness = try Harness()
        defer { harness.store.close() }
        receiver.respond(to: "/flaky", with: [.status(503)])
        let schedule = try harness.stored("hook-503", url: receiver.baseURL + "/flaky")
        let now = harness.clock.now()
        let batch = try await harness.sendAndRecord(schedule)
        let retried = try #require(batch.state(of: "hook-503", partition: 0) ?? nil)
        #expect(retried.failedAttempts == 1)
        // The first retry is due in [base/2, base] (1 s backoff, with jitter).
        #expect((now + 500...now + 1_000).contains(retried.fireAt), "retry at \(retried.fireAt - now) ms")
        #expect(retried.lastError?.contains("503") == true)
        #expect(eventKinds(batch.records) == ["retrying"])
        #expect(batch.tally.httpRetried == 1 && batch.fired == 0)
        try await receiver.shutdown()
    }

    @Test func aClientErrorDeadLettersTheFiringWithItsStatus() async throws {
        let receiver = try await WebhookReceiver.start()
        let harness = try Harness()
        defer { harness.store.close() }
        receiver.respond(to: "/gone", with: [.status(404)])
        let schedule = try harness.stored("hook-404", url: receiver.baseURL + "/gone")
        let batch = try await harness.sendAndRecord(schedule)
        let letter = try #require(batch.records.first { $0.topic == harness.settings.topics.deadLetters })
        let read = DeadLetterRecord(consumed(letter))
        #expect(read.kind == .deliveryFailed && read.httpStatus == 404 && read.attempts == 1)
        #expect(eventKinds(batch.records) == ["dead-lettered"])
        #expect(batch.state(of: "hook-404", partition: 0) == .some(nil))
        try await receiver.shutdown()
    }

    @Test func anOutcomeForAScheduleThatChangedMeanwhileIsDropped() async throws {
        let receiver = try await WebhookReceiver.start()
        let harness = try Harness()
        defer { harness.store.close() }
        receiver.respond(to: "/slow", with: [.delay(milliseconds: 300, then: .status(200))])
        let schedule = try harness.stored("hook-changed", url: receiver.baseURL + "/slow")
        guard case .http(let target) = schedule.target else { return }
        var started = OutputBatch(topics: harness.settings.topics)
        harness.outcomes.send(
            schedule, target, occurrence: Occurrence(number: 1, instant: schedule.scheduledFor), partition: 0,
            now: harness.clock.now(), into: &started)
        // A replacement lands while the request is in flight.
        var replacement = schedule
        replacement.payload = Array("v2".utf8)
        try harness.store.apply([.upsert(replacement)], changelogOffset: 1, commandsOffset: nil)
        _ = await receiver.waitForRequests("/slow", count: 1, timeout: .seconds(5))
        #expect(await waitUntil { harness.deliveries.outstanding == 0 })
        var batch = OutputBatch(topics: harness.settings.topics)
        try harness.outcomes.recordCompletions(into: &batch)
        #expect(batch.records.isEmpty)
        try await receiver.shutdown()
    }

    @Test func aTriggeredWebhookIsAnExtraFiringThatLeavesTheScheduleAsItWas() async throws {
        let receiver = try await WebhookReceiver.start()
        let harness = try Harness()
        defer { harness.store.close() }
        receiver.respond(to: "/extra", with: [.status(200)])
        var schedule = try harness.stored("hook-extra", url: receiver.baseURL + "/extra")
        schedule.fireAt = harness.clock.now() + 3_600_000
        schedule.pendingTriggers = [PendingTrigger(requestedAt: harness.clock.now())]
        try harness.store.apply([.upsert(schedule)], changelogOffset: 1, commandsOffset: nil)
        let batch = try await harness.sendAndRecord(
            schedule, occurrence: Occurrence(number: -1, instant: harness.clock.now()))
        let after = try #require(batch.state(of: "hook-extra", partition: 0) ?? nil)
        #expect(after.pendingTriggers.isEmpty && after.extraFirings == 1)
        #expect(after.fireAt == schedule.fireAt && after.occurrence == 1)
        #expect(receiver.requests("/extra").first?.header("Idempotency-Key") == "hook-extra:-1")
        try await receiver.shutdown()
    }
}
