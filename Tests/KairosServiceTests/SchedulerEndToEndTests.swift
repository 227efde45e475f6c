import Foundation
import KafkaClient
import Testing

extension EndToEnd {
    /// The real `kairos` binary against a standalone embedded broker in its own process.
    @Suite(.serialized) struct SchedulerEndToEndTests {
        @Test func schedulesFireToTheirTargetWithExactPayloadKeyAndHeaders() async throws {
            let scratch = try ScratchDirectory()
            let setup = try SchedulerSetup(scratch)
            defer { setup.stop() }
            let (bootstrap, kairos) = (setup.bootstrap, setup.kairos)

            let commands = try CommandProducer(bootstrap: bootstrap)
            let binary: [UInt8] = [0, 0xFF, 0x10, 0, 0x80]
            let start = nowMilliseconds()
            try await commands.send(
                "binary", binary,
                [("kairos-delay", "1s"), ("kairos-target", "e2e.fired"), ("trace", "t-1"), ("trace", "t-2")],
                rawHeaders: [KafkaHeader(name: "null-header", value: nil)])
            try await commands.send(
                "keyed", Array("to partition 2".utf8),
                [
                    ("kairos-at", "\(start + 1_500)"), ("kairos-target", "kafka:e2e.fired"),
                    ("kairos-target-key", "custom-key"),
                    ("kairos-target-partition", "2"),
                ])
            try await commands.send("now", [], [("kairos-target", "e2e.fired")])
            // One command the way a user types it.
            let kcat = Process()
            kcat.executableURL = URL(fileURLWithPath: "/usr/bin/kcat")
            kcat.arguments = [
                "-P", "-b", bootstrap, "-t", "kairos.commands", "-k", "from-kcat", "-H", "kairos-delay=500ms",
                "-H", "kairos-target=e2e.fired", "-H", "source=kcat",
            ]
            let input = Pipe()
            kcat.standardInput = input
            try kcat.run()
            input.fileHandleForWriting.write(Data("typed by a user".utf8))
            try input.fileHandleForWriting.close()
            kcat.waitUntilExit()
            #expect(kcat.terminationStatus == 0)

            let reader = try TopicReader(bootstrap: bootstrap, topic: "e2e.fired")
            let fired = try reader.read(until: 4)
            #expect(fired.count == 4, "log:\n\(kairos.log)")
            let byID = Dictionary(grouping: fired, by: \.id)
            #expect(byID.keys.sorted() == ["binary", "from-kcat", "keyed", "now"])

            let first = try #require(byID["binary"]?.first)
            #expect(first.value == binary)
            #expect(first.key == Array("binary".utf8))
            #expect(
                first.headers.map(\.name) == [
                    "trace", "trace", "null-header", "kairos-id", "kairos-scheduled-for", "kairos-fired-at",
                    "kairos-occurrence",
                ])
            #expect(first.headers[0].value == Array("t-1".utf8) && first.headers[1].value == Array("t-2".utf8))
            #expect(first.headers[2].value == nil)
            #expect(first.header("kairos-occurrence") == "1")

            let keyed = try #require(byID["keyed"]?.first)
            #expect(keyed.key == Array("custom-key".utf8))
            #expect(keyed.partition == 2)
            #expect(keyed.header("kairos-scheduled-for") == "\(start + 1_500)")
            #expect(byID["now"]?.first?.value == [])
            #expect(byID["from-kcat"]?.first?.text == "typed by a user")
            #expect(byID["from-kcat"]?.first?.header("source") == "kcat")

            for record in fired {
                let scheduled = try #require(record.header("kairos-scheduled-for").flatMap(Int64.init))
                let firedAt = try #require(record.header("kairos-fired-at").flatMap(Int64.init))
                #expect(firedAt >= scheduled, "fired early: \(record.id)")
            }
            #expect(kairos.terminate() == 0)
        }

