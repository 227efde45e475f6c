import Foundation
import KafkaClient
import Testing

extension EndToEnd {
    /// Several `kairos` processes in one group, instances killed and added while schedules fall due.
    @Suite(.serialized) struct FailoverTests {
        /// At least once, a partition moves only after its batches in flight are settled; the killed instance's are
        /// fired again by the next owner.
        @Test(arguments: ["exactly-once", "at-least-once"])
        func killingOneOfThreeInstancesAndAddingAnotherLosesNothing(guarantee: String) async throws {
            let scratch = try ScratchDirectory()
            let (broker, bootstrap) = try KairosProcess.broker(in: scratch, partitions: 12)
            defer { broker.terminate() }
            func instance(_ name: String) throws -> KairosProcess {
                try KairosProcess.scheduler(
                    bootstrap: bootstrap, stateDirectory: scratch.path(name), logPath: scratch.path("\(name).log"),
                    extra: [
                        "KAIROS_PARTITIONS": "12", "KAIROS_INSTANCE_ID": name, "KAIROS_LOG_LEVEL": "info",
                        "KAIROS_DELIVERY_GUARANTEE": guarantee,
                    ])
            }
            var instances = [try instance("a"), try instance("b"), try instance("c")]
            defer { instances.forEach { $0.terminate() } }
            try await waitUntilAssigned(instances, partitions: 12)

            let count = 20_000
            let commands = try CommandProducer(bootstrap: bootstrap)
            let base = nowMilliseconds() + 3_000
            // Due times spread over ~30 s.
            try commands.schedule(count: count, prefix: "f", target: "e2e.failover") {
                base + Int64($0) * 30_000 / Int64(count)
            }

            // Kill mid-stream: once a quarter of the schedules fired, with the rest falling due over ~20 s.
            let reader = try TopicReader(bootstrap: bootstrap, topic: "e2e.failover")
            try reader.waitForRecords(count / 4, seconds: 90)
            let killedAt = nowMilliseconds()
            instances[0].kill()
            instances.append(try instance("d"))
            try instances[3].waitForLog("partition assigned")

            try reader.read(until: count, seconds: 90)
            let fired = try reader.drain(seconds: 3)
            let byID = Dictionary(grouping: fired, by: \.id)
            let missing = (0..<count).map { "f-\($0)" }.filter { byID[$0] == nil }
            #expect(missing.isEmpty, "\(missing.count) never fired, e.g. \(missing.prefix(5))")
            for record in fired {
                let scheduled = Int64(record.header("kairos-scheduled-for") ?? "") ?? 0
                let firedAt = Int64(record.header("kairos-fired-at") ?? "") ?? 0
                #expect(firedAt >= scheduled, "\(record.id) fired early")
            }
            expectRepeatsOnlyFromTheKilledTransaction(byID, killedAt: killedAt)
            let repeated = byID.filter { $0.value.count > 1 }
            print(
                "failover (\(guarantee)): \(fired.count) records for \(count) schedules; \(repeated.count) repeats from the killed instance's open transaction"
            )
            for process in instances.dropFirst() {
                #expect(process.process.isRunning, "log:\n\(process.log)")
            }
        }

        private func waitUntilAssigned(_ instances: [KairosProcess], partitions: Int) async throws {
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                let total = instances.map { $0.log.components(separatedBy: "partition assigned").count - 1 }
                    .reduce(0, +)
                if total >= partitions { return }
                try await Task.sleep(for: .milliseconds(100))  // poll interval of the wait for the assignments
            }
            throw TestFailure("partitions not assigned within 60 s")
        }
    }
}
