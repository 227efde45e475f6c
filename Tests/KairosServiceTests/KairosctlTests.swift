import Foundation
import KafkaClient
import Testing

/// The `kairosctl` executable built next to `kairos`.
let kairosctlExecutable = kairosExecutable.deletingLastPathComponent().appendingPathComponent("kairosctl")

/// What one `kairosctl` run printed and how it ended.
struct KairosctlRun: CustomStringConvertible {
    let status: Int32
    let standardOutput: String
    let standardError: String

    /// The standard output parsed as one JSON object.
    func json() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(standardOutput.utf8))
        guard let dictionary = object as? [String: Any] else { throw TestFailure("not a JSON object: \(self)") }
        return dictionary
    }

    var description: String { "status \(status)\nstdout:\n\(standardOutput)\nstderr:\n\(standardError)" }
}

/// Runs `kairosctl` as a user would, with standard input from `input` (empty by default), and waits for it.
func kairosctl(_ arguments: [String], environment: [String: String] = [:], input: String = "") throws -> KairosctlRun {
    let scratch = try ScratchDirectory()
    let outputPath = scratch.path("stdout")
    let errorPath = scratch.path("stderr")
    let inputPath = scratch.path("stdin")
    for path in [outputPath, errorPath] {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
    }
    _ = FileManager.default.createFile(atPath: inputPath, contents: Data(input.utf8))
    let process = Process()
    process.executableURL = kairosctlExecutable
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("KAIROS_") }
    env.merge(environment) { $1 }
    process.environment = env
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
    process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: inputPath))
    try process.run()
    let deadline = Date().addingTimeInterval(120)
    while process.isRunning && Date() < deadline {
        Thread.sleep(forTimeInterval: 0.05)  // poll interval of the wait for the exit
    }
    if process.isRunning {
        process.terminate()
        process.waitUntilExit()
        throw TestFailure("kairosctl \(arguments.joined(separator: " ")) did not finish within 120 s")
    }
    process.waitUntilExit()
    return KairosctlRun(
        status: process.terminationStatus,
        standardOutput: (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "",
        standardError: (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "")
}

/// Retries `attempt` until it returns a value or `seconds` pass; the last failure is rethrown.
func eventually<T>(seconds: Double = 60, _ attempt: () throws -> T?) throws -> T {
    let deadline = Date().addingTimeInterval(seconds)
    while true {
        if let value = try attempt() { return value }
        guard Date() < deadline else { throw TestFailure("condition not met within \(seconds) s") }
        Thread.sleep(forTimeInterval: 0.5)  // poll interval between attempts
    }
}

/// RFC 3339 in UTC with milliseconds, as kairosctl prints instants.
func rfc3339(_ milliseconds: Int64) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    formatter.timeZone = TimeZone(identifier: "UTC")
    return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1_000))
}

extension EndToEnd {
    /// The real `kairosctl` binary against a standalone broker and a real scheduler.
    @Suite(.serialized) struct KairosctlTests {
        /// The `schedules` of a `list --output json` run.
        private func listed(_ arguments: [String], bootstrap: String) throws -> [[String: Any]] {
            let run = try kairosctl(["list", "--bootstrap-servers", bootstrap, "--output", "json"] + arguments)
            guard run.status == 0 else { throw TestFailure("list failed: \(run)") }
            return try run.json()["schedules"] as? [[String: Any]] ?? []
        }

        /// The string at `key` of a JSON object, empty when absent.
        private func text(_ object: [String: Any]?, _ key: String) -> String {
            object?[key] as? String ?? ""
        }

        private func ids(_ schedules: [[String: Any]]) -> [String] {
            schedules.compactMap { $0["id"] as? String }
        }

