import Foundation
import KafkaClient
import Testing
import WebhookReceiver

extension EndToEnd {
    /// HTTP targets end to end: the real `kairos` binary delivering to a real HTTP server on loopback.
    @Suite struct WebhookDeliveryTests {
        /// Loopback receivers need both the allowlist and the private-address switch.
        static let loopback = ["KAIROS_ALLOWED_HTTP_HOSTS": "127.0.0.1", "KAIROS_HTTP_ALLOW_PRIVATE": "true"]

        @Test func everyAnswerEndsInTheDocumentedOutcome() async throws {
            let scratch = try ScratchDirectory()
            let receiver = try await WebhookReceiver.start()
            receiver.respond(to: "/flaky", with: [.status(500), .status(502), .ok])
            receiver.respond(to: "/busy", with: [.status(429, headers: [("Retry-After", "2")]), .ok])
            receiver.respond(to: "/bad", with: [.status(400, body: "missing field 'amount'")])
            receiver.respond(to: "/down", with: [.status(503)])
            receiver.respond(to: "/hang", with: [.hang, .ok])
            receiver.respond(to: "/close", with: [.closeConnection, .ok])
            var settings = Self.loopback
            settings["KAIROS_HTTP_TIMEOUT_MS"] = "1000"
            settings["KAIROS_HTTP_BREAKER_MIN_ATTEMPTS"] = "1000"  // this test is about retries, not the breaker
            let setup = try SchedulerSetup(scratch, extra: settings)
            defer { setup.stop() }
            let producer = try CommandProducer(bootstrap: setup.bootstrap)
            let base = receiver.baseURL
            let due = nowMilliseconds() + 1_000
            func hook(_ id: String, _ path: String, _ headers: [(String, String)] = []) async throws {
                try await producer.send(
                    id, Array("{\"id\":\"\(id)\"}".utf8),
                    [("kairos-target", base + path), ("kairos-at", "\(due)"), ("kairos-retry-backoff", "300ms")]
                        + headers)
            }
            try await hook("ok-1", "/ok/1", [("kairos-http-header-content-type", "application/json"), ("trace", "t1")])
            try await hook("ok-2", "/ok/2", [("kairos-http-method", "PUT"), ("kairos-http-header-x-trace", "t2")])
            try await hook("flaky", "/flaky")
            try await hook("busy", "/busy")
            try await hook("bad", "/bad")
            try await hook("down", "/down", [("kairos-retry-max", "3")])
            try await hook("hang", "/hang")
            try await hook("close", "/close")

            // 2xx: delivered once, with the contract's headers.
            let ok = await receiver.waitForRequests("/ok/", count: 2, timeout: .seconds(60))
            #expect(ok.count == 2)
            for request in ok {
                let id = request.path.hasSuffix("1") ? "ok-1" : "ok-2"
                #expect(request.header("Idempotency-Key") == "\(id):1")
                #expect(request.header("Kairos-Id") == id)
                #expect(request.header("Kairos-Scheduled-For") == "\(due)")
                #expect(request.header("Kairos-Occurrence") == "1")
                #expect(request.bodyString == "{\"id\":\"\(id)\"}")
                #expect(request.receivedAt >= due, "delivered \(due - request.receivedAt) ms early")
            }
            #expect(ok.first { $0.path == "/ok/1" }?.method == "POST")
            #expect(ok.first { $0.path == "/ok/1" }?.header("content-type") == "application/json")
            #expect(ok.first { $0.path == "/ok/1" }?.header("trace") == nil, "Kafka headers are not HTTP headers")
            #expect(ok.first { $0.path == "/ok/2" }?.method == "PUT")
            #expect(ok.first { $0.path == "/ok/2" }?.header("x-trace") == "t2")

            // 500, 502, then 200: three attempts, one key, spacing from the backoff (300 ms, then 600 ms ceilings).
            let flaky = await receiver.waitForRequests("/flaky", count: 3, timeout: .seconds(60))
            #expect(flaky.count == 3)
            #expect(Set(flaky.compactMap { $0.header("Idempotency-Key") }) == ["flaky:1"])
            #expect(flaky.map { $0.header("Kairos-Attempt") } == ["1", "2", "3"])
            if flaky.count == 3 {
                let gaps = zip(flaky.dropFirst(), flaky).map { $0.receivedAt - $1.receivedAt }
                #expect(gaps[0] >= 150 && gaps[0] <= 3_000, "first retry after \(gaps[0]) ms")
                #expect(gaps[1] >= 300 && gaps[1] <= 3_600, "second retry after \(gaps[1]) ms")
            }

            // 429 with Retry-After: 2 s outweighs the 300 ms backoff.
            let busy = await receiver.waitForRequests("/busy", count: 2, timeout: .seconds(60))
            #expect(busy.count == 2)
            if busy.count == 2 {
                #expect(busy[1].receivedAt - busy[0].receivedAt >= 1_900, "Retry-After ignored")
            }

            // A request that hangs past the timeout, and a connection closed without an answer, are retried.
            let hang = await receiver.waitForRequests("/hang", count: 2, timeout: .seconds(60))
            #expect(hang.count == 2)
            if hang.count == 2 {
                #expect(hang[1].receivedAt - hang[0].receivedAt >= 1_000, "retried before the 1 s timeout")
            }
            #expect(await receiver.waitForRequests("/close", count: 2, timeout: .seconds(60)).count == 2)

            // 400: dead-lettered at once; 503 three times: dead-lettered after the third attempt.
            let dlq = try TopicReader(bootstrap: setup.bootstrap, topic: "kairos.dlq")
            let letters = try dlq.read(until: 2, seconds: 60)
            let bad = letters.first { $0.id == "bad" }
            #expect(bad?.header("kairos-error-kind") == "delivery-failed")
            #expect(bad?.header("kairos-http-status") == "400")
            #expect(
                bad?.header("kairos-error")?.contains("missing field 'amount'") == true, "\(letters.map(\.headers))")
            #expect(bad?.header("kairos-target") == base + "/bad")
            #expect(bad?.text == "{\"id\":\"bad\"}")
            let down = letters.first { $0.id == "down" }
            #expect(down?.header("kairos-error")?.contains("after 3 attempts") == true)
            #expect(down?.header("kairos-attempts") == "3")

