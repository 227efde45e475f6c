import Foundation
import KafkaClient
import KairosWire
import Testing

extension EndToEnd {
    /// Commands reach their schedule whatever client wrote them: Kairos's own home-partition rule, with forwarding.
    @Suite(.serialized) struct HomePartitionEndToEndTests {
        /// `kcat -P` with these arguments, `input` on standard input; fails the test when kcat does.
        private func kcat(_ arguments: [String], input: String) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/kcat")
            process.arguments = ["-P"] + arguments
            let pipe = Pipe()
            process.standardInput = pipe
            try process.run()
            pipe.fileHandleForWriting.write(Data(input.utf8))
            try pipe.fileHandleForWriting.close()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "kcat \(arguments)")
        }

        /// Creates `ids` with python3-kafka (Java's murmur2 partitioner), each due in `delay`, to `target`.
        private func createWithPython(_ ids: [String], bootstrap: String, delay: String, target: String) throws {
            let script = """
                import sys
                from kafka import KafkaProducer
                producer = KafkaProducer(bootstrap_servers=sys.argv[1], api_version=(2, 5, 0))
                for key in sys.argv[4:]:
                    producer.send('kairos.commands', key=key.encode(), value=('from python ' + key).encode(),
                        headers=[('kairos-delay', sys.argv[2].encode()), ('kairos-target', sys.argv[3].encode())])
                producer.flush()
                """
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = ["-c", script, bootstrap, delay, target] + ids
            let errors = Pipe()
            process.standardError = errors
            try process.run()
            process.waitUntilExit()
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationStatus == 0, "python3-kafka: \(text)")
        }

        @Test func cancelsFromKcatReachSchedulesCreatedWithJavasPartitioner() async throws {
            let scratch = try ScratchDirectory()
            let setup = try SchedulerSetup(scratch)
            defer { setup.stop() }
            let ids = (0..<20).map { "mixed-\($0)" }
            let events = try TopicReader(bootstrap: setup.bootstrap, topic: "kairos.events")
            try createWithPython(ids, bootstrap: setup.bootstrap, delay: "8s", target: "e2e.mixed")
            let scheduled = try events.waitForEvents("scheduled", ids: ids)
            // python3-kafka hashes as Kairos does: every create landed on its home partition, nothing was forwarded.
            let home = HomePartition(rule: .murmur2, partitions: 4)
            #expect(ids.allSatisfy { scheduled[$0]?.partition == home.of($0) })
            // kcat hashes with CRC32: most cancels land elsewhere and must be forwarded.
            let crc = HomePartition(rule: .crc32, partitions: 4)
            let elsewhere = ids.filter { crc.of($0) != home.of($0) }
            #expect(elsewhere.count >= 10)
            try kcat(["-b", setup.bootstrap, "-t", "kairos.commands", "-Z", "-K:"], input: ids.map { "\($0):\n" }.joined())
            let cancelled = try events.waitForEvents("cancelled", ids: ids)
            #expect(ids.allSatisfy { cancelled[$0]?.partition == home.of($0) }, "\(cancelled)")
            let forwarded = try events.waitForEvents("forwarded", ids: elsewhere)
            for id in elsewhere {
                #expect(forwarded[id]?.partition == crc.of(id))
                #expect(forwarded[id]?.detail?.contains("forwarded to its home partition \(home.of(id))") == true)
            }
            // Nothing fires, even after the time the creates asked for.
            let fired = try TopicReader(bootstrap: setup.bootstrap, topic: "e2e.mixed")
            // Drain: a negative check, past the 8 s the creates were due in.
            #expect(try fired.drain(seconds: 10).isEmpty)
            #expect(setup.kairos.terminate() == 0)
        }

        @Test func replacesWrittenToAnyPartitionReplaceAndKeepTheirDelay() async throws {
            let scratch = try ScratchDirectory()
            let setup = try SchedulerSetup(scratch)
            defer { setup.stop() }
            let home = HomePartition(rule: .murmur2, partitions: 4)
            let id = "moved-1"
            let wrong = (home.of(id) + 1) % 4
            let events = try TopicReader(bootstrap: setup.bootstrap, topic: "kairos.events")
            try createWithPython([id], bootstrap: setup.bootstrap, delay: "1h", target: "e2e.moved")
            _ = try events.waitForEvents("scheduled", ids: [id])
            // A replacement written to an explicit, wrong partition, with kcat; due 3 s after it was written.
            let written = nowMilliseconds()
            try kcat(
                ["-b", setup.bootstrap, "-t", "kairos.commands", "-p", "\(wrong)", "-k", id, "-H", "kairos-delay=3s",
                 "-H", "kairos-target=e2e.moved", "-H", "trace=kcat"], input: "v2")
            let replaced = try events.waitForEvents("replaced", ids: [id])
            #expect(replaced[id]?.partition == home.of(id))
            let fired = try TopicReader(bootstrap: setup.bootstrap, topic: "e2e.moved")
            let record = try fired.waitForRecord(seconds: 30) { $0.id == id }
            #expect(record.text == "v2")
            #expect(record.header("trace") == "kcat")
            // The delay counts from when the command was written, not from when it was forwarded.
            let scheduledFor = try #require(record.header("kairos-scheduled-for").flatMap(Int64.init))
            #expect(abs(scheduledFor - (written + 3_000)) < 1_500, "scheduled for \(scheduledFor), written \(written)")
            #expect(setup.kairos.terminate() == 0)
        }
    }
}