        @Test func scheduleListGetAndCancelDriveTheScheduler() async throws {
            let scratch = try ScratchDirectory()
            let setup = try SchedulerSetup(scratch)
            defer { setup.stop() }
            let bootstrap = setup.bootstrap
            let server = ["--bootstrap-servers", bootstrap]
            let fired = try TopicReader(bootstrap: bootstrap, topic: "ctl.fired")

            // A Kafka target due in 2 s with a pass-through header; the payload comes from standard input.
            let soon = try kairosctl(
                ["schedule", "soon-1", "--target", "ctl.fired", "--in", "2s", "--pass-header", "trace=abc-123"]
                    + server,
                input: "hello from stdin")
            #expect(soon.status == 0, "\(soon)")
            #expect(soon.standardOutput.contains("soon-1") && soon.standardOutput.contains("first fire"), "\(soon)")

            // A daily cron at 06:30 UTC: the first fire is the next 06:30 after now.
            let cron = try kairosctl(
                [
                    "schedule", "cron-1", "--target", "ctl.cron", "--cron", "30 6 * * *", "--tz", "UTC", "--payload",
                    "tick", "--output", "json",
                ] + server)
            #expect(cron.status == 0, "\(cron)")
            let cronReceipt = try cron.json()
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
            let nextCron = try #require(
                calendar.nextDate(
                    after: Date(), matching: DateComponents(hour: 6, minute: 30, second: 0), matchingPolicy: .strict))
            let expectedCron = Int64(nextCron.timeIntervalSince1970 * 1_000)
            #expect(cronReceipt["firstFire"] as? Int64 == expectedCron, "\(cron)")
            let cronPartition = try #require(cronReceipt["partition"] as? Int)
            // In the Quartz dialect 1 is Sunday: the first fire is a Sunday at 06:30 UTC.
            let sunday = try kairosctl(
                [
                    "schedule", "quartz-1", "--target", "ctl.quartz", "--cron", "0 30 6 ? * 1", "--cron-dialect",
                    "quartz", "--output", "json",
                ] + server)
            #expect(sunday.status == 0, "\(sunday)")
            let sundayFire = try #require(try sunday.json()["firstFire"] as? Int64, "\(sunday)")
            let sundayDate = Date(timeIntervalSince1970: Double(sundayFire) / 1_000)
            #expect(calendar.component(.weekday, from: sundayDate) == 1 && calendar.component(.hour, from: sundayDate) == 6)
            #expect(try kairosctl(["cancel", "quartz-1"] + server).status == 0)

            // Three far-future one-shots for paging, one to cancel before it is due.
            let now = nowMilliseconds()
            let hour: Int64 = 3_600_000
            for index in 1...3 {
                let far = try kairosctl(
                    [
                        "schedule", "far-\(index)", "--target", "ctl.fired", "--at", "\(now + Int64(index) * hour)",
                        "--payload", "far", "--output", "json",
                    ] + server)
                #expect(far.status == 0, "\(far)")
                #expect(try far.json()["firstFire"] as? Int64 == now + Int64(index) * hour)
            }
            let doomed = try kairosctl(
                ["schedule", "doomed", "--target", "ctl.fired", "--in", "8s", "--payload", "never"] + server)
            #expect(doomed.status == 0, "\(doomed)")
            let cancelled = try kairosctl(["cancel", "doomed"] + server)
            #expect(cancelled.status == 0 && cancelled.standardOutput.contains("doomed"), "\(cancelled)")
            let doomedDue = Date().addingTimeInterval(8)

            // A command Kairos would reject is refused before producing, with the decoder's reason.
            let bad = try kairosctl(["schedule", "bad-in", "--target", "ctl.fired", "--in", "soon"] + server)
            #expect(bad.status == 2, "\(bad)")
            #expect(bad.standardError.contains("kairos-delay") && bad.standardError.contains("--in"), "\(bad)")

            // The first one fires with its header and payload.
            let firings = try fired.read(until: 1, seconds: 60)
            let first = try #require(firings.first, "log:\n\(setup.kairos.log)")
            #expect(first.id == "soon-1")
            #expect(first.header("trace") == "abc-123")
            #expect(first.text == "hello from stdin")

