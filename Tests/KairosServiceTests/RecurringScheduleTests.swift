import Foundation
import KafkaClient
import Testing

/// Recurring schedules through the real binary: exact occurrence numbers and instants across a crash, limits,
extension EndToEnd {
    /// and misfires after an outage.
    @Suite(.serialized) struct RecurringScheduleTests {
        @Test(arguments: ["exactly-once", "at-least-once"])
        func everyTwoSecondsFiresEachOccurrenceOnceThroughAKillAndRestart(guarantee: String) async throws {
            let scratch = try ScratchDirectory()
            let (broker, bootstrap) = try KairosProcess.broker(in: scratch)
            defer { broker.terminate() }
            let state = scratch.path("state")
            let extra = ["KAIROS_INSTANCE_ID": "only", "KAIROS_DELIVERY_GUARANTEE": guarantee]
            var kairos = try KairosProcess.scheduler(
                bootstrap: bootstrap, stateDirectory: state, logPath: scratch.path("1.log"), extra: extra)
            try kairos.waitForLog("partition assigned", count: 4)
            let commands = try CommandProducer(bootstrap: bootstrap)
            try await commands.send(
                "tick", Array("tock".utf8), [("kairos-cron", "*/2 * * * * *"), ("kairos-target", "e2e.cron")])
            let reader = try TopicReader(bootstrap: bootstrap, topic: "e2e.cron")
            try reader.read(until: 3, seconds: 30)

            let killedAt = nowMilliseconds()
            kairos.kill()
            kairos = try KairosProcess.scheduler(
                bootstrap: bootstrap, stateDirectory: state, logPath: scratch.path("2.log"), extra: extra)
            defer { kairos.terminate() }
            try kairos.waitForLog("partition assigned", count: 4)
            let resumedAt = nowMilliseconds()
            // Until the schedule fires on time again, at the sixth occurrence or later.
            try reader.waitForRecord(seconds: 30) { record in
                (Int(record.header("kairos-occurrence") ?? "") ?? 0) >= 6
                    && (Int64(record.header("kairos-scheduled-for") ?? "") ?? 0) > resumedAt
            }
            let fired = try reader.drain(seconds: 1)

            let byOccurrence = Dictionary(grouping: fired) { Int($0.header("kairos-occurrence") ?? "") ?? 0 }
            let numbers = byOccurrence.keys.sorted()
            let last = try #require(numbers.last)
            #expect(numbers == Array(1...last), "skipped: \(Set(1...last).subtracting(numbers).sorted())")
            #expect(last >= 6, "only \(last) occurrences; log:\n\(kairos.log)")
            let first = try #require(byOccurrence[1]?.first?.header("kairos-scheduled-for").flatMap(Int64.init))
            #expect(first % 2_000 == 0)
            for (number, copies) in byOccurrence {
                for copy in copies {
                    #expect(copy.header("kairos-scheduled-for") == String(first + Int64(number - 1) * 2_000))
                    #expect(copy.text == "tock")
                }
            }
            expectRepeatsOnlyFromTheKilledTransaction(
                Dictionary(grouping: fired) { "\($0.id)#\($0.header("kairos-occurrence") ?? "")" }, killedAt: killedAt)
            // Occurrences that came due while no instance ran fired after the restart, late, in order.
            let late = fired.filter { (Int64($0.header("kairos-scheduled-for") ?? "") ?? 0) < resumedAt - 500 }
            #expect(
                late.allSatisfy {
                    (Int64($0.header("kairos-fired-at") ?? "") ?? 0)
                        >= (Int64($0.header("kairos-scheduled-for") ?? "") ?? 0)
                })
        }