            // Nothing more is sent once every schedule has its outcome.
            try await Task.sleep(for: .seconds(3))  // stays: a negative check, nothing more within 3 s
            #expect(receiver.requests("/bad").count == 1)
            #expect(receiver.requests("/down").count == 3)
            #expect(receiver.requests("/ok/").count == 2)
            #expect(receiver.requests("/flaky").count == 3)

            let events = try TopicReader(bootstrap: setup.bootstrap, topic: "kairos.events")
            // 8 scheduled, 6 fired, 7 retrying (flaky 2, busy, hang, close, down 2), 2 dead-lettered.
            let kinds: [String] = try events.read(until: 23, seconds: 30).map(\.eventType)
            #expect(kinds.filter { $0 == "retrying" }.count == 7)
            #expect(kinds.filter { $0 == "fired" }.count == 6)
            #expect(kinds.filter { $0 == "dead-lettered" }.count == 2)
            try await receiver.shutdown()
        }

        @Test func aKillDuringRetriesLosesNoDelivery() async throws {
            let scratch = try ScratchDirectory()
            let receiver = try await WebhookReceiver.start()
            receiver.respond(to: "/kill", with: [.status(500), .status(500), .status(500), .ok])
            let (broker, bootstrap) = try KairosProcess.broker(in: scratch)
            defer { broker.terminate() }
            let first = try KairosProcess.scheduler(
                bootstrap: bootstrap, stateDirectory: scratch.path("a"), logPath: scratch.path("a.log"),
                extra: Self.loopback)
            try first.waitForLog("partition assigned", count: 4)
            let producer = try CommandProducer(bootstrap: bootstrap)
            try await producer.send(
                "survivor", Array("payload".utf8),
                [
                    ("kairos-target", receiver.baseURL + "/kill"), ("kairos-retry-backoff", "1s"),
                    ("kairos-retry-max", "10"),
                ])
            #expect(await receiver.waitForRequests("/kill", count: 2, timeout: .seconds(60)).count == 2)
            first.kill()

            // A new instance with an empty state dir: the retry state comes back from the changelog.
            let second = try KairosProcess.scheduler(
                bootstrap: bootstrap, stateDirectory: scratch.path("b"), logPath: scratch.path("b.log"),
                extra: Self.loopback)
            defer { second.terminate() }
            let requests = await receiver.waitForRequests("/kill", count: 4, timeout: .seconds(90))
            #expect(requests.count >= 4, "delivery lost after the kill; log:\n\(second.log)")
            #expect(Set(requests.compactMap { $0.header("Idempotency-Key") }) == ["survivor:1"])
            // The first failure was recorded before the second attempt started: the count survived the kill.
            let afterKill = requests.dropFirst(2).compactMap { $0.header("Kairos-Attempt").flatMap(Int.init) }
            #expect(afterKill.allSatisfy { $0 >= 2 }, "attempts restarted from 1: \(afterKill)")
            let events = try TopicReader(bootstrap: bootstrap, topic: "kairos.events")
            let fired = try events.read(until: 5, seconds: 30).filter { $0.eventType == "fired" }
            #expect(fired.count == 1)
            try await Task.sleep(for: .seconds(2))  // stays: a negative check, no request within 2 s after the 200
            #expect(receiver.requests("/kill").count == requests.count, "sent again after the 200")
            try await receiver.shutdown()
        }

