import Foundation
import HTTPDelivery
import Logging
import ScheduleModel
import Synchronization
import Testing
import WebhookReceiver
import TestThreads

/// The dispatcher and client against a real HTTP server on loopback.
@Suite(.ownThreads) struct WebhookDispatcherTests {
    static func settings(_ change: (inout WebhookDispatcherSettings) -> Void = { _ in }) -> WebhookDispatcherSettings {
        var settings = WebhookDispatcherSettings()
        settings.hostPolicy = HostPolicy(patterns: ["127.0.0.1"], allowPrivate: true)
        settings.timeoutMillis = 2_000
        change(&settings)
        return settings
    }

    static func job(_ receiver: WebhookReceiver, _ path: String, id: String = "s") throws -> WebhookJob {
        WebhookJob(
            partition: 0, scheduleID: id, occurrence: 1, url: try HTTPURL(parsing: receiver.baseURL + path),
            method: "POST", headers: [(name: "Idempotency-Key", value: "\(id):1")], body: Array("body".utf8))
    }

    /// Collects completions until `count` arrived (or 30 s passed).
    static func completions(_ dispatcher: WebhookDispatcher, count: Int) async -> [WebhookCompletion] {
        var all: [WebhookCompletion] = []
        let deadline = ContinuousClock.now + .seconds(30)
        while all.count < count && ContinuousClock.now < deadline {
            all += dispatcher.takeCompletions()
            try? await Task.sleep(for: .milliseconds(10))
        }
        return all
    }

    @Test func answersAreClassifiedAsTheContractSays() async throws {
        let receiver = try await WebhookReceiver.start()
        receiver.respond(to: "/created", with: [.status(201)])
        receiver.respond(to: "/throttled", with: [.status(429, headers: [("Retry-After", "7")])])
        receiver.respond(to: "/invalid", with: [.status(422, body: "amount must be positive")])
        receiver.respond(to: "/moved", with: [.status(301, headers: [("Location", "http://127.0.0.1:1/x")])])
        receiver.respond(to: "/hang", with: [.hang])
        receiver.respond(to: "/close", with: [.closeConnection])
        let dispatcher = WebhookDispatcher(settings: Self.settings()) {}
        for path in ["/created", "/throttled", "/invalid", "/moved", "/hang", "/close"] {
            #expect(dispatcher.submit(try Self.job(receiver, path, id: path)) == .accepted)
        }
        let byPath = Dictionary(
            uniqueKeysWithValues: await Self.completions(dispatcher, count: 6).map { ($0.job.scheduleID, $0.outcome) })
        #expect(byPath["/created"] == .delivered(status: 201))
        if case .failed(let throttled)? = byPath["/throttled"], case .failed(let invalid)? = byPath["/invalid"],
            case .failed(let moved)? = byPath["/moved"], case .failed(let hang)? = byPath["/hang"],
            case .failed(let closed)? = byPath["/close"]
        {
            #expect(throttled.retryable && throttled.status == 429)
            #expect((6_000...7_000).contains(throttled.retryAfterMillis ?? 0))
            #expect(!invalid.retryable && invalid.reason.contains("amount must be positive"), "\(invalid)")
            #expect(!moved.retryable && moved.status == 301, "redirects are not followed")
            #expect(hang.retryable && hang.status == nil && hang.reason.contains("2000 ms"), "\(hang)")
            #expect(closed.retryable && closed.status == nil, "\(closed)")
        } else {
            Issue.record("unexpected outcomes: \(byPath)")
        }
        let request = receiver.requests("/created").first
        #expect(request?.header("Idempotency-Key") == "/created:1")
        #expect(request?.bodyString == "body")
        await dispatcher.shutdown()
        try await receiver.shutdown()
    }