        @Test func aLimitEndsTheScheduleAfterItsLastOccurrence() async throws {
            let scratch = try ScratchDirectory()
            let setup = try SchedulerSetup(scratch)
            defer { setup.stop() }
            let commands = try CommandProducer(bootstrap: setup.bootstrap)
            try await commands.send(
                "thrice", [], [("kairos-every", "1s"), ("kairos-limit", "3"), ("kairos-target", "e2e.limit")])
            let fired = try TopicReader(bootstrap: setup.bootstrap, topic: "e2e.limit").read(until: 3, seconds: 30)
            #expect(fired.map { $0.header("kairos-occurrence") } == ["1", "2", "3"])
            let scheduled = fired.compactMap { $0.header("kairos-scheduled-for").flatMap(Int64.init) }
            #expect(zip(scheduled, scheduled.dropFirst()).allSatisfy { $1 - $0 == 1_000 })
            let events = try TopicReader(bootstrap: setup.bootstrap, topic: "kairos.events").read(until: 4, seconds: 30)
            #expect(
                events.last.map { $0.text.contains("\"occurrence\":3") && $0.text.contains("last occurrence") } == true)
            // The changelog ends with the schedule's tombstone.
            let changelog = try TopicReader(bootstrap: setup.bootstrap, topic: "kairos.changelog").drain(seconds: 6)
            #expect(changelog.last { $0.key == Array("thrice".utf8) }?.value == nil)
            // Nothing fires after the last occurrence. A copy of an occurrence can only come from a batch that
            // failed and was aborted (the embedded broker shows aborted records to read_committed readers).
            let all = try TopicReader(bootstrap: setup.bootstrap, topic: "e2e.limit").drain(seconds: 6)
            let occurrences = all.map { $0.header("kairos-occurrence") ?? "?" }
            #expect(Set(occurrences) == ["1", "2", "3"], "\(occurrences)")
            let aborted = setup.kairos.log.components(separatedBy: "\n").filter { $0.contains("batch failed") }
            #expect(all.count <= 3 + aborted.count, "\(occurrences); aborted batches: \(aborted)")
        }

        @Test func occurrencesMissedDuringAnOutageFireOnceNotInABurst() async throws {
            let scratch = try ScratchDirectory()
            let (broker, bootstrap) = try KairosProcess.broker(in: scratch)
            defer { broker.terminate() }
            let state = scratch.path("state")
            let grace: Int64 = 300
            let extra = ["KAIROS_MISFIRE_GRACE_MS": "\(grace)", "KAIROS_INSTANCE_ID": "only"]
            var kairos = try KairosProcess.scheduler(
                bootstrap: bootstrap, stateDirectory: state, logPath: scratch.path("1.log"), extra: extra)
            try kairos.waitForLog("partition assigned", count: 4)
            let commands = try CommandProducer(bootstrap: bootstrap)
            try await commands.send("fire", [], [("kairos-every", "2s"), ("kairos-target", "e2e.misfire")])
            try await commands.send(
                "skip", [], [("kairos-every", "2s"), ("kairos-misfire", "skip"), ("kairos-target", "e2e.misfire")])
            let reader = try TopicReader(bootstrap: bootstrap, topic: "e2e.misfire")
            try reader.read(until: 4, seconds: 30)
            #expect(kairos.terminate() == 0)
            let stoppedAt = nowMilliseconds()
            // Stays: the outage is the test's subject, 8 s in which about four occurrences of each schedule come due.
            try await Task.sleep(for: .seconds(8))
            kairos = try KairosProcess.scheduler(
                bootstrap: bootstrap, stateDirectory: state, logPath: scratch.path("2.log"), extra: extra)
            defer { kairos.terminate() }
            try kairos.waitForLog("partition assigned", count: 4)
            let resumedAt = nowMilliseconds()
            // Until both schedules fire on time again: what the restart did with the missed occurrences is out.
            for id in ["fire", "skip"] {
                try reader.waitForRecord(seconds: 30) { record in
                    record.id == id && (Int64(record.header("kairos-scheduled-for") ?? "") ?? 0) > resumedAt
                }
            }
            let fired = try reader.drain(seconds: 1)

            func instant(_ record: KafkaConsumerRecord, _ header: String) -> Int64 {
                Int64(record.header(header) ?? "") ?? 0
            }
            for id in ["fire", "skip"] {
                let mine = fired.filter { $0.id == id }
                let numbers = mine.compactMap { Int($0.header("kairos-occurrence") ?? "") }
                #expect(numbers == numbers.sorted() && Set(numbers).count == numbers.count, "\(id): \(numbers)")
                #expect((zip(numbers, numbers.dropFirst()).map { $1 - $0 }.max() ?? 0) >= 3, "\(id): \(numbers)")
                let afterRestart = mine.filter { instant($0, "kairos-fired-at") > stoppedAt }
                let firstFiring = afterRestart.map { instant($0, "kairos-fired-at") }.min() ?? .max
                let missed = afterRestart.filter {
                    instant($0, "kairos-scheduled-for") > stoppedAt
                        && instant($0, "kairos-scheduled-for") <= firstFiring
                }
                if id == "fire" {
                    // About four occurrences fell in the outage; exactly one fires for all of them, late.
                    #expect(missed.count == 1, "fire: \(missed.count) missed occurrences fired; numbers \(numbers)")
                } else {
                    // Skipped unless within the grace (then it fires at most `grace` late).
                    #expect(
                        missed.allSatisfy {
                            instant($0, "kairos-fired-at") - instant($0, "kairos-scheduled-for") <= grace + 200
                        })
                    #expect(missed.count <= 1)
                }
            }
        }
    }
}
