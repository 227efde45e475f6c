import AsyncHTTPClient
import Foundation
import KafkaClient
import NIOCore
import Testing

extension EndToEnd {
    /// `/metrics`, `/health`, `/ready` and `/admin/status` of the real binary.
    @Suite struct AdminEndpointTests {
        @Test func metricsAreValidPrometheusTextAndCountWhatHappened() async throws {
            let scratch = try ScratchDirectory()
            let setup = try SchedulerSetup(scratch, extra: ["KAIROS_ADMIN_TOKEN": "s3cret"])
            defer { setup.stop() }
            let admin = try AdminClient(stateDirectory: scratch.path("a"))
            let producer = try CommandProducer(bootstrap: setup.bootstrap)
            let due = nowMilliseconds() + 1_000
            for index in 0..<5 {
                try await producer.send(
                    "m-\(index)", [], [("kairos-at", "\(due)"), ("kairos-target", "metrics.out")])
            }
            for index in 0..<20 {
                try await producer.send(
                    "later-\(index)", [], [("kairos-delay", "1d"), ("kairos-target", "metrics.out")])
            }
            try await producer.send("bad", [], [("kairos-delay", "soon"), ("kairos-target", "metrics.out")])
            #expect(try TopicReader(bootstrap: setup.bootstrap, topic: "metrics.out").read(until: 5).count == 5)

            // Counters follow committed batches; the scrape may come a moment later.
            var families: [String: PrometheusFamily] = [:]
            for _ in 0..<50 {
                families = try PrometheusText.parse(try await admin.get("/metrics").body)
                if families["kairos_firings_total"]?.value(["target": "kafka", "outcome": "delivered"]) == 5 { break }
                try await Task.sleep(for: .milliseconds(200))  // poll interval of the wait for the counters
            }
            #expect(families["kairos_commands_total"]?.value(["result": "applied"]) == 25)
            #expect(families["kairos_commands_total"]?.value(["result": "rejected"]) == 1)
            #expect(families["kairos_dlq_records_total"]?.value(["kind": "rejected"]) == 1)
            #expect(families["kairos_firings_total"]?.value(["target": "kafka", "outcome": "delivered"]) == 5)
            #expect(families["kairos_fire_lateness_seconds"]?.type == "histogram")
            #expect(families["kairos_fire_lateness_seconds"]?.value(["target": "kafka"], suffix: "_count") == 5)
            #expect(families["kairos_partitions_owned"]?.value([:]) == 4)
            #expect((families["kairos_batches_total"]?.value(["result": "committed"]) ?? 0) >= 1)
            #expect(families["kairos_rebalances_total"]?.value(["event": "assigned"]) != nil)
            let pending = families["kairos_pending_schedules"]?.samples.map(\.value).reduce(0, +) ?? 0
            #expect(pending >= 15 && pending <= 25, "pending estimate \(pending)")

            // The admin API wants the token; health, readiness and metrics do not.
            #expect(try await admin.get("/admin/status").status == 401)
            let status = try await admin.get("/admin/status", token: "s3cret")
            #expect(status.status == 200)
            let report = try JSONSerialization.jsonObject(with: Data(status.body.utf8)) as? [String: Any]
            #expect((report?["partitions"] as? [[String: Any]])?.count == 4)
            #expect(report?["ready"] as? Bool == true)
            #expect(try await admin.get("/health").status == 200)
            #expect(try await admin.get("/ready").status == 200)
            await admin.shutdown()
        }

        @Test func readyOnlyOnceEveryPartitionIsRestored() async throws {
            let scratch = try ScratchDirectory()
            let (broker, bootstrap) = try KairosProcess.broker(in: scratch)
            defer { broker.terminate() }
            let first = try KairosProcess.scheduler(
                bootstrap: bootstrap, stateDirectory: scratch.path("a"), logPath: scratch.path("a.log"))
            try first.waitForLog("partition assigned", count: 4)
            let producer = try CommandProducer(bootstrap: bootstrap)
            try producer.schedule(count: 20_000, prefix: "r", target: "ready.out") { _ in nowMilliseconds() + 86_400_000
            }
            let events = try TopicReader(bootstrap: bootstrap, topic: "kairos.events")
            #expect(try events.read(until: 20_000, seconds: 120).count >= 20_000)
            #expect(first.terminate() == 0)

            // A new instance with an empty state dir restores 20,000 schedules before it is ready.
            let second = try KairosProcess.scheduler(
                bootstrap: bootstrap, stateDirectory: scratch.path("b"), logPath: scratch.path("b.log"))
            defer { second.terminate() }
            var admin: AdminClient?
            let deadline = Date().addingTimeInterval(60)
            while admin == nil && Date() < deadline {
                admin = try? AdminClient(stateDirectory: scratch.path("b"))
                try await Task.sleep(for: .milliseconds(10))  // poll interval of the wait for the address file
            }
            guard let admin else { throw TestFailure("no admin address; log:\n\(second.log)") }
            var answers: [(status: Int, body: String)] = []
            while Date() < deadline {
                if let answer = try? await admin.get("/ready") {
                    answers.append((answer.status, answer.body))
                    if answer.status == 200 { break }
                }
                try await Task.sleep(for: .milliseconds(20))  // poll interval of the wait for readiness
            }
            #expect(answers.last?.status == 200, "never ready: \(answers.suffix(3))")
            #expect(answers.contains { $0.status == 503 }, "ready before restoring")
            // Ready means restored: every partition's restore was logged before the first 200.
            #expect(second.log.components(separatedBy: "partition assigned").count - 1 == 4)
            #expect(second.restoredRecords >= 20_000)
            await admin.shutdown()
        }
    }
}

