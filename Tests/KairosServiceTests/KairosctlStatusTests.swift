import Foundation
import KafkaClient
import Testing

extension EndToEnd {
    /// `kairosctl status` against two running instances and through a rebalance.
    @Suite struct KairosctlStatusTests {
        @Test func statusShowsOwnersAndCountsAcrossARebalance() async throws {
            let scratch = try ScratchDirectory()
            let (broker, bootstrap) = try KairosProcess.broker(in: scratch)
            defer { broker.terminate() }
            let first = try KairosProcess.scheduler(
                bootstrap: bootstrap, stateDirectory: scratch.path("a"), logPath: scratch.path("a.log"),
                extra: ["KAIROS_INSTANCE_ID": "kairos-a", "KAIROS_ADMIN_TOKEN": "t0ken"])
            defer { first.terminate() }
            try first.waitForLog("partition assigned", count: 4)
            let second = try KairosProcess.scheduler(
                bootstrap: bootstrap, stateDirectory: scratch.path("b"), logPath: scratch.path("b.log"),
                extra: ["KAIROS_INSTANCE_ID": "kairos-b", "KAIROS_ADMIN_TOKEN": "t0ken"])
            try second.waitForLog("partition assigned")
            let producer = try CommandProducer(bootstrap: bootstrap)
            try producer.schedule(count: 200, prefix: "st", target: "status.out") { _ in
                nowMilliseconds() + 86_400_000
            }
            let urls = try ["a", "b"].map { directory in
                "http://" + (try String(contentsOfFile: scratch.path(directory) + "/admin-address", encoding: .utf8))
            }
            func status() throws -> (KairosctlRun, [String: Any]) {
                let run = try kairosctl(
                    [
                        "status", "--bootstrap-servers", bootstrap, "--instances", urls.joined(separator: ","),
                        "--output", "json",
                    ], environment: ["KAIROS_ADMIN_TOKEN": "t0ken"])
                return (run, (try? run.json()) ?? [:])
            }
            func owners(_ report: [String: Any]) -> [String?] {
                (report["partitions"] as? [[String: Any]] ?? []).map { $0["owner"] as? String }
            }
            func pending(_ report: [String: Any]) -> Int {
                (report["partitions"] as? [[String: Any]] ?? []).compactMap { $0["pending"] as? Int }.reduce(0, +)
            }

            // Both instances own partitions; together they hold the 200 schedules.
            var (run, report) = try status()
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline
                && (Set(owners(report).compactMap { $0 }) != ["kairos-a", "kairos-b"]
                    || owners(report).contains(nil) || pending(report) != 200)
            {
                try await Task.sleep(for: .milliseconds(500))  // poll interval of the wait for the report
                (run, report) = try status()
            }
            #expect(run.status == 0, "\(run)")
            #expect(owners(report).count == 4)
            #expect(Set(owners(report).compactMap { $0 }) == ["kairos-a", "kairos-b"], "\(run)")
            #expect(pending(report) == 200, "\(run)")

            // The table names every partition and its owner.
            let table = try kairosctl(
                ["status", "--bootstrap-servers", bootstrap, "--instances", urls.joined(separator: ",")],
                environment: ["KAIROS_ADMIN_TOKEN": "t0ken"])
            #expect(table.status == 0)
            #expect(table.standardOutput.contains("200 pending schedules in 4 of 4 partitions"), "\(table)")

            // Without the token the instances refuse, and status says so.
            let refused = try kairosctl(
                ["status", "--bootstrap-servers", bootstrap, "--instances", urls.joined(separator: ",")])
            #expect(refused.status == 1)
            #expect(refused.standardOutput.contains("HTTP 401"), "\(refused)")

            // The second instance leaves: the first owns everything, the second is reported unreachable.
            #expect(second.terminate() == 0)
            (run, report) = try status()
            let after = Date().addingTimeInterval(60)
            while Date() < after && (owners(report) != Array(repeating: "kairos-a", count: 4) || pending(report) != 200)
            {
                try await Task.sleep(for: .milliseconds(500))  // poll interval of the wait for the report
                (run, report) = try status()
            }
            #expect(owners(report) == Array(repeating: "kairos-a", count: 4), "\(run)")
            #expect(pending(report) == 200, "\(run)")
            #expect(run.status == 1, "an unreachable instance is a failed check")
            let instances = report["instances"] as? [[String: Any]] ?? []
            #expect(instances.first { ($0["url"] as? String) == urls[1] }?["reachable"] as? Bool == false)
        }
    }
}