        @Test func theBreakerStopsRequestsToAFailingServerUntilItsCoolDownEnds() async throws {
            let scratch = try ScratchDirectory()
            let receiver = try await WebhookReceiver.start()
            receiver.respond(to: "/flap", with: [.status(503), .status(503), .ok])
            var settings = Self.loopback
            settings["KAIROS_HTTP_BREAKER_MIN_ATTEMPTS"] = "2"
            settings["KAIROS_HTTP_BREAKER_OPEN_MS"] = "3000"
            settings["KAIROS_HTTP_BREAKER_COOLDOWN_MS"] = "3000"
            let setup = try SchedulerSetup(scratch, extra: settings)
            defer { setup.stop() }
            let producer = try CommandProducer(bootstrap: setup.bootstrap)
            try await producer.send(
                "flap", [], [("kairos-target", receiver.baseURL + "/flap"), ("kairos-retry-backoff", "50ms")])
            let requests = await receiver.waitForRequests("/flap", count: 3, timeout: .seconds(60))
            #expect(requests.count == 3)
            if requests.count == 3 {
                // Two failures of two attempts open the breaker: the third attempt waits for the open period, not
                // the 50 ms backoff.
                #expect(requests[2].receivedAt - requests[1].receivedAt >= 2_800)
                #expect(requests[2].header("Kairos-Attempt") == "3", "an open breaker must not count an attempt")
            }
            let events = try TopicReader(bootstrap: setup.bootstrap, topic: "kairos.events").read(until: 5, seconds: 30)
            #expect(events.contains { $0.text.contains("circuit breaker open") })
            #expect(events.contains { $0.eventType == "fired" })
            try await receiver.shutdown()
        }