            // Once fired, soon-1 leaves the list; the cron one stays with its next fire time.
            let afterFiring = try eventually { () throws -> [[String: Any]]? in
                let schedules = try listed([], bootstrap: bootstrap)
                let names = ids(schedules)
                return !names.contains("soon-1") && !names.contains("doomed") && !names.contains("quartz-1")
                    && names.contains("cron-1")
                    && names.filter({ $0.hasPrefix("far-") }).count == 3 ? schedules : nil
            }
            let cronRow = try #require(afterFiring.first { $0["id"] as? String == "cron-1" })
            #expect(cronRow["fireAt"] as? Int64 == expectedCron)
            #expect(cronRow["nextFire"] as? String == rfc3339(expectedCron))
            #expect(cronRow["partition"] as? Int == cronPartition)
            #expect(
                ids(afterFiring)
                    == ["far-1", "far-2", "far-3", "cron-1"].sorted { lhs, rhs in
                        let order = [
                            "far-1": now + hour, "far-2": now + 2 * hour, "far-3": now + 3 * hour,
                            "cron-1": expectedCron,
                        ]
                        return (order[lhs] ?? 0, lhs) < (order[rhs] ?? 0, rhs)
                    })
            let table = try kairosctl(["list"] + server)
            #expect(table.status == 0)
            #expect(table.standardOutput.contains("NEXT FIRE") && table.standardOutput.contains(rfc3339(expectedCron)))
            #expect(table.standardOutput.contains("cron '30 6 * * *' UTC"), "\(table)")
            #expect(!table.standardOutput.contains("soon-1"))