/// Talks to an instance's admin server, found through `<state dir>/admin-address`.
final class AdminClient: Sendable {
    let base: String
    let client: HTTPClient

    init(stateDirectory: String) throws {
        let address = try String(contentsOfFile: stateDirectory + "/admin-address", encoding: .utf8)
        base = "http://" + address.replacingOccurrences(of: "0.0.0.0", with: "127.0.0.1")
        // Created last: a client must be shut down, and a throwing init could not.
        client = HTTPClient(eventLoopGroupProvider: .singleton)
    }

    func get(_ path: String, token: String? = nil) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: base + path)
        if let token {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        let response = try await client.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 10 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    func shutdown() async {
        try? await client.shutdown()
    }

    deinit {
        // A test that failed before `shutdown()` must not crash the run: the task keeps the client until it is down.
        let client = client
        Task { try? await client.shutdown() }
    }
}

/// One metric family of a Prometheus text exposition.
struct PrometheusFamily {
    var type: String?
    var samples: [(name: String, labels: [String: String], value: Double)] = []

    /// The value of the sample with exactly these labels (and this suffix of the family name, for histograms).
    func value(_ labels: [String: String], suffix: String = "") -> Double? {
        samples.first { sample in
            sample.name.hasSuffix(suffix) && sample.labels.filter { $0.key != "le" } == labels
                && (suffix.isEmpty ? sample.labels["le"] == nil : true)
        }?.value
    }
}

/// A strict reader of the Prometheus text format (version 0.0.4): every line must be a comment, a `# TYPE` or
/// `# HELP`, or a sample `name{label="value",...} value`; histograms must have cumulative buckets ending in
/// `+Inf` equal to `_count`.
enum PrometheusText {
    static func parse(_ text: String) throws -> [String: PrometheusFamily] {
        var families: [String: PrometheusFamily] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                guard parts.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3])
                else { throw TestFailure("bad TYPE line: \(line)") }
                families[String(parts[2]), default: PrometheusFamily()].type = String(parts[3])
                continue
            }
            if line.hasPrefix("#") { continue }
            let sample = try parseSample(String(line))
            let family = families.keys.first { name in
                sample.name == name || ["_bucket", "_count", "_sum"].contains { sample.name == name + $0 }
            }
            guard let family else { throw TestFailure("sample before its TYPE line: \(line)") }
            families[family]?.samples.append(sample)
        }
        for (name, family) in families where family.type == "histogram" {
            let series = Dictionary(grouping: family.samples) { sample in
                sample.labels.filter { $0.key != "le" }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                    .joined(separator: ",")
            }
            for samples in series.values {
                let buckets = samples.filter { $0.name == name + "_bucket" }
                let counts = buckets.map(\.value)
                guard counts == counts.sorted(), buckets.last?.labels["le"] == "+Inf",
                    buckets.last?.value == samples.first(where: { $0.name == name + "_count" })?.value
                else { throw TestFailure("histogram \(name) is not cumulative or lacks +Inf = _count") }
            }
        }
        return families
    }

    private static func parseSample(_ line: String) throws -> (name: String, labels: [String: String], value: Double) {
        let nameEnd = line.firstIndex { $0 == "{" || $0 == " " } ?? line.endIndex
        let name = String(line[..<nameEnd])
        guard let first = name.first, first.isLetter || first == "_" || first == ":",
            name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" })
        else { throw TestFailure("bad metric name in: \(line)") }
        var labels: [String: String] = [:]
        var rest = line[nameEnd...]
        if rest.hasPrefix("{") {
            guard let close = rest.lastIndex(of: "}") else { throw TestFailure("unclosed labels: \(line)") }
            let body = rest[rest.index(after: rest.startIndex)..<close]
            var index = body.startIndex
            while index < body.endIndex {
                guard let equals = body[index...].firstIndex(of: "="),
                    body[body.index(after: equals)...].hasPrefix("\"")
                else { throw TestFailure("bad label in: \(line)") }
                let key = String(body[index..<equals])
                var cursor = body.index(equals, offsetBy: 2)
                var value = ""
                while cursor < body.endIndex && body[cursor] != "\"" {
                    if body[cursor] == "\\" { cursor = body.index(after: cursor) }
                    guard cursor < body.endIndex else { break }
                    value.append(body[cursor])
                    cursor = body.index(after: cursor)
                }
                guard cursor < body.endIndex else { throw TestFailure("unterminated label value: \(line)") }
                labels[key] = value
                index = body.index(after: cursor)
                if index < body.endIndex && body[index] == "," { index = body.index(after: index) }
            }
            rest = rest[rest.index(after: close)...]
        }
        let fields = rest.split(separator: " ")
        guard (1...2).contains(fields.count), let value = Double(fields[0]) ?? (fields[0] == "+Inf" ? .infinity : nil)
        else { throw TestFailure("bad sample value: \(line)") }
        return (name, labels, value)
    }
}
