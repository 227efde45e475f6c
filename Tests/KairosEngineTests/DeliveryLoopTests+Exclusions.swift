import Foundation
@testable import KairosEngine
import KafkaClient
import KairosWire
import Testing

/// An exclusion calendar on a real broker and real stores: the excluded day does not fire, its number is kept, and
/// the skip shows as an event.
extension DeliveryLoopTests {
    @Test func anExcludedDayDoesNotFireKeepsItsNumberAndShowsAsAnEvent() throws {
        let scratch = try ScratchDirectory()
        let harness = try harness(.exactlyOnce, scratch: scratch)
        defer { harness.close() }
        try harness.join()
        let start = harness.clock.now()  // 2027-01-15T08:00:00Z
        var command = ScheduleCommand(id: "daily", target: "fired", when: .every("1d"))
        command.start = String(start)
        command.exclude = "2027-01-16"
        try harness.send(command.record(topic: harness.settings.topics.commands, timestamp: start))
        try harness.iterate(until: "the command is stored") { try harness.store.commandsOffset == 1 }
        for day in 0..<4 {
            harness.clock.set(start + Int64(day) * 86_400_000)
            try harness.loop.iterate()
            try harness.loop.iterate()
        }
        let fired = try harness.reader.records("fired").map { record in
            String(decoding: record.headers.last { $0.name == KairosHeader.occurrence }?.value ?? [], as: UTF8.self)
        }
        #expect(fired == ["1", "3", "4"])
        let events = try harness.reader.records(harness.settings.topics.events).compactMap {
            try? EventRecord(decoding: $0.value ?? [])
        }
        let skipped = events.filter { $0.kind == .skipped }
        #expect(skipped.map(\.occurrence) == [2], "\(events.map(\.kind))")
        #expect(skipped.first?.detail == "occurrence 2 excluded; next is 3 at 2027-01-17T08:00:00.000Z")
    }
}
