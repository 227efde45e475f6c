import Foundation
import Testing

extension EndToEnd {
    /// `kairosctl verify` against the embedded broker: the judge of a running installation, which must pass a
    /// healthy one, fail one that does not fire, and see nothing lost or doubled through a restart it causes.
    @Suite(.serialized) struct VerifyTests {
        private func missing(_ report: [String: Any]) -> [String] { report["missing"] as? [String] ?? ["?"] }
        private func count(_ report: [String: Any], _ key: String) -> Int { (report[key] as? [Any])?.count ?? -1 }

        @Test func verifyFailsWhenNothingFiresAndPassesOnceASchedulerRuns() throws {
            let scratch = try ScratchDirectory()
            let (broker, bootstrap) = try KairosProcess.broker(in: scratch)
            defer { broker.terminate() }
            let server = ["--bootstrap-servers", bootstrap]

            // No scheduler: every firing is missing, and the report says so.
            let idle = try kairosctl(
                ["verify", "--target", "verify.fired", "--count", "5", "--recurring", "1", "--occurrences", "2",
                 "--spread", "1s", "--grace", "2s", "--id-prefix", "idle-"] + server)
            #expect(idle.status == 1, "\(idle)")
            #expect(idle.standardOutput.contains("expected 7 firings: received 0, missing 7"), "\(idle)")
            #expect(idle.standardOutput.contains("missing: idle-every-0#1") && idle.standardOutput.hasSuffix("FAIL\n"))

            // The idle test's schedules were cancelled: a scheduler started now fires none of them.
            let kairos = try KairosProcess.scheduler(
                bootstrap: bootstrap, stateDirectory: scratch.path("a"), logPath: scratch.path("a.log"))
            defer { kairos.terminate() }
            try kairos.waitForLog("partition assigned", count: 4)
            let healthy = try kairosctl(
                ["verify", "--target", "verify.fired", "--count", "40", "--recurring", "3", "--occurrences", "3",
                 "--spread", "3s", "--output", "json"] + server)
            #expect(healthy.status == 0, "\(healthy)")
            let report = try healthy.json()
            #expect(report["expected"] as? Int == 49 && report["received"] as? Int == 49, "\(healthy)")
            #expect(missing(report).isEmpty && count(report, "duplicated") == 0 && count(report, "early") == 0)
            #expect(count(report, "unexpected") == 0)
            let lateness = report["firedLateness"] as? [String: Any]
            #expect((lateness?["max"] as? Int).map { $0 >= 0 && $0 < 5_000 } == true, "\(healthy)")
            let reader = try TopicReader(bootstrap: bootstrap, topic: "verify.fired")
            try reader.read(until: 49)
            let fired = try reader.drain(seconds: 2)
            #expect(fired.count == 49, "\(fired.map(\.id))")
            #expect(!fired.contains { $0.id.hasPrefix("idle-") }, "a cancelled test schedule fired")
        }

        @Test func aGracefulRestartDuringVerifyLosesAndDoublesNothing() throws {
            let scratch = try ScratchDirectory()
            let (broker, bootstrap) = try KairosProcess.broker(in: scratch)
            defer { broker.terminate() }
            let first = try KairosProcess.scheduler(
                bootstrap: bootstrap, stateDirectory: scratch.path("a"), logPath: scratch.path("a.log"))
            defer { first.terminate() }
            try first.waitForLog("partition assigned", count: 4)
            let second = try KairosProcess.scheduler(
                bootstrap: bootstrap, stateDirectory: scratch.path("b"), logPath: scratch.path("b.log"))
            defer { second.terminate() }
            try second.waitForLog("partition assigned")

            // Halfway through, the first instance is stopped; the second takes its partitions over.
            let run = try kairosctl(
                ["verify", "--target", "verify.chaos", "--count", "60", "--recurring", "4", "--occurrences", "6",
                 "--spread", "6s", "--chaos", "kill -TERM \(first.pid)", "--output", "json",
                 "--bootstrap-servers", bootstrap])
            #expect(run.status == 0, "\(run)\nfirst:\n\(first.log.suffix(3_000))\nsecond:\n\(second.log.suffix(3_000))")
            let report = try run.json()
            #expect(report["expected"] as? Int == 84 && report["received"] as? Int == 84, "\(run)")
            #expect(missing(report).isEmpty && count(report, "duplicated") == 0 && count(report, "early") == 0)
            let chaos = report["chaos"] as? [String: Any]
            #expect(chaos?["status"] as? Int == 0, "\(run)")
            #expect(first.terminate() == 0, "the first instance did not stop cleanly")
            try second.waitForLog("partition assigned", count: 3)
        }
    }
}
