import HTTPDelivery
@testable import KairosEngine
import KairosWire
import ScheduleModel
import Testing
import WebhookReceiver
import TestThreads

@Suite(.ownThreads) struct WebhookDeliveriesTests {
    /// A webhook schedule due at 1_000, posting its payload to `url`.
    func webhook(_ id: String, _ url: String, headers: [ScheduleHeader] = []) -> Schedule {
        var schedule = oneShot(id, at: 1_000, payload: "body of \(id)")
        schedule.target = .http(HTTPTarget(url: url, host: "127.0.0.1", method: "PUT", headers: headers))
        return schedule
    }

    func dispatch(
        _ deliveries: WebhookDeliveries, _ schedule: Schedule, occurrence: Int64 = 1, attempt: Int = 1,
        partition: Int32 = 0
    ) throws -> WebhookDeliveries.Dispatch {
        guard case .http(let target) = schedule.target else { throw EngineError("not a webhook") }
        return deliveries.dispatch(
            schedule, target, occurrence: Occurrence(number: occurrence, instant: schedule.scheduledFor),
            attempt: attempt, partition: partition)
    }

    func started(_ dispatch: WebhookDeliveries.Dispatch) -> Bool {
        if case .started = dispatch { true } else { false }
    }

    @Test func aScheduleInFlightIsPassedOverUntilItsCompletionIsTaken() async throws {
        let receiver = try await WebhookReceiver.start()
        receiver.respond(to: "/hook", with: [.delay(milliseconds: 200, then: .status(201))])
        let deliveries = WebhookDeliveries(settings: testSettings().webhooks) {}
        let schedule = webhook("w-1", receiver.baseURL + "/hook", headers: [ScheduleHeader(name: "x-tenant", value: Array("acme".utf8))])
        #expect(started(try dispatch(deliveries, schedule, occurrence: 4, attempt: 3, partition: 2)))
        #expect(deliveries.passedOver(partition: 2) == ["w-1"])
        #expect(deliveries.passedOver(partition: 0).isEmpty)
        #expect(deliveries.outstanding == 1)
        #expect(await waitUntil { deliveries.outstanding == 0 })
        // Finished, but its outcome is not recorded yet: still passed over.
        #expect(deliveries.passedOver(partition: 2) == ["w-1"])
        let completions = deliveries.takeCompletions()
        #expect(completions.count == 1)
        let (entry, completion) = try #require(completions.first)
        #expect(entry.schedule == schedule)
        #expect(entry.occurrence == Occurrence(number: 4, instant: 1_000))
        #expect(completion.outcome == .delivered(status: 201))
        #expect(completion.job.partition == 2 && completion.job.occurrence == 4)
        #expect(deliveries.passedOver(partition: 2).isEmpty)
        #expect(deliveries.takeCompletions().isEmpty)
        let request = try #require(receiver.requests("/hook").first)
        #expect(request.method == "PUT")
        #expect(request.bodyString == "body of w-1")
        #expect(request.header("x-tenant") == "acme")
        #expect(request.header("Idempotency-Key") == "w-1:4")
        #expect(request.header("Kairos-Id") == "w-1")
        #expect(request.header("Kairos-Scheduled-For") == "1000")
        #expect(request.header("Kairos-Occurrence") == "4")
        #expect(request.header("Kairos-Attempt") == "3")
        try await receiver.shutdown()
    }

    @Test func aTargetThatCannotBeSentIsUnsendableAndNothingIsInFlight() throws {
        let deliveries = WebhookDeliveries(settings: testSettings().webhooks) {}
        let dispatch = try dispatch(deliveries, webhook("bad-url", "ftp://127.0.0.1/x"))
        guard case .unsendable(let reason) = dispatch else {
            Issue.record("expected unsendable, got \(dispatch)")
            return
        }
        #expect(reason.hasPrefix("the stored URL 'ftp://127.0.0.1/x' cannot be sent: "))
        #expect(deliveries.passedOver(partition: 0).isEmpty)
        #expect(deliveries.outstanding == 0)
    }

    @Test func aSaturatedHostMakesSchedulesWaitForRoomUntilItHasRoomAgain() async throws {
        let receiver = try await WebhookReceiver.start()
        receiver.respond(to: "/slow", with: [.delay(milliseconds: 400, then: .ok)])
        var settings = testSettings().webhooks
        settings.maxPerHost = 1
        settings.maxQueuedPerHost = 1
        let deliveries = WebhookDeliveries(settings: settings) {}
        let url = receiver.baseURL + "/slow"
        // One runs, one waits at the dispatcher, the third finds no room.
        #expect(started(try dispatch(deliveries, webhook("a", url))))
        #expect(started(try dispatch(deliveries, webhook("b", url))))
        let third = try dispatch(deliveries, webhook("c", url))
        guard case .waitingForRoom = third else {
            Issue.record("expected waitingForRoom, got \(third)")
            return
        }
        let fourth = try dispatch(deliveries, webhook("d", url))
        guard case .waitingForRoom = fourth else {
            Issue.record("expected waitingForRoom, got \(fourth)")
            return
        }
        #expect(deliveries.passedOver(partition: 0) == ["a", "b", "c", "d"])
        // A command for `d` changes it: it no longer waits under its old target.
        deliveries.commandArrived(id: "d", partition: 0)
        #expect(deliveries.passedOver(partition: 0) == ["a", "b", "c"])
        #expect(await waitUntil { deliveries.outstanding == 0 })
        // The host has room again: `c` is due once more; the finished ones wait for their outcomes to be taken.
        #expect(deliveries.passedOver(partition: 0) == ["a", "b"])
        #expect(Set(deliveries.takeCompletions().map(\.0.schedule.id)) == ["a", "b"])
        #expect(deliveries.passedOver(partition: 0).isEmpty)
        #expect(receiver.requests("/slow").count == 2)
        try await receiver.shutdown()
    }

    @Test func anOpenCircuitBreakerRefusesTheRequestAndSaysWhenToTryAgain() async throws {
        let receiver = try await WebhookReceiver.start()
        receiver.respond(to: "/down", with: [.status(500)])
        var settings = testSettings().webhooks
        settings.breaker = CircuitBreaker.Policy(minimumAttempts: 1, firstOpenMillis: 30_000, maxOpenMillis: 30_000)
        let deliveries = WebhookDeliveries(settings: settings) {}
        let url = receiver.baseURL + "/down"
        #expect(started(try dispatch(deliveries, webhook("first", url))))
        #expect(await waitUntil { deliveries.outstanding == 0 })
        let failed = deliveries.takeCompletions()
        #expect(failed.map(\.1.outcome.isRetryableFailure) == [true])
        #expect(deliveries.breakerStates == ["127.0.0.1:\(receiver.port)": "open"])
        let before = SystemClock().now()
        let second = try dispatch(deliveries, webhook("second", url))
        guard case .circuitOpen(let retryAt) = second else {
            Issue.record("expected circuitOpen, got \(second)")
            return
        }
        #expect((before...before + 30_000).contains(retryAt), "retry at \(retryAt - before) ms from now")
        #expect(deliveries.passedOver(partition: 0).isEmpty)
        #expect(receiver.requests("/down").count == 1, "no request was made while the breaker is open")
        try await receiver.shutdown()
    }
}

extension WebhookOutcome {
    fileprivate var isRetryableFailure: Bool {
        if case .failed(let failure) = self { failure.retryable } else { false }
    }
}
