import Foundation
import KafkaClient
import Testing
import WebhookReceiver

extension EndToEnd {
    /// The HTTP API of the real binary on the embedded broker: what a PUT, DELETE or action writes is what fires on
    /// Kafka, and what the API refuses produces nothing.
    @Suite(.serialized) struct APIEndToEndTests {
        private func setUp(_ scratch: ScratchDirectory, extra: [String: String] = [:]) throws -> (
            SchedulerSetup, APIClient
        ) {
            var settings = APITokens.settings
            settings.merge(extra) { $1 }
            let setup = try SchedulerSetup(scratch, extra: settings)
            return (setup, try APIClient(stateDirectory: scratch.path("a")))
        }

        @Test func aPutFiresTheExactPayloadKeyAndHeadersAndAReplaceOrCancelTakesEffect() async throws {
            let scratch = try ScratchDirectory()
            let receiver = try await WebhookReceiver.start()
            let (setup, api) = try setUp(
                scratch, extra: ["KAIROS_ALLOWED_HTTP_HOSTS": "127.0.0.1", "KAIROS_HTTP_ALLOW_PRIVATE": "true"])
            defer { setup.stop() }
            let fired = try TopicReader(bootstrap: setup.bootstrap, topic: "api.fired")
            let token = APITokens.operator

            let created = try await api.request(
                .PUT, "/v1/schedules/api-1", token: token,
                body: #"""
                    {"target": "api.fired", "delay": "5s", "payload": {"text": "hello API"}, "key": "key-1",
                     "headers": [{"name": "trace-id", "value": "abc"}, {"name": "empty", "value": null}]}
                    """#)
            #expect(created.status == 200, "\(created)")
            #expect(created.json?["status"] as? String == "scheduled")
            #expect(created.json?["written"] as? Bool == true)
            #expect((created.json?["nextFireTimes"] as? [Any])?.count == 1)
            // Read-your-writes: the answer came after the engine applied the command, so a GET sees it.
            let read = try await api.request(.GET, "/v1/schedules/api-1", token: APITokens.viewer)
            #expect(read.status == 200 && read.json?["id"] as? String == "api-1", "\(read)")

            // Replaced before it is due: only the second version fires, once.
            _ = try await api.request(
                .PUT, "/v1/schedules/api-2", token: token, body: #"{"target": "api.fired", "delay": "1h"}"#)
            let replaced = try await api.request(
                .PUT, "/v1/schedules/api-2", token: token,
                body: #"{"target": "api.fired", "delay": "1s", "payload": {"json": {"n": 2, "a": [true]}}}"#)
            #expect(replaced.status == 200 && replaced.json?["written"] as? Bool == true, "\(replaced)")
            // The same body again writes nothing (PUT is idempotent; a `delay` is from now, so this uses a cron).
            let daily = #"{"target": "api.daily", "cron": "0 9 * * *", "tz": "Europe/Paris"}"#
            let once = try await api.request(.PUT, "/v1/schedules/api-daily", token: token, body: daily)
            let again = try await api.request(.PUT, "/v1/schedules/api-daily", token: token, body: daily)
            #expect(once.json?["written"] as? Bool == true && again.json?["written"] as? Bool == false, "\(again)")
            #expect(again.json?["nextFireTimes"] as? [Any] != nil && again.json?["zone"] as? String == "Europe/Paris")
            // The Quartz dialect: 6L is the last Friday of each month, and the spec says which dialect it is in.
            let lastFriday = try await api.request(
                .PUT, "/v1/schedules/api-quartz", token: token,
                body: #"{"target": "api.daily", "cron": "0 15 10 ? * 6L", "dialect": "quartz"}"#)
            #expect((lastFriday.json?["spec"] as? [String: Any])?["dialect"] as? String == "quartz", "\(lastFriday)")
            let fireTimes = (lastFriday.json?["nextFireTimes"] as? [[String: Any]] ?? []).compactMap { $0["utc"] as? String }
            var utc = Calendar(identifier: .gregorian)
            utc.timeZone = TimeZone(identifier: "UTC")!
            let weekdays = fireTimes.compactMap { ISO8601DateFormatter().date(from: $0.replacingOccurrences(of: ".000", with: "")) }
                .map { utc.component(.weekday, from: $0) }
            #expect(!weekdays.isEmpty && weekdays.allSatisfy { $0 == 6 }, "\(fireTimes)")  // Foundation: 6 is Friday

            // Cancelled before it is due: never fires.
            _ = try await api.request(
                .PUT, "/v1/schedules/api-3", token: token,
                body: #"{"target": "api.fired", "delay": "2s", "payload": {"base64": "AAEC"}}"#)
            let cancelled = try await api.request(.DELETE, "/v1/schedules/api-3", token: token)
            #expect(cancelled.status == 204, "\(cancelled)")
            #expect(try await api.request(.GET, "/v1/schedules/api-3", token: token).status == 404)

            // A webhook target.
            let hook = try await api.request(
                .PUT, "/v1/schedules/api-hook", token: token,
                body: """
                    {"target": "\(receiver.baseURL)/hook", "delay": "1s", "payload": {"text": "ping"},
                     "http": {"method": "PUT", "headers": [{"name": "x-team", "value": "billing"}]}}
                    """)
            #expect(hook.status == 200, "\(hook)")

            let first = try fired.waitForRecord { $0.id == "api-1" }
            #expect(first.text == "hello API")
            #expect(first.key.map { String(decoding: $0, as: UTF8.self) } == "key-1")
            #expect(first.header("trace-id") == "abc")
            #expect(first.headers.contains { $0.name == "empty" && $0.value == nil })
            let second = try fired.waitForRecord { $0.id == "api-2" }
            #expect(second.text == #"{"a":[true],"n":2}"#)
            let requests = await receiver.waitForRequests("/hook", count: 1, timeout: .seconds(30))
            #expect(requests.first?.method == "PUT")
            #expect(requests.first?.header("x-team") == "billing")
            #expect(requests.first.map { String(decoding: $0.body, as: UTF8.self) } == "ping")

            // api-3 was due 2 s after it was written; a further second shows it did not fire late either.
            _ = try fired.drain(seconds: 2)
            #expect(fired.records.filter { $0.id == "api-2" }.count == 1)
            #expect(!fired.records.contains { $0.id == "api-3" })
            #expect(setup.kairos.log.contains("audit"))
            #expect(!setup.kairos.log.contains("hello API"), "the audit log names no payload")
            await api.shutdown()
            try await receiver.shutdown()
        }

        @Test func badRequestsNameTheFieldAndProduceNothingAndRolesAreEnforced() async throws {
            let scratch = try ScratchDirectory()
            let (setup, api) = try setUp(scratch)
            defer { setup.stop() }
            let token = APITokens.operator

            // Who may do what.
            let anonymous = try await api.request(.GET, "/v1/schedules", token: nil)
            #expect(anonymous.status == 401 && anonymous.contentType.hasPrefix("application/problem+json"))
            #expect(try await api.request(.GET, "/v1/schedules", token: "not-a-token").status == 401)
            let expired = try APITokens.jwt(role: "operator", expiresIn: -60)
            #expect(try await api.request(.GET, "/v1/schedules", token: expired).status == 401)
            let viewerJWT = try APITokens.jwt(role: "viewer", expiresIn: 600)
            #expect(try await api.request(.GET, "/v1/schedules", token: viewerJWT).status == 200)
            let viewerWrite = try await api.request(
                .PUT, "/v1/schedules/bad-viewer", token: APITokens.viewer, body: #"{"target": "api.bad"}"#)
            #expect(viewerWrite.status == 403 && viewerWrite.contentType.hasPrefix("application/problem+json"))
            #expect(try await api.request(.PUT, "/v1/schedules/bad-jwt", token: viewerJWT, body: "{}").status == 403)
            let replay = try await api.request(.POST, "/v1/dead-letters/replay", token: token, body: #"{"ids": []}"#)
            #expect(replay.status == 403, "only an admin replays dead letters")

            // The malformed-command suite, as API bodies: each is refused naming its field.
            let cases: [(body: String, field: String, status: Int)] = [
                (#"{"target": "api.bad", "delay": "soon"}"#, "delay", 422),
                (#"{"target": "api.bad", "at": "tomorrow"}"#, "at", 422),
                (#"{"target": "api.bad", "delay": "1s", "at": 1}"#, "delay", 422),
                (#"{"target": "api.bad", "cron": "61 * * * *"}"#, "cron", 422),
                (#"{"target": "api.bad", "cron": "0 9 * * *", "tz": "Mars/Olympus"}"#, "tz", 422),
                (#"{"target": "api.bad", "every": "0s"}"#, "every", 422),
                (#"{"target": "api.bad", "cron": "0 0 12 ? * 0", "dialect": "quartz"}"#, "cron", 422),
                (#"{"target": "api.bad", "every": "1h", "dialect": "quartz"}"#, "dialect", 422),
                (#"{"target": "api.bad", "every": "1d", "exclude": ["2026-02-30"]}"#, "exclude", 422),
                (#"{"target": "api.bad", "every": "1d", "excludeCron": "0 25 * * *"}"#, "excludeCron", 422),
                (#"{"target": "kairos.commands"}"#, "target", 422),
                (#"{"target": "http://example.com/x"}"#, "target", 422),
                (#"{"target": "api.bad", "payload": {"base64": "***"}}"#, "payload.base64", 422),
                (#"{"target": "api.bad", "payload": {"text": "a", "base64": "AA=="}}"#, "payload", 422),
                (#"{"target": "api.bad", "misfire": "sometimes", "every": "1h"}"#, "misfire", 422),
                (#"{"target": "api.bad", "limit": "three"}"#, "limit", 400),
                (#"{"target": "api.bad", "colour": "blue"}"#, "colour", 400),
                (#"{"delay": "1s"}"#, "target", 400),
                (#"{"target": "api.bad", "#, "body", 400),
            ]
            for (index, item) in cases.enumerated() {
                let answer = try await api.request(.PUT, "/v1/schedules/bad-\(index)", token: token, body: item.body)
                #expect(answer.status == item.status, "\(item.body): \(answer)")
                #expect(answer.contentType.hasPrefix("application/problem+json"), "\(item.body)")
                #expect(answer.invalidFields.first == item.field, "\(item.body): \(answer)")
            }
            #expect(try await api.request(.POST, "/v1/schedules/bad-0/pause", token: token).status == 404)
            #expect(try await api.request(.DELETE, "/v1/schedules/bad-0", token: token).status == 404)

            // Nothing reached `commands`: written after all of them, the marker is the only record there.
            let marker = try await api.request(
                .PUT, "/v1/schedules/marker", token: token, body: #"{"target": "api.bad", "delay": "1h"}"#)
            #expect(marker.status == 200, "\(marker)")
            let commands = try TopicReader(bootstrap: setup.bootstrap, topic: "kairos.commands")
            try commands.waitForRecord { $0.key == Array("marker".utf8) }
            #expect(commands.records.count == 1, "records on commands: \(commands.records.map(\.id))")
            await api.shutdown()
        }

        @Test func pauseHoldsEveryOccurrenceResumeGoesOnAndTriggerFiresOnceMore() async throws {
            let scratch = try ScratchDirectory()
            let (setup, api) = try setUp(scratch)
            defer { setup.stop() }
            let fired = try TopicReader(bootstrap: setup.bootstrap, topic: "api.ticks")
            let token = APITokens.operator
            let created = try await api.request(
                .PUT, "/v1/schedules/tick", token: token, body: #"{"target": "api.ticks", "cron": "* * * * * *"}"#)
            #expect(created.status == 200, "\(created)")
            try fired.waitForRecord { $0.id == "tick" }

            let paused = try await api.request(.POST, "/v1/schedules/tick/pause", token: token)
            #expect(paused.status == 200 && paused.json?["status"] as? String == "paused", "\(paused)")
            let pausedAt = nowMilliseconds()
            // A cron firing every second: three occurrences fall due while paused; a firing committed before the pause was applied may still
            // arrive, none scheduled after it.
            let during = try fired.drain(seconds: 3.5).filter {
                Int64($0.header("kairos-scheduled-for") ?? "") ?? 0 > pausedAt
            }
            #expect(during.isEmpty, "fired while paused: \(during.map { $0.header("kairos-occurrence") ?? "" })")

            // A trigger fires even while paused, once per Idempotency-Key, numbered outside 1, 2, 3...
            for _ in 0..<2 {
                let triggered = try await api.request(
                    .POST, "/v1/schedules/tick/trigger", token: token, headers: [("Idempotency-Key", "t-1")])
                #expect(triggered.status == 200, "\(triggered)")
            }
            let extra = try fired.waitForRecord { $0.header("kairos-firing") == "triggered" }
            #expect(extra.header("kairos-occurrence") == "-1")

            let resumed = try await api.request(.POST, "/v1/schedules/tick/resume", token: token)
            #expect(resumed.status == 200 && resumed.json?["status"] as? String == "scheduled", "\(resumed)")
            let resumedAt = nowMilliseconds()
            let next = try fired.waitForRecord {
                Int64($0.header("kairos-scheduled-for") ?? "") ?? 0 >= resumedAt - 1_000
                    && $0.header("kairos-firing") == nil
            }
            let occurrences = fired.records.compactMap { Int64($0.header("kairos-occurrence") ?? "") }
            #expect(Set(occurrences).count == occurrences.count, "(id, occurrence) repeats: \(occurrences)")
            #expect(occurrences.filter { $0 < 0 } == [-1], "one extra firing for one Idempotency-Key")
            #expect(Int64(next.header("kairos-occurrence") ?? "") ?? 0 > 3, "the paused occurrences were used up")
            await api.shutdown()
        }
    }
}