    @Test func oneServerNeverHasMoreThanItsLimitInFlight() async throws {
        let receiver = try await WebhookReceiver.start()
        receiver.respond(to: "/slow", with: [.delay(milliseconds: 600, then: .ok)])
        let dispatcher = WebhookDispatcher(settings: Self.settings { $0.maxPerHost = 3 }) {}
        for index in 0..<9 {
            #expect(dispatcher.submit(try Self.job(receiver, "/slow", id: "\(index)")) == .accepted)
        }
        let done = await Self.completions(dispatcher, count: 9)
        #expect(done.count == 9)
        let arrivals = receiver.requests("/slow").map(\.receivedAt).sorted()
        // Three waves of three, each about 600 ms after the one before.
        #expect(arrivals.count == 9)
        if arrivals.count == 9 {
            #expect(arrivals[3] - arrivals[0] >= 550, "\(arrivals.map { $0 - arrivals[0] })")
            #expect(arrivals[6] - arrivals[3] >= 550, "\(arrivals.map { $0 - arrivals[0] })")
        }
        await dispatcher.shutdown()
        try await receiver.shutdown()
    }

    @Test func aFullServerQueueRefusesMoreWithoutBlockingOthers() async throws {
        let slow = try await WebhookReceiver.start()
        let fast = try await WebhookReceiver.start()
        slow.respond(to: "/", with: [.delay(milliseconds: 3_000, then: .ok)])
        let dispatcher = WebhookDispatcher(
            settings: Self.settings {
                $0.maxPerHost = 1
                $0.maxQueuedPerHost = 2
            }
        ) {}
        let slowServer = try Self.job(slow, "/").server
        #expect(dispatcher.submit(try Self.job(slow, "/", id: "a")) == .accepted)  // runs
        #expect(dispatcher.submit(try Self.job(slow, "/", id: "b")) == .accepted)  // waits
        #expect(dispatcher.submit(try Self.job(slow, "/", id: "c")) == .accepted)  // waits
        #expect(dispatcher.submit(try Self.job(slow, "/", id: "d")) == .hostBusy)
        #expect(!dispatcher.hasRoom(server: slowServer))
        #expect(dispatcher.submit(try Self.job(fast, "/", id: "fast")) == .accepted)
        // The fast request finishes first (on a loaded machine the slow one may have finished too by the time the
        // completions are taken, after it).
        let first = await Self.completions(dispatcher, count: 1)
        #expect(first.first?.job.scheduleID == "fast", "\(first.map(\.job.scheduleID))")
        // Times taken by the servers themselves: queued behind the slow server, the fast request would arrive
        // 3 s (or 9 s) after the first slow one.
        let slowStart = slow.requests().first?.receivedAt ?? 0
        let fastArrival = fast.requests().first?.receivedAt ?? .max
        #expect(fastArrival - slowStart < 2_500, "the fast server waited for the slow one")
        await dispatcher.shutdown()
        try await slow.shutdown()
        try await fast.shutdown()
    }

