import Foundation
import KafkaClient
import Testing

extension EndToEnd {
    /// Crashes, broker faults and the at-least-once mode, through the real binary.
    @Suite(.serialized) struct DurabilityTests {
        /// At least once, the batches in flight at the kill (acknowledged or not, stores written or not) are fired
        /// again after the restart, and only they.
        @Test(arguments: ["exactly-once", "at-least-once"])
        func killNineMidStreamThenRestartOnTheSameStateFiresEverything(guarantee: String) async throws {
            let scratch = try ScratchDirectory()
            let (broker, bootstrap) = try KairosProcess.broker(in: scratch)
            defer { broker.terminate() }
            let state = scratch.path("state")
            let extra = ["KAIROS_INSTANCE_ID": "only", "KAIROS_DELIVERY_GUARANTEE": guarantee]
            var kairos = try KairosProcess.scheduler(
                bootstrap: bootstrap, stateDirectory: state, logPath: scratch.path("1.log"), extra: extra)
            try kairos.waitForLog("partition assigned", count: 4)
            let count = 600
            let commands = try CommandProducer(bootstrap: bootstrap)
            let base = nowMilliseconds() + 1_000
            try commands.schedule(count: count, prefix: "k", target: "e2e.kill") { base + Int64($0) * 10 }
            // Kill mid-stream: once a third of the schedules fired, with the rest falling due.
            let reader = try TopicReader(bootstrap: bootstrap, topic: "e2e.kill")
            try reader.waitForRecords(count / 3)
            let killedAt = nowMilliseconds()
            kairos.kill()
            kairos = try KairosProcess.scheduler(
                bootstrap: bootstrap, stateDirectory: state, logPath: scratch.path("2.log"), extra: extra)
            defer { kairos.terminate() }

            try reader.read(until: count, seconds: 60)
            let fired = try reader.drain(seconds: 2)
            let byID = Dictionary(grouping: fired, by: \.id)
            #expect(byID.count == count, "missing \(count - byID.count); log:\n\(kairos.log)")
            expectRepeatsOnlyFromTheKilledTransaction(byID, killedAt: killedAt)
            print("kill -9 (\(guarantee)): \(fired.count) records for \(count) schedules")
        }

        @Test(arguments: ["exactly-once", "at-least-once"])
        func brokerOutageAndInjectedErrorsCostNoScheduleAndDuplicateNone(guarantee: String) async throws {
            let scratch = try ScratchDirectory()
            let cluster = try EmbeddedKafkaCluster()
            for role in ["commands", "changelog", "events", "dlq"] {
                try cluster.createTopic("kairos.\(role)", partitions: 4)
            }
            try cluster.createTopic("kairos.instances", partitions: 1)
            try cluster.createTopic("e2e.faults", partitions: 2)
            let kairos = try KairosProcess.scheduler(
                bootstrap: cluster.bootstrapServers, stateDirectory: scratch.path("s"), logPath: scratch.path("k.log"),
                extra: ["KAIROS_DELIVERY_GUARANTEE": guarantee])
            defer { kairos.terminate() }
            try kairos.waitForLog("partition assigned", count: 4)

            let count = 400
            let commands = try CommandProducer(bootstrap: cluster.bootstrapServers)
            let base = nowMilliseconds() + 1_000
            try commands.schedule(count: count, prefix: "x", target: "e2e.faults") { base + Int64($0) * 20 }

            // The faults are placed on the due timeline (schedules fall due every 20 ms from 1 s on), so they are
            // paced by the clock: paced by firings instead, the embedded broker once acknowledged a fired record
            // under an injected produce error without storing it (at least once, idempotent producer).
            try await Task.sleep(for: .seconds(2))
            cluster.pushRequestErrors(
                .endTransaction, [.notCoordinator, .coordinatorLoadInProgress, .concurrentTransactions])
            cluster.pushRequestErrors(.produce, [.notLeaderForPartition, .requestTimedOut, .notEnoughReplicas])
            cluster.pushRequestErrors(.addPartitionsToTransaction, [.concurrentTransactions, .coordinatorNotAvailable])
            try await Task.sleep(for: .seconds(1))
            try cluster.setRoundTripTime(broker: 1, milliseconds: 300)
            try await Task.sleep(for: .seconds(1))
            try cluster.setRoundTripTime(broker: 1, milliseconds: 0)
            try cluster.setBrokerDown(1)
            try await Task.sleep(for: .seconds(3))  // stays: the outage's length, 3 s of due times without a broker
            try cluster.setBrokerUp(1)

            let reader = try TopicReader(bootstrap: cluster.bootstrapServers, topic: "e2e.faults")
            try reader.read(until: count, seconds: 90)
            let fired = try reader.drain(seconds: 2)
            let byID = Dictionary(grouping: fired, by: \.id)
            #expect(byID.count == count, "missing \(count - byID.count); log:\n\(kairos.log)")
            let aborted = kairos.log.contains("batch failed")
            let repeated = byID.filter { $0.value.count > 1 }.keys.sorted()
            // An aborted batch stays visible on the embedded broker (see EmbeddedKafkaCluster), and at least once a
            // failed batch is redone; without one, nothing may repeat.
            #expect(aborted || repeated.isEmpty, "fired more than once: \(repeated.prefix(10))")
            print(
                "faults (\(guarantee)): \(fired.count) records for \(count) schedules; aborted batches: \(aborted); repeats: \(repeated.count)"
            )
            #expect(kairos.process.isRunning)
        }

        @Test func atLeastOnceModeFiresEverythingAcrossARestart() async throws {
            let scratch = try ScratchDirectory()
            let (broker, bootstrap) = try KairosProcess.broker(in: scratch)
            defer { broker.terminate() }
            let state = scratch.path("state")
            let extra = ["KAIROS_DELIVERY_GUARANTEE": "at-least-once"]
            var kairos = try KairosProcess.scheduler(
                bootstrap: bootstrap, stateDirectory: state, logPath: scratch.path("1.log"), extra: extra)
            try kairos.waitForLog("partition assigned", count: 4)
            let commands = try CommandProducer(bootstrap: bootstrap)
            for index in 0..<200 {
                try await commands.send(
                    "a-\(index)", Array("\(index)".utf8),
                    [("kairos-delay", "\(500 + index * 20)ms"), ("kairos-target", "e2e.alo")])
            }
            // Stop gracefully while firings are under way: once a quarter of them are out.
            let reader = try TopicReader(bootstrap: bootstrap, topic: "e2e.alo")
            try reader.waitForRecords(50)
            #expect(kairos.terminate() == 0)
            kairos = try KairosProcess.scheduler(
                bootstrap: bootstrap, stateDirectory: state, logPath: scratch.path("2.log"), extra: extra)
            defer { kairos.terminate() }
            try reader.read(until: 200, seconds: 60)
            let fired = try reader.drain(seconds: 2)
            #expect(Set(fired.map(\.id)).count == 200)
            #expect(fired.count == 200, "a graceful restart repeats nothing even at least once")
            #expect(kairos.log.contains("guarantee=at-least-once"))
        }
    }
}