        @Test func replaceMovesTheTimeEitherWayAndCancelStopsTheFiring() async throws {
            let scratch = try ScratchDirectory()
            let setup = try SchedulerSetup(scratch)
            defer { setup.stop() }
            let (bootstrap, kairos) = (setup.bootstrap, setup.kairos)

            let commands = try CommandProducer(bootstrap: bootstrap)
            let target = ("kairos-target", "e2e.replace")
            // The first versions are due late enough (5 s) that the replacement is applied first even on a busy machine.
            try await commands.send("later", Array("v1".utf8), [("kairos-delay", "5s"), target])
            try await commands.send("later", Array("v2".utf8), [("kairos-delay", "9s"), target])
            try await commands.send("earlier", Array("v1".utf8), [("kairos-delay", "30s"), target])
            try await commands.send("earlier", Array("v2".utf8), [("kairos-delay", "1s"), target])
            try await commands.send("cancelled", Array("v1".utf8), [("kairos-delay", "5s"), target])
            try await commands.send("cancelled", nil)
            try await commands.send("unknown", nil)  // cancelling an unknown id is a no-op

            let reader = try TopicReader(bootstrap: bootstrap, topic: "e2e.replace")
            try reader.read(until: 2, seconds: 40)
            let fired = try reader.drain(seconds: 3)
            #expect(fired.map(\.id).sorted() == ["earlier", "later"], "log:\n\(kairos.log)")
            #expect(fired.allSatisfy { $0.text == "v2" })
            let later = try #require(fired.first { $0.id == "later" })
            let earlier = try #require(fired.first { $0.id == "earlier" })
            let laterScheduled = try #require(later.header("kairos-scheduled-for").flatMap(Int64.init))
            let earlierScheduled = try #require(earlier.header("kairos-scheduled-for").flatMap(Int64.init))
            #expect(laterScheduled - earlierScheduled >= 7_500)

            let events = try TopicReader(bootstrap: bootstrap, topic: "kairos.events").read(until: 8)
            let kinds = events.map { String(decoding: $0.value ?? [], as: UTF8.self) }
            #expect(kinds.filter { $0.contains("\"type\":\"replaced\"") }.count == 2)
            #expect(
                kinds.filter { $0.contains("\"type\":\"cancelled\"") && $0.contains("\"id\":\"cancelled\"") }.count == 1
            )
            #expect(kinds.filter { $0.contains("\"type\":\"fired\"") }.count == 2)
        }

        @Test func malformedCommandsGoToTheDLQWithAReasonWhileGoodOnesFire() async throws {
            let scratch = try ScratchDirectory()
            let setup = try SchedulerSetup(scratch, extra: ["KAIROS_MAX_PAYLOAD_BYTES": "1000"])
            defer { setup.stop() }
            let (bootstrap, kairos) = (setup.bootstrap, setup.kairos)

            let commands = try CommandProducer(bootstrap: bootstrap)
            let target = ("kairos-target", "e2e.good")
            // (key, value, headers, expected words in kairos-error)
            let bad: [(String?, [UInt8]?, [(String, String)], [KafkaHeader], String)] = [
                ("bad-at", [], [("kairos-at", "tomorrow"), target], [], "kairos-at"),
                ("bad-at-date", [], [("kairos-at", "2026-02-30T10:00:00Z"), target], [], "day 30"),
                ("bad-delay", [], [("kairos-delay", "soon"), target], [], "kairos-delay"),
                (
                    "two-times", [], [("kairos-at", "1700000000000"), ("kairos-delay", "1s"), target], [],
                    "both give a time"
                ),
                ("bad-partition", [], [("kairos-target-partition", "-1"), target], [], "kairos-target-partition"),
                ("unknown-header", [], [("kairos-colour", "blue"), target], [], "unknown header"),
                ("upper-case", [], [("Kairos-Delay", "1s"), target], [], "lower case"),
                ("no-target", [], [("kairos-delay", "1s")], [], "kairos-target"),
                ("internal", [], [("kairos-target", "__consumer_offsets")], [], "internal topic"),
                ("own-topic", [], [("kairos-target", "kairos.changelog")], [], "own topics"),
                ("bad-topic", [], [("kairos-target", "no spaces allowed")], [], "not a valid topic"),
                ("http", [], [("kairos-target", "https://example.com/hook")], [], "HTTP"),
                ("too-big", [UInt8](repeating: 7, count: 2_000), [target], [], "over the limit"),
                ("garbage", [], [target], [KafkaHeader(name: "kairos-delay", value: [0xFF, 0xFE, 0x00])], "UTF-8"),
                ("dup", [], [("kairos-delay", "1s"), ("kairos-delay", "2s"), target], [], "more than once"),
                ("", [], [target], [], "no key"),
                (nil, [], [target], [], "no key"),
                (String(repeating: "k", count: 10_240), [], [target], [], "at most 256 bytes"),
            ]
            var index = 0
            for (key, value, headers, raw, _) in bad {
                try await commands.send(key, value, headers, rawHeaders: raw)
                try await commands.send("good-\(index)", Array("ok".utf8), [target])
                index += 1
            }
            try await commands.send(nil, [], [target], keyBytes: [0xC3, 0x28])  // invalid UTF-8 key

            let good = try TopicReader(bootstrap: bootstrap, topic: "e2e.good").read(until: bad.count)
            #expect(Set(good.map(\.id)) == Set((0..<bad.count).map { "good-\($0)" }), "log:\n\(kairos.log)")

            let dead = try TopicReader(bootstrap: bootstrap, topic: "kairos.dlq").read(until: bad.count + 1)
            #expect(dead.count == bad.count + 1)
            for (key, value, _, _, words) in bad {
                let letter = dead.first { $0.key == key.map { Array($0.utf8) } && (key != nil || $0.key == nil) }
                let reason = letter?.header("kairos-error") ?? "<missing>"
                #expect(reason.contains(words), "\(key ?? "nil"): \(reason)")
                #expect(letter?.header("kairos-error-kind") == "rejected")
                #expect(letter?.header("kairos-source-topic") == "kairos.commands")
                #expect(letter?.header("kairos-source-offset") != nil)
                #expect(letter?.value == value)
            }
            #expect(dead.contains { $0.key == [0xC3, 0x28] && ($0.header("kairos-error") ?? "").contains("UTF-8") })
            #expect(kairos.process.isRunning)
        }

        @Test func aFiringKafkaRefusesGoesToTheDLQAndDoesNotStallTheOthers() async throws {
            let scratch = try ScratchDirectory()
            let setup = try SchedulerSetup(scratch)
            defer { setup.stop() }
            let (bootstrap, kairos) = (setup.bootstrap, setup.kairos)

            let commands = try CommandProducer(bootstrap: bootstrap)
            // The embedded broker creates a target topic with 4 partitions on first use: partition 9 never exists.
            try await commands.send(
                "refused-1", Array("a".utf8), [("kairos-target", "e2e.narrow"), ("kairos-target-partition", "9")])
            try await commands.send("fine-1", Array("b".utf8), [("kairos-target", "e2e.narrow")])
            // The second pair follows the first refusal.
            let dlq = try TopicReader(bootstrap: bootstrap, topic: "kairos.dlq")
            try dlq.waitForRecord { $0.id == "refused-1" }
            try await commands.send(
                "refused-2", Array("c".utf8), [("kairos-target", "e2e.narrow"), ("kairos-target-partition", "9")])
            try await commands.send(
                "fine-2", Array("d".utf8), [("kairos-target", "e2e.narrow"), ("kairos-delay", "1s")])

            // fine-1 may come twice: the batch Kafka refused was aborted, and the embedded broker does not hide
            // aborted records from read_committed readers. So read until fine-2 is there, not until two records.
            let reader = try TopicReader(bootstrap: bootstrap, topic: "e2e.narrow")
            var fired = try reader.read(until: 2)
            let deadline = Date().addingTimeInterval(30)
            while !fired.contains(where: { $0.id == "fine-2" }) && Date() < deadline {
                fired = try reader.read(until: fired.count + 1, seconds: 1)
            }
            #expect(Set(fired.map(\.id)) == ["fine-1", "fine-2"], "log:\n\(kairos.log)")
            let dead = try dlq.read(until: 2)
            #expect(Set(dead.compactMap { $0.header("kairos-id") }) == ["refused-1", "refused-2"])
            #expect(dead.allSatisfy { $0.header("kairos-error-kind") == "delivery-failed" })
            #expect(dead.allSatisfy { ($0.header("kairos-error") ?? "").contains("e2e.narrow") })
            #expect(kairos.process.isRunning)
        }

        @Test func restartOnTheSameStateDirectoryFiresEverythingOnce() async throws {
            let scratch = try ScratchDirectory()
            let (broker, bootstrap) = try KairosProcess.broker(in: scratch)
            defer { broker.terminate() }
            let state = scratch.path("a")
            var kairos = try KairosProcess.scheduler(
                bootstrap: bootstrap, stateDirectory: state, logPath: scratch.path("1.log"))
            try kairos.waitForLog("partition assigned", count: 4)
            let commands = try CommandProducer(bootstrap: bootstrap)
            let count = 300
            for index in 0..<count {
                try await commands.send(
                    "s-\(index)", Array("\(index)".utf8),
                    [("kairos-delay", "\(1_000 + index * 15)ms"), ("kairos-target", "e2e.restart")])
            }
            // Stop gracefully while firings are under way (a third of them are out), then start again on the same
            // state directory.
            let reader = try TopicReader(bootstrap: bootstrap, topic: "e2e.restart")
            try reader.waitForRecords(count / 3)
            #expect(kairos.terminate() == 0)
            kairos = try KairosProcess.scheduler(
                bootstrap: bootstrap, stateDirectory: state, logPath: scratch.path("2.log"))
            defer { kairos.terminate() }

            try reader.read(until: count, seconds: 60)
            let fired = try reader.drain(seconds: 2)
            let ids = fired.map(\.id)
            #expect(
                Set(ids).count == count,
                "missing: \(Set((0..<count).map { "s-\($0)" }).subtracting(ids).sorted().prefix(10))")
            #expect(
                ids.count == Set(ids).count,
                "fired twice: \(Dictionary(grouping: ids, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted().prefix(10))"
            )
            #expect(kairos.log.contains("restored_records="))
        }

        @Test func anInstanceWithAnEmptyStateDirectoryRestoresFromTheChangelog() async throws {
            let scratch = try ScratchDirectory()
            let (broker, bootstrap) = try KairosProcess.broker(in: scratch)
            defer { broker.terminate() }
            let first = try KairosProcess.scheduler(
                bootstrap: bootstrap, stateDirectory: scratch.path("first"), logPath: scratch.path("first.log"))
            try first.waitForLog("partition assigned", count: 4)
            let commands = try CommandProducer(bootstrap: bootstrap)
            // Due late enough (20 s) that the hand-over happens first even on a busy machine.
            for index in 0..<40 {
                try await commands.send(
                    "r-\(index)", Array("\(index)".utf8), [("kairos-delay", "20s"), ("kairos-target", "e2e.restore")])
            }
            try await commands.send("r-0", nil)  // cancelled before the hand-over: must stay cancelled
            // Hand over once all 41 commands are applied (40 scheduled events and 1 cancelled).
            let events = try TopicReader(bootstrap: bootstrap, topic: "kairos.events")
            var applied = Set<String>()
            let deadline = Date().addingTimeInterval(30)
            while applied.count < 41 && Date() < deadline {
                // (type, id) pairs: the text before the occurrence field.
                applied = Set(
                    try events.read(until: events.records.count + 1, seconds: 1)
                        .map { $0.text.components(separatedBy: ",\"occurrence\"")[0] })
            }
            #expect(applied.count == 41, "events: \(applied.sorted())")
            #expect(first.terminate() == 0)

            // A small restore buffer: the changelog is written to the stores in many rounds, with a partition's
            // records split across rounds.
            let second = try KairosProcess.scheduler(
                bootstrap: bootstrap, stateDirectory: scratch.path("second"), logPath: scratch.path("second.log"),
                extra: ["KAIROS_RESTORE_BUFFER_RECORDS": "3"])
            defer { second.terminate() }
            let reader = try TopicReader(bootstrap: bootstrap, topic: "e2e.restore")
            try reader.read(until: 39, seconds: 60)
            let fired = try reader.drain(seconds: 2)
            #expect(Set(fired.map(\.id)) == Set((1..<40).map { "r-\($0)" }), "log:\n\(second.log)")
            #expect(fired.count == 39)
            #expect(second.restoredRecords >= 40, "log:\n\(second.log)")
        }
    }
}
