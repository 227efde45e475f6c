import Foundation

/// Where a batch's commit spent its time, for the debug log.
struct CommitTimings: CustomStringConvertible {
    /// Handing the records to the producer.
    var produce = Duration.zero
    /// Until Kafka acknowledged every record (exactly-once: and the transaction committed).
    var durable = Duration.zero
    /// Writing the stores.
    var store = Duration.zero
    /// Committing the `commands` offsets (at-least-once) or adding them to the transaction (exactly-once).
    var offsets = Duration.zero

    /// Runs `body`, adding the time it took to `phase`.
    mutating func measure<T>(_ phase: WritableKeyPath<CommitTimings, Duration>, _ body: () throws -> T) rethrows -> T {
        let started = ContinuousClock.now
        defer { self[keyPath: phase] += ContinuousClock.now - started }
        return try body()
    }

    var description: String {
        func ms(_ duration: Duration) -> String {
            let (seconds, attoseconds) = duration.components
            return String(format: "%.1f", Double(seconds) * 1_000 + Double(attoseconds) / 1e15)
        }
        return "produce=\(ms(produce))ms durable=\(ms(durable))ms store=\(ms(store))ms offsets=\(ms(offsets))ms"
    }
}