            // Filters and paging.
            #expect(try ids(listed(["--id-prefix", "cron"], bootstrap: bootstrap)) == ["cron-1"])
            let onPartition = try listed(["--partition", "\(cronPartition)"], bootstrap: bootstrap)
            #expect(ids(onPartition).contains("cron-1"))
            #expect(onPartition.allSatisfy { $0["partition"] as? Int == cronPartition })
            #expect(try ids(listed(["--target", "ctl.cron"], bootstrap: bootstrap)) == ["cron-1"])
            #expect(
                try ids(listed(["--due-to", "\(now + 2 * hour + 1)", "--id-prefix", "far-"], bootstrap: bootstrap))
                    == ["far-1", "far-2"])
            let firstPage = try kairosctl(
                ["list", "--id-prefix", "far-", "--limit", "2", "--output", "json"] + server
            ).json()
            #expect(ids(firstPage["schedules"] as? [[String: Any]] ?? []) == ["far-1", "far-2"])
            let cursor = try #require(firstPage["nextPageAfter"] as? String)
            let secondPage = try kairosctl(
                ["list", "--id-prefix", "far-", "--limit", "2", "--page-after", cursor, "--output", "json"] + server
            )
            .json()
            #expect(ids(secondPage["schedules"] as? [[String: Any]] ?? []) == ["far-3"])
            #expect(secondPage["nextPageAfter"] == nil)
            let tablePage = try kairosctl(["list", "--id-prefix", "far-", "--limit", "2"] + server)
            #expect(tablePage.standardOutput.contains("--page-after \(cursor)"), "\(tablePage)")

            // get: the full state and the events; an unknown id is a failure.
            let details = try kairosctl(["get", "cron-1"] + server)
            #expect(details.status == 0, "\(details)")
            #expect(details.standardOutput.contains("cron '30 6 * * *' UTC"))
            #expect(details.standardOutput.contains("4 bytes: tick"))
            #expect(details.standardOutput.contains("scheduled"))
            let detailsJSON = try kairosctl(["get", "far-2", "--output", "json"] + server).json()
            #expect(detailsJSON["id"] as? String == "far-2")
            #expect(detailsJSON["fireAt"] as? Int64 == now + 2 * hour)
            #expect(detailsJSON["payloadBytes"] as? Int == 3)
            let events = detailsJSON["events"] as? [[String: Any]] ?? []
            #expect(events.map { $0["type"] as? String } == ["scheduled"], "\(detailsJSON)")
            let unknown = try kairosctl(["get", "no-such-schedule"] + server)
            #expect(unknown.status == 1, "\(unknown)")
            #expect(unknown.standardError.contains("no-such-schedule"))

            // The cancelled schedule never fires. Stays: waits until its due time has passed, then 3 s more for a
            // firing that is not to come.
            try await Task.sleep(for: .seconds(max(0, doomedDue.timeIntervalSinceNow) + 3))
            let all = try fired.drain(seconds: 1)
            #expect(all.map(\.id) == ["soon-1"], "log:\n\(setup.kairos.log)")

            // Nothing of the refused command reached the commands topic.
            let commands = try TopicReader(bootstrap: bootstrap, topic: "kairos.commands").read(until: 7)
            #expect(commands.count == 7)
            #expect(!commands.contains { $0.key == Array("bad-in".utf8) })
            #expect(commands.contains { $0.key == Array("doomed".utf8) && $0.value == nil })
        }

        @Test func pauseTriggerAndResumeDriveARecurringSchedule() async throws {
            let scratch = try ScratchDirectory()
            let setup = try SchedulerSetup(scratch)
            defer { setup.stop() }
            let server = ["--bootstrap-servers", setup.bootstrap]
            let fired = try TopicReader(bootstrap: setup.bootstrap, topic: "ctl.lifecycle")
            let events = try TopicReader(bootstrap: setup.bootstrap, topic: "kairos.events")
            let regular = { fired.records.filter { ($0.header("kairos-occurrence").flatMap { Int($0) } ?? 0) > 0 } }

            let created = try kairosctl(
                ["schedule", "lc-1", "--target", "ctl.lifecycle", "--every", "3s", "--payload", "tick"] + server)
            #expect(created.status == 0, "\(created)")
            let paused = try kairosctl(["pause", "lc-1"] + server)
            #expect(paused.status == 0 && paused.standardOutput.contains("pause"), "\(paused)")
            _ = try events.waitForEvents("paused", ids: ["lc-1"])
            // Whatever fired before the pause was applied (nothing, on a machine that is not starved) is all there is.
            _ = try fired.drain(seconds: 0.5)
            let beforePause = regular().count

            // A trigger fires once, at once, even while paused: occurrence -1, marked as an extra firing.
            let triggered = try kairosctl(["trigger", "lc-1"] + server)
            #expect(triggered.status == 0, "\(triggered)")
            let extra = try fired.waitForRecord { $0.header("kairos-occurrence") == "-1" }
            #expect(extra.header("kairos-firing") == "triggered")
            #expect(extra.text == "tick")

            // Paused across at least two occurrences (every 3 s): no regular firing.
            _ = try fired.drain(seconds: 7)
            let whilePaused = regular().map { $0.header("kairos-occurrence") ?? "" }
            #expect(regular().count == beforePause, "fired while paused: \(whilePaused)")
            #expect(fired.records.filter { $0.header("kairos-occurrence") == "-1" }.count == 1)

            // Resumed: the next occurrence fires; those that fell due while paused were skipped.
            let resumed = try kairosctl(["resume", "lc-1"] + server)
            #expect(resumed.status == 0, "\(resumed)")
            let next = try fired.waitForRecord(seconds: 30) { record in
                (record.header("kairos-occurrence").flatMap { Int($0) } ?? 0) > beforePause
            }
            let number = try #require(next.header("kairos-occurrence").flatMap { Int($0) })
            #expect(number >= beforePause + 3, "occurrence \(number) after a pause of 7 s at 3 s intervals")

            // What Kairos would reject (an empty id) is refused before anything is written.
            let unknownAction = try kairosctl(["pause", ""] + server)
            #expect(unknownAction.status == 2, "\(unknownAction)")
            #expect(try kairosctl(["cancel", "lc-1"] + server).status == 0)
        }

        @Test func applyMakesTheLiveSchedulesWhatTheFileSaysAndTwiceChangesNothing() async throws {
            let scratch = try ScratchDirectory()
            let setup = try SchedulerSetup(scratch)
            defer { setup.stop() }
            let server = ["--bootstrap-servers", setup.bootstrap]
            let commands = try TopicReader(bootstrap: setup.bootstrap, topic: "kairos.commands")
            let tomorrow = nowMilliseconds() + 86_400_000
            // Not managed by the file: --prune must leave it alone.
            #expect(try kairosctl(["schedule", "other-1", "--target", "ctl.apply", "--in", "1h"] + server).status == 0)

            let first = scratch.path("schedules.yaml")
            try """
                # The team's schedules.
                schedules:
                  - id: team-standup
                    target: ctl.apply
                    cron: "0 9 * * MON-FRI"
                    tz: Europe/Paris
                    payload: {json: {room: 4}}
                  - id: team-tick
                    target: ctl.apply
                    every: 1h
                    payload: {text: tick}
                    headers: [{name: source, value: apply}]
                  - id: team-report
                    target: ctl.apply
                    at: \(tomorrow)
                    payload: {base64: aGVsbG8=}
                """.write(toFile: first, atomically: true, encoding: .utf8)
            func apply(_ file: String, _ extra: [String] = []) throws -> (KairosctlRun, [String: String]) {
                let run = try kairosctl(["apply", "-f", file, "--output", "json"] + extra + server)
                let steps = (try? run.json()["steps"] as? [[String: Any]]) ?? []
                let actions = Dictionary(
                    uniqueKeysWithValues: steps.map { ($0["id"] as? String ?? "", $0["action"] as? String ?? "") })
                return (run, actions)
            }

            // A dry run plans three creates and writes nothing. The reader has seen other-1's command first, so the
            // counts below start from what is on the topic, not from a reader still joining its group.
            try commands.waitForRecords(1)
            _ = try commands.drain(seconds: 1)
            let written = commands.records.count
            let (dry, dryActions) = try apply(first, ["--dry-run"])
            #expect(dry.status == 0, "\(dry)")
            #expect(dryActions == ["team-standup": "create", "team-tick": "create", "team-report": "create"])
            _ = try commands.drain(seconds: 1)
            #expect(commands.records.count == written)

            // Applied: three commands, confirmed by the changelog; the plan shows the next fire times.
            let (applied, actions) = try apply(first)
            let confirmed = try applied.json()["confirmed"] as? Bool
            #expect(applied.status == 0 && confirmed == true, "\(applied)")
            #expect(actions == ["team-standup": "create", "team-tick": "create", "team-report": "create"])
            let steps = try applied.json()["steps"] as? [[String: Any]] ?? []
            let report = steps.first { $0["id"] as? String == "team-report" }
            #expect(report?["nextFireTimes"] as? [String] == [rfc3339(tomorrow)], "\(applied)")
            let listed = try kairosctl(["list", "--id-prefix", "team-", "--output", "json"] + server).json()
            #expect((listed["schedules"] as? [[String: Any]])?.count == 3, "\(listed)")

            // The same file again: everything unchanged, nothing written.
            try commands.waitForRecords(written + 3)
            _ = try commands.drain(seconds: 1)
            let afterFirst = commands.records.count
            let (again, againActions) = try apply(first)
            #expect(again.status == 0, "\(again)")
            #expect(againActions == ["team-standup": "unchanged", "team-tick": "unchanged", "team-report": "unchanged"])
            #expect(try again.json()["written"] as? Int == 0)
            _ = try commands.drain(seconds: 1)
            #expect(commands.records.count == afterFirst, "apply of an unchanged file wrote commands")

            // team-report dropped, team-tick changed: with --prune under team-, one replace and one cancel, and
            // other-1 stays.
            let second = scratch.path("schedules-2.yaml")
            try """
                schedules:
                  - id: team-standup
                    target: ctl.apply
                    cron: "0 9 * * MON-FRI"
                    tz: Europe/Paris
                    payload: {json: {room: 4}}
                  - id: team-tick
                    target: ctl.apply
                    every: 2h
                    payload: {text: tick}
                    headers: [{name: source, value: apply}]
                """.write(toFile: second, atomically: true, encoding: .utf8)
            let noPrefix = try kairosctl(["apply", "-f", second, "--prune"] + server)
            #expect(noPrefix.status == 2 && noPrefix.standardError.contains("--prefix"), "\(noPrefix)")
            let (pruned, prunedActions) = try apply(second, ["--prune", "--prefix", "team-"])
            #expect(pruned.status == 0, "\(pruned)")
            #expect(prunedActions == ["team-standup": "unchanged", "team-tick": "replace", "team-report": "delete"])
            let remaining = try kairosctl(["list", "--output", "json"] + server).json()
            let ids = Set(((remaining["schedules"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String })
            #expect(ids == ["team-standup", "team-tick", "other-1"], "\(remaining)")

            // What Kairos itself rejects (a webhook host it may not call) is reported with its reason, not waited for.
            let hook = scratch.path("hook.yaml")
            try "schedules:\n  - {id: team-hook, target: \"https://hooks.example.com/x\", every: 1h}"
                .write(toFile: hook, atomically: true, encoding: .utf8)
            let rejected = try kairosctl(["apply", "-f", hook] + server)
            #expect(rejected.status == 1, "\(rejected)")
            #expect(rejected.standardOutput.contains("REJECTED") && rejected.standardOutput.contains("hooks.example.com"))

            // A file Kairos would not take is refused whole, naming the entry and the field; nothing is written.
            _ = try commands.drain(seconds: 1)
            let beforeBad = commands.records.count
            let bad = scratch.path("bad.yaml")
            for (body, expected) in [
                ("schedules:\n  - {id: team-a, target: ctl.apply, every: 1h, colour: red}", "'colour' is not a field"),
                ("schedules:\n  - {id: team-a, target: ctl.apply, delay: 5m}", "delay"),
                ("schedules:\n  - {id: team-a, target: ctl.apply, at: 1000}", "has passed"),
                ("schedules:\n  - {id: team-a, target: ctl.apply, cron: \"61 * * * *\"}", "schedules[0] (id team-a): cron"),
                ("schedules:\n  - {id: team-a, target: ctl.apply, every: 1h}\n  - {id: team-a, target: x, every: 1h}", "already used"),
                ("schedule:\n  - {id: team-a}", "'schedule' is not a key"),
            ] {
                try body.write(toFile: bad, atomically: true, encoding: .utf8)
                let run = try kairosctl(["apply", "-f", bad] + server)
                #expect(run.status == 2 && run.standardError.contains(expected), "\(body)\n\(run)")
            }
            _ = try commands.drain(seconds: 1)
            #expect(commands.records.count == beforeBad)
        }

        @Test func deadLettersAreListedAndReplayedOnceTheCauseIsGone() async throws {
            let scratch = try ScratchDirectory()
            let setup = try SchedulerSetup(scratch, extra: ["KAIROS_MAX_PAYLOAD_BYTES": "10"])
            defer { setup.stop() }
            let bootstrap = setup.bootstrap
            let server = ["--bootstrap-servers", bootstrap]

            let commands = try CommandProducer(bootstrap: bootstrap)
            try await commands.send(
                "bad-delay", Array("x".utf8), [("kairos-delay", "soon"), ("kairos-target", "ctl.replayed")])
            // Valid for kairosctl (any size), too large for this scheduler.
            let big = try kairosctl(
                [
                    "schedule", "too-big", "--target", "ctl.replayed", "--payload", "twenty bytes payload",
                    "--pass-header", "origin=ctl",
                ] + server)
            #expect(big.status == 0, "\(big)")

            let letters = try eventually { () throws -> [[String: Any]]? in
                let run = try kairosctl(["dlq", "list", "--output", "json"] + server)
                let letters = try run.json()["deadLetters"] as? [[String: Any]] ?? []
                return letters.count == 2 ? letters : nil
            }
            let byKey = Dictionary(
                uniqueKeysWithValues: letters.compactMap { letter in
                    (letter["key"] as? String).map { ($0, letter) }
                })
            #expect(byKey["bad-delay"]?["kind"] as? String == "rejected")
            #expect(text(byKey["bad-delay"], "error").contains("kairos-delay"))
            #expect(text(byKey["bad-delay"], "source").hasPrefix("kairos.commands["))
            #expect(byKey["too-big"]?["kind"] as? String == "rejected")
            #expect(text(byKey["too-big"], "error").contains("over the limit"))
            let table = try kairosctl(["dlq", "list", "--kind", "rejected", "--id-prefix", "bad"] + server)
            #expect(table.status == 0)
            #expect(table.standardOutput.contains("bad-delay") && !table.standardOutput.contains("too-big"), "\(table)")
            let none = try kairosctl(["dlq", "list", "--kind", "delivery-failed", "--output", "json"] + server).json()
            #expect((none["deadLetters"] as? [Any])?.isEmpty == true)

            // A dry run writes nothing.
            let dryRun = try kairosctl(["dlq", "replay", "--id-prefix", "too-big", "--dry-run"] + server)
            #expect(dryRun.status == 0 && dryRun.standardOutput.contains("would replay too-big"), "\(dryRun)")

            // Without the limit, the oversized command is accepted when replayed as it was.
            #expect(setup.kairos.terminate() == 0)
            let second = try KairosProcess.scheduler(
                bootstrap: bootstrap, stateDirectory: scratch.path("b"), logPath: scratch.path("b.log"))
            defer { second.terminate() }
            try second.waitForLog("partition assigned", count: 4)

            let skipped = try kairosctl(["dlq", "replay", "--id-prefix", "bad-delay", "--output", "json"] + server)
            #expect(skipped.status == 0, "\(skipped)")
            let skippedReport = try skipped.json()
            #expect(skippedReport["replayed"] as? Int == 0)
            let outcome = (skippedReport["outcomes"] as? [[String: Any]])?.first
            #expect(text(outcome, "rejection").contains("kairos-delay"), "\(skipped)")

            let replay = try kairosctl(["dlq", "replay", "--id-prefix", "too-big"] + server)
            #expect(replay.status == 0, "\(replay)")
            #expect(replay.standardOutput.contains("replayed 1 of 1"), "\(replay)")

            let fired = try TopicReader(bootstrap: bootstrap, topic: "ctl.replayed").read(until: 1, seconds: 60)
            let record = try #require(fired.first, "log:\n\(second.log)")
            #expect(record.id == "too-big")
            #expect(record.text == "twenty bytes payload")
            #expect(record.header("origin") == "ctl")
            #expect(!record.headers.contains { $0.name == "kairos-error" })
        }

        @Test func topicsCheckAndConnectionErrors() async throws {
            let scratch = try ScratchDirectory()
            let (broker, bootstrap) = try KairosProcess.broker(in: scratch)
            defer { broker.terminate() }

            let check = try kairosctl(["topics", "check"], environment: ["KAIROS_BOOTSTRAP_SERVERS": bootstrap])
            #expect(check.status == 0, "\(check)")
            #expect(check.standardOutput.contains("kairos.changelog") && check.standardOutput.contains("ok"))
            // The embedded broker's address from its state directory.
            let fromStateDirectory = try kairosctl(
                ["topics", "check", "--state-dir", scratch.path("broker"), "--output", "json"])
            #expect(fromStateDirectory.status == 0, "\(fromStateDirectory)")
            #expect(try fromStateDirectory.json()["ok"] as? Bool == true)
            // Everything exists, so create asks nothing of the broker and checks.
            let create = try kairosctl(["topics", "create", "--bootstrap-servers", bootstrap])
            #expect(create.status == 0, "\(create)")

            let other = try kairosctl(["topics", "check", "--bootstrap-servers", bootstrap, "--topic-prefix", "other"])
            #expect(other.status == 1, "\(other)")
            #expect(other.standardOutput.contains("other.commands does not exist"), "\(other)")
            let otherCreate = try kairosctl(
                ["topics", "create", "--bootstrap-servers", bootstrap, "--topic-prefix", "other"])
            #expect(otherCreate.status == 1, "\(otherCreate)")
            #expect(otherCreate.standardError.contains("embedded broker"), "\(otherCreate)")
            let otherList = try kairosctl(["list", "--bootstrap-servers", bootstrap, "--topic-prefix", "other"])
            #expect(otherList.status == 1 && otherList.standardError.contains("other.changelog"), "\(otherList)")

            let nowhere = try kairosctl(["list"])
            #expect(nowhere.status == 2 && nowhere.standardError.contains("--bootstrap-servers"), "\(nowhere)")
            let unreachable = try kairosctl(["list", "--bootstrap-servers", "127.0.0.1:1"])
            #expect(unreachable.status == 1, "\(unreachable)")
            #expect(unreachable.standardError.contains("cannot reach"))
            #expect(unreachable.standardError.contains("127.0.0.1:1"))
            let usage = try kairosctl(["list", "--limit", "many", "--bootstrap-servers", bootstrap])
            #expect(usage.status == 2, "\(usage)")
            let help = try kairosctl(["--help"])
            #expect(help.status == 0 && help.standardOutput.contains("schedule") && help.standardOutput.contains("dlq"))
        }
    }
}
