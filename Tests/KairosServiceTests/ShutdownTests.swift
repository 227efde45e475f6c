import Foundation
import KafkaClient
import Testing
import WebhookReceiver

extension EndToEnd {
    /// Architecture invariant 9: SIGTERM under load stops taking commands, finishes what is in flight within the
    /// deadline and commits it, so the next run neither loses nor repeats anything.
    @Suite struct ShutdownTests {
        @Test func sigtermUnderLoadLosesAndDoublesNothingAndMeetsTheDeadline() async throws {
            let scratch = try ScratchDirectory()
            let receiver = try await WebhookReceiver.start()
            receiver.respond(to: "/", with: [.delay(milliseconds: 800, then: .ok)])
            let (broker, bootstrap) = try KairosProcess.broker(in: scratch)
            defer { broker.terminate() }
            let settings = [
                "KAIROS_ALLOWED_HTTP_HOSTS": "127.0.0.1", "KAIROS_HTTP_ALLOW_PRIVATE": "true",
                "KAIROS_SHUTDOWN_DEADLINE_MS": "10000",
            ]
            let state = scratch.path("a")
            let first = try KairosProcess.scheduler(
                bootstrap: bootstrap, stateDirectory: state, logPath: scratch.path("1.log"), extra: settings)
            try first.waitForLog("partition assigned", count: 4)

            // 1,500 Kafka firings over 3 s and 40 slow webhooks over the same span.
            let producer = try CommandProducer(bootstrap: bootstrap)
            let start = nowMilliseconds() + 1_500
            try producer.schedule(count: 1_500, prefix: "k", target: "shutdown.out") { start + Int64($0) * 2 }
            for index in 0..<40 {
                try await producer.send(
                    "w-\(index)", [],
                    [("kairos-target", receiver.baseURL + "/w"), ("kairos-at", "\(start + Int64(index) * 75)")])
            }
            // Terminate in the middle of it: once half the Kafka firings are out.
            let reader = try TopicReader(bootstrap: bootstrap, topic: "shutdown.out")
            try reader.waitForRecords(750)
            let stopping = Date()
            let status = first.terminate()
            let took = Date().timeIntervalSince(stopping)
            #expect(status == 0, "log:\n\(first.log.suffix(2_000))")
            #expect(took < 10, "shutdown took \(took) s")
            let inFlightAtStop = receiver.requests("/w").count

            let second = try KairosProcess.scheduler(
                bootstrap: bootstrap, stateDirectory: state, logPath: scratch.path("2.log"), extra: settings)
            defer { second.terminate() }
            try reader.read(until: 1_500, seconds: 90)
            let ids = try reader.drain(seconds: 2).map(\.id)
            #expect(Set(ids).count == 1_500, "lost \(1_500 - Set(ids).count) firings")
            #expect(ids.count == Set(ids).count, "\(ids.count - Set(ids).count) firings repeated")

            let hooks = await receiver.waitForRequests("/w", count: 40, timeout: .seconds(60))
            // Stays: a negative check, that no webhook is sent again within 2 s after all 40 arrived.
            try await Task.sleep(for: .seconds(2))
            let keys = receiver.requests("/w").compactMap { $0.header("Idempotency-Key") }
            #expect(Set(keys).count == 40, "webhooks lost: \(hooks.count) of 40")
            #expect(
                keys.count == 40,
                "webhooks sent twice: \(keys.count - Set(keys).count) (\(inFlightAtStop) before the stop)")
            try await receiver.shutdown()
        }
    }
}