        @Test func aServerThatFailsEveryFirstAttemptGetsAllItsDeliveriesWithin30Seconds() async throws {
            let scratch = try ScratchDirectory()
            let receiver = try await WebhookReceiver.start()
            let count = 200
            // Each webhook has a path of its own: its first request is answered 500 at once, every later one 200.
            for index in 0..<count {
                receiver.respond(to: "/half/\(index)/", with: [.status(500), .ok])
            }
            // The breaker's settings are the defaults: this is what a user gets.
            let setup = try SchedulerSetup(scratch, extra: Self.loopback)
            defer { setup.stop() }
            let producer = try CommandProducer(bootstrap: setup.bootstrap)
            let due = nowMilliseconds() + 3_000
            for index in 0..<count {
                try await producer.send(
                    "half-\(index)", [],
                    [("kairos-target", receiver.baseURL + "/half/\(index)/"), ("kairos-at", "\(due)")])
            }
            // A webhook is delivered when its path got the 200, i.e. a second request.
            func deliveries() -> [String: Int64] {
                var byPath: [String: [Int64]] = [:]
                for request in receiver.requests("/half/") {
                    byPath[request.path, default: []].append(request.receivedAt)
                }
                return byPath.compactMapValues { $0.count >= 2 ? $0.sorted()[1] : nil }
            }
            let clock = ContinuousClock()
            let deadline = clock.now + .milliseconds(max(0, due + 30_000 - nowMilliseconds()))
            while deliveries().count < count && clock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))  // poll interval of the wait for the deliveries
            }
            let delivered = deliveries()
            let inTime = delivered.values.filter { $0 <= due + 30_000 }.count
            let last = delivered.values.max().map { $0 - due } ?? -1
            print(
                "half-failing server: \(inTime) of \(count) webhooks delivered within 30 s, "
                    + "the last \(last) ms after due")
            #expect(inTime == count, "\(inTime) of \(count) delivered within 30 s of their due time")
            #expect(receiver.requests("/half/").count <= 2 * count + 10, "requests after a 200")
            // The initial burst of 500s trips the breaker; every state change is in the log, and it ends closed.
            let log = setup.kairos.log
            let opened = log.components(separatedBy: "circuit breaker opened").count - 1
            let closed = log.components(separatedBy: "circuit breaker closed").count - 1
            print("half-failing server: breaker opened \(opened) times, closed \(closed) times")
            #expect(opened >= 1, "the breaker's opening is not logged")
            #expect(closed >= 1, "the breaker's closing is not logged")
            try await receiver.shutdown()
        }

        @Test func theAttemptRateToAServerThatNeverAnswersDropsOnceItsBreakerOpens() async throws {
            let scratch = try ScratchDirectory()
            let receiver = try await WebhookReceiver.start()
            receiver.respond(to: "/dead", with: [.hang])
            var settings = Self.loopback
            settings["KAIROS_HTTP_TIMEOUT_MS"] = "1000"
            let setup = try SchedulerSetup(scratch, extra: settings)
            defer { setup.stop() }
            let producer = try CommandProducer(bootstrap: setup.bootstrap)
            let due = nowMilliseconds() + 3_000
            for index in 0..<200 {
                try await producer.send(
                    "dead-\(index)", [],
                    [
                        ("kairos-target", receiver.baseURL + "/dead"), ("kairos-at", "\(due)"),
                        ("kairos-retry-max", "100"),
                    ])
            }
            try setup.kairos.waitForLog("circuit breaker opened", seconds: 60)
            let openedAt = nowMilliseconds()
            let first = receiver.requests("/dead").map(\.receivedAt).min() ?? openedAt
            // Attempts per second while the breaker was closed, from the first request until it opened.
            let before = Double(receiver.requests("/dead").count) / (Double(max(1_000, openedAt - first)) / 1_000)
            try await Task.sleep(for: .seconds(20))  // stays: the window the attempt rate is measured over
            let after = Double(receiver.requests("/dead").filter { $0.receivedAt >= openedAt }.count) / 20
            print(
                String(
                    format: "server that never answers: %.1f attempts/s before the breaker opened, "
                        + "%.2f/s in the 20 s after", before, after))
            #expect(after * 5 < before, "attempts/s before \(before), after \(after)")
            #expect(after > 0, "the breaker never tested the server again")
            try await receiver.shutdown()
        }

        @Test func aSlowServerDelaysNeitherKafkaFiringsNorAnotherServer() async throws {
            let scratch = try ScratchDirectory()
            let slow = try await WebhookReceiver.start()
            let fast = try await WebhookReceiver.start()
            slow.respond(to: "/", with: [.delay(milliseconds: 5_000, then: .ok)])
            var settings = Self.loopback
            settings["KAIROS_HTTP_MAX_PER_HOST"] = "8"
            let setup = try SchedulerSetup(scratch, extra: settings)
            defer { setup.stop() }
            let producer = try CommandProducer(bootstrap: setup.bootstrap)
            let start = nowMilliseconds() + 1_000
            // 100 slow deliveries at once: 8 run, the rest wait for that server alone.
            for index in 0..<100 {
                try await producer.send(
                    "slow-\(index)", [], [("kairos-target", slow.baseURL + "/s"), ("kairos-at", "\(start)")])
            }
            // Meanwhile a fast webhook and a Kafka record every 100 ms for 4 s.
            for index in 0..<40 {
                let due = start + 200 + Int64(index) * 100
                try await producer.send(
                    "fast-\(index)", [], [("kairos-target", fast.baseURL + "/f"), ("kairos-at", "\(due)")])
                try await producer.send(
                    "kafka-\(index)", [], [("kairos-target", "fired.out"), ("kairos-at", "\(due)")])
            }
            let fastRequests = await fast.waitForRequests("/f", count: 40, timeout: .seconds(60))
            #expect(fastRequests.count == 40)
            let fastLateness = fastRequests.compactMap { request in
                request.header("Kairos-Scheduled-For").flatMap(Int64.init).map { request.receivedAt - $0 }
            }
            let reader = try TopicReader(bootstrap: setup.bootstrap, topic: "fired.out")
            let fired = try reader.read(until: 40, seconds: 60)
            #expect(fired.count == 40)
            let kafkaLateness = fired.compactMap { record in
                Int64(record.header("kairos-fired-at") ?? "").flatMap { at in
                    Int64(record.header("kairos-scheduled-for") ?? "").map { at - $0 }
                }
            }
            // Generous bounds for a busy 2-core machine; without isolation they would wait ~60 s behind the
            // slow server. The benchmark measures lateness precisely.
            #expect((fastLateness.max() ?? .max) < 1_500, "fast webhook lateness \(fastLateness.sorted())")
            #expect((kafkaLateness.max() ?? .max) < 1_500, "Kafka lateness \(kafkaLateness.sorted())")
            let slowArrivals = slow.requests("/s").map(\.receivedAt)
            let firstSlow = slowArrivals.min() ?? 0
            #expect(slowArrivals.filter { $0 < firstSlow + 4_000 }.count == 8, "the per-server limit is 8")
            try await slow.shutdown()
            try await fast.shutdown()
        }

        @Test func loopbackTargetsAreRefusedUnlessPrivateAddressesAreAllowed() async throws {
            let scratch = try ScratchDirectory()
            let setup = try SchedulerSetup(scratch, extra: ["KAIROS_ALLOWED_HTTP_HOSTS": "*"])
            defer { setup.stop() }
            let producer = try CommandProducer(bootstrap: setup.bootstrap)
            try await producer.send("loop", [], [("kairos-target", "http://127.0.0.1:9/x")])
            try await producer.send("meta", [], [("kairos-target", "http://169.254.169.254/latest/meta-data")])
            try await producer.send("name", [], [("kairos-target", "http://localhost:9/x")])
            let letters = try TopicReader(bootstrap: setup.bootstrap, topic: "kairos.dlq").read(until: 3, seconds: 60)
            let keys: Set<String> = Set(letters.map { String(decoding: $0.key ?? [], as: UTF8.self) })
            #expect(keys == ["loop", "meta", "name"])
            for letter in letters {
                #expect(letter.header("kairos-error-kind") == "rejected")
                #expect(letter.header("kairos-error")?.contains("KAIROS_HTTP_ALLOW_PRIVATE") == true)
            }
        }
    }
}

extension KafkaConsumerRecord {
    /// The `type` of an `events` record.
    var eventType: String {
        let parts = text.components(separatedBy: "\"type\":\"")
        guard parts.count > 1 else { return "?" }
        return String(parts[1].prefix { $0 != "\"" })
    }
}
