import Foundation
@testable import KairosEngine
import KafkaClient
import KairosWire
import Testing

/// The wall clock stepped under a running delivery loop (an NTP correction, an operator, a resumed virtual machine),
/// on a real broker and real stores: nothing fires before its time by the clock of the moment, nothing is lost, no
/// occurrence fires twice.
extension DeliveryLoopTests {
    @Test func steppedBackAndForwardAnHourNothingFiresEarlyIsLostOrDoubled() throws {
        let scratch = try ScratchDirectory()
        let harness = try harness(.exactlyOnce, scratch: scratch)
        defer { harness.close() }
        try harness.join()
        let clock = harness.clock
        let start = clock.now()
        let commands = harness.settings.topics.commands
        try harness.send(
            ScheduleCommand(id: "tick", target: "fired", when: .every("2s")).record(topic: commands, timestamp: start))
        for index in 0..<5 {
            try harness.send(
                ScheduleCommand(id: "soon-\(index)", target: "fired", when: .at(String(start + 6_000))).record(
                    topic: commands, timestamp: start))
        }
        try harness.iterate(until: "the commands are stored") { try harness.store.commandsOffset == 6 }
        try run(harness, from: start, to: start + 4_000)
        #expect(try fired(harness).map(\.id) == ["tick", "tick"])

        // Back one hour: ten seconds go by on the stepped clock, still 50 minutes before anything is due again.
        let back = start + 4_000 - 3_600_000
        try run(harness, from: back, to: back + 10_000)
        #expect(try fired(harness).count == 2, "fired while the clock was an hour behind")

        // Forward to the real time again (start + 14 s): the one-shots fire now, late; the tick catches up in order.
        // (A loop fires one occurrence of a schedule per iteration: catching up takes an iteration each.)
        try run(harness, from: start + 14_000, to: start + 18_000)
        let caughtUp = try fired(harness)
        #expect(caughtUp.filter { $0.id.hasPrefix("soon-") }.count == 5)
        let ticksSoFar = caughtUp.filter { $0.id == "tick" }.map(\.occurrence)
        #expect(ticksSoFar.count >= 8 && ticksSoFar == Array(1...ticksSoFar.count), "\(ticksSoFar)")

        // Forward one hour more: a one-shot due in 30 minutes fires now; the tick, an hour late, fires its latest
        // occurrence once (past the misfire grace), then goes on every 2 s.
        let now = clock.now()
        try harness.send(
            ScheduleCommand(id: "later", target: "fired", when: .at(String(now + 1_800_000))).record(
                topic: commands, timestamp: now))
        try harness.iterate(until: "the one-shot is stored") { try harness.store.commandsOffset == 7 }
        try run(harness, from: now + 3_600_000, to: now + 3_604_000)

        let all = try fired(harness)
        for record in all {
            #expect(record.firedAt >= record.scheduledFor, "\(record.id) #\(record.occurrence) fired early")
        }
        for id in (0..<5).map({ "soon-\($0)" }) + ["later"] {
            #expect(all.filter { $0.id == id }.count == 1, "\(id) did not fire once")
        }
        let ticks = all.filter { $0.id == "tick" }.map(\.occurrence)
        #expect(ticks == ticks.sorted() && Set(ticks).count == ticks.count, "\(ticks)")
        let jumps = zip(ticks, ticks.dropFirst()).filter { $1 != $0 + 1 }
        // 1 800 occurrences fell in the hour: they collapse into the latest one.
        #expect(jumps.count == 1 && jumps.allSatisfy { $1 - $0 > 1_700 }, "gaps between occurrences: \(jumps)")
        #expect(ticks.count >= ticksSoFar.count + 2, "the tick went on after the step: \(ticks)")
    }

    /// Europe/Berlin falls back at 2027-10-31T01:00Z (03:00 CEST -> 02:00 CET): an interval-like expression goes on
    /// every 5 s into the repeated hour instead of going quiet until 02:00Z.
    @Test func anIntervalLikeCronFiresThroughTheRepeatedHourOfAFallBack() throws {
        let scratch = try ScratchDirectory()
        let harness = try harness(.exactlyOnce, scratch: scratch)
        defer { harness.close() }
        let repeated: Int64 = 1_824_944_400_000  // 2027-10-31T01:00:00Z, 02:00 CET the second time
        harness.clock.set(repeated - 20_000)
        try harness.join()
        var command = ScheduleCommand(id: "every-5s", target: "fired", when: .cron("*/5 * * * * *"))
        command.zone = "Europe/Berlin"
        command.start = "2027-10-31T00:59:50Z"
        try harness.send(command.record(topic: harness.settings.topics.commands, timestamp: harness.clock.now()))
        try harness.iterate(until: "the command is stored") { try harness.store.commandsOffset == 1 }
        try run(harness, from: repeated - 20_000, to: repeated + 12_000)
        let instants = try fired(harness).map(\.scheduledFor)
        #expect(instants == Array(stride(from: repeated - 10_000, through: repeated + 10_000, by: 5_000)))
    }

    /// Moves the clock to `from`, then on to `to` in 500 ms steps, an iteration at each.
    private func run(_ harness: Harness, from: Int64, to: Int64) throws {
        harness.clock.set(from)
        while true {
            try harness.loop.iterate()
            guard harness.clock.now() < to else { return }
            harness.clock.advance(by: 500)
        }
    }

    private struct Fired {
        var id: String
        var occurrence: Int
        var scheduledFor: Int64
        var firedAt: Int64
    }

    private func fired(_ harness: Harness) throws -> [Fired] {
        try harness.reader.records("fired").map { record in
            func header(_ name: String) -> String {
                String(decoding: record.headers.last { $0.name == name }?.value ?? [], as: UTF8.self)
            }
            return Fired(
                id: header("kairos-id"), occurrence: Int(header("kairos-occurrence")) ?? 0,
                scheduledFor: Int64(header("kairos-scheduled-for")) ?? 0, firedAt: Int64(header("kairos-fired-at")) ?? 0)
        }
    }
}