    @Test func aFailureRateOpensTheBreakerAndAGrowingShareOfProbesClosesIt() async throws {
        let receiver = try await WebhookReceiver.start()
        receiver.respond(to: "/", with: [.status(500), .status(500), .ok])
        let wakeUps = Atomic<Int>(0)
        let log = LogLines()
        // The breakers read a clock the test moves, so a slow request cannot outlast the open period.
        let clock = Atomic<Int64>(0)
        let dispatcher = WebhookDispatcher(
            settings: Self.settings {
                $0.breaker = CircuitBreaker.Policy(minimumAttempts: 2, firstOpenMillis: 2_000, maxOpenMillis: 2_000)
            }, logger: log.logger, monotonicNow: { clock.load(ordering: .relaxed) }
        ) { wakeUps.add(1, ordering: .relaxed) }
        let server = try Self.job(receiver, "/").server
        for id in ["1", "2"] {
            #expect(dispatcher.submit(try Self.job(receiver, "/", id: id)) == .accepted)
            _ = await Self.completions(dispatcher, count: 1)
        }
        #expect(dispatcher.breakerStates[server] == "open")
        clock.add(1_999, ordering: .relaxed)
        let submittedAt = Self.now()
        if case .circuitOpen(let until) = dispatcher.submit(try Self.job(receiver, "/", id: "3")) {
            // Open for 2 s from the second failure: 1 ms more, on the wall clock.
            #expect((submittedAt + 1...Self.now() + 1).contains(until), "\(until - submittedAt)")
        } else {
            Issue.record("an open breaker let a request through")
        }
        #expect(receiver.requests().count == 2)
        clock.add(1, ordering: .relaxed)
        // Half-open: one in 8, one in 4, one in 2, two successes each, then closed: 6 requests of the 30 asked.
        var outcomes: [WebhookOutcome] = []
        for index in 0..<30 where dispatcher.breakerStates[server] != "closed" {
            #expect(dispatcher.submit(try Self.job(receiver, "/", id: "probe-\(index)")) == .accepted)
            outcomes += await Self.completions(dispatcher, count: 1).map(\.outcome)
        }
        #expect(dispatcher.breakerStates[server] == "closed")
        #expect(outcomes.filter { $0 == .delivered(status: 200) }.count == 6)
        #expect(receiver.requests().count == 8)
        #expect(outcomes.allSatisfy { if case .circuitOpen = $0 { true } else { $0 == .delivered(status: 200) } })
        #expect(wakeUps.load(ordering: .relaxed) >= 3, "each completion wakes the engine")
        #expect(
            log.messages == [
                "circuit breaker opened", "circuit breaker half-open", "circuit breaker half-open share widened",
                "circuit breaker half-open share widened", "circuit breaker closed",
            ])
        #expect(log.lines.first?.contains("failureRate=100%") == true, "\(log.lines)")
        #expect(log.lines.first?.contains("openMs=2000") == true, "\(log.lines)")
        #expect(log.lines.first?.contains("server=\(server)") == true, "\(log.lines)")
        await dispatcher.shutdown()
        try await receiver.shutdown()
    }

    @Test func anAttemptWithoutAnAnswerWeighsMoreThanAQuickErrorAnswer() async throws {
        let receiver = try await WebhookReceiver.start()
        receiver.respond(to: "/error", with: [.status(503)])
        receiver.respond(to: "/silent", with: [.closeConnection])
        // Two attempts, a failure and a success each: 1 of 2 (50 %) for the 503, 3 of 4 (75 %) for the closed
        // connection; the breaker opens at 60 %.
        for (path, expected) in [("/error", "closed"), ("/silent", "open")] {
            let dispatcher = WebhookDispatcher(
                settings: Self.settings {
                    $0.breaker = CircuitBreaker.Policy(minimumAttempts: 2, failureRatePercent: 60)
                }
            ) {}
            #expect(dispatcher.submit(try Self.job(receiver, path, id: "a")) == .accepted)
            _ = await Self.completions(dispatcher, count: 1)
            #expect(dispatcher.submit(try Self.job(receiver, "/ok", id: "b")) == .accepted)
            _ = await Self.completions(dispatcher, count: 1)
            #expect(dispatcher.breakerStates[try Self.job(receiver, "/").server] == expected, "\(path)")
            await dispatcher.shutdown()
        }
        try await receiver.shutdown()
    }

    @Test func hostsOutsideThePolicyAreRefusedWithoutARequest() async throws {
        let receiver = try await WebhookReceiver.start()
        let dispatcher = WebhookDispatcher(
            settings: Self.settings { $0.hostPolicy = HostPolicy(patterns: ["127.0.0.1"], allowPrivate: false) }
        ) {}
        #expect(dispatcher.submit(try Self.job(receiver, "/")) == .accepted)
        let done = await Self.completions(dispatcher, count: 1)
        if case .failed(let failure)? = done.first?.outcome {
            #expect(!failure.retryable)
            #expect(failure.reason.contains("KAIROS_HTTP_ALLOW_PRIVATE"), "\(failure.reason)")
        } else {
            Issue.record("expected a refusal, got \(done)")
        }
        #expect(receiver.requests().isEmpty)
        await dispatcher.shutdown()
        try await receiver.shutdown()
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1_000) }
}

/// A logger that keeps what it is given: each message, and each line as `message key=value ...` (keys sorted).
final class LogLines: Sendable {
    private let entries = Mutex<[(message: String, line: String)]>([])

    var logger: Logger {
        Logger(label: "test") { _ in Handler(owner: self) }
    }

    var messages: [String] { entries.withLock { $0.map(\.message) } }
    var lines: [String] { entries.withLock { $0.map(\.line) } }

    fileprivate func append(_ message: String, _ metadata: Logger.Metadata) {
        let line = ([message] + metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
            .joined(separator: " ")
        entries.withLock { $0.append((message, line)) }
    }

    private struct Handler: LogHandler {
        let owner: LogLines
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            owner.append("\(event.message)", metadata.merging(event.metadata ?? [:]) { $1 })
        }
    }
}
