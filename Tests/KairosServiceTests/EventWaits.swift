import Foundation
import KafkaClient
import KairosWire

extension TopicReader {
    /// The events of `kind` on the events topic this reader reads, by schedule id, once every id of `ids` has one.
    func waitForEvents(_ kind: String, ids: [String], seconds: Double = 60) throws -> [String: EventRecord] {
        var found: [String: EventRecord] = [:]
        let deadline = Date().addingTimeInterval(seconds)
        while Set(found.keys) != Set(ids) {
            guard Date() < deadline else {
                throw TestFailure("\(kind) events for \(found.count) of \(ids.count) ids")
            }
            _ = try read(until: records.count + 1, seconds: 0.2)
            for record in records {
                if let event = try? EventRecord(decoding: record.value ?? []), event.kind.rawValue == kind,
                    ids.contains(event.id)
                {
                    found[event.id] = event
                }
            }
        }
        return found
    }
}
