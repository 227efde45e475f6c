/// What `kairosctl verify` found: each expected firing seen once, on time, or what went wrong.
public struct VerificationReport: ControlReport {
    /// One fired record of the test, as read back.
    public struct Firing: Encodable, Sendable, Hashable {
        public var id: String
        public var occurrence: Int64
        public var scheduledFor: Int64
        public var firedAt: Int64
        /// When the read_committed reader saw it (this machine's clock).
        public var receivedAt: Int64
        public var partition: Int32
        public var offset: Int64
    }

    /// The command run halfway through, and how it ended (status nil: it could not be started).
    public struct Chaos: Encodable, Sendable {
        public var command: String
        /// When it started, from the test's start.
        public var atMilliseconds: Int64
        public var status: Int32?
        public var seconds: Double
    }

    /// Lateness percentiles, in milliseconds.
    public struct Lateness: Encodable, Sendable, Equatable {
        public var p50: Int64
        public var p90: Int64
        public var p99: Int64
        public var max: Int64

        /// Nearest-rank percentiles of `values`; nil when there are none.
        init?(_ values: [Int64]) {
            guard !values.isEmpty else { return nil }
            let sorted = values.sorted()
            func rank(_ p: Int) -> Int64 { sorted[Swift.max(0, (sorted.count * p + 99) / 100 - 1)] }
            (p50, p90, p99, max) = (rank(50), rank(90), rank(99), sorted[sorted.count - 1])
        }

        var text: String { "p50 \(p50) ms, p90 \(p90) ms, p99 \(p99) ms, max \(max) ms" }
    }

    /// A firing seen more than once.
    public struct Duplicate: Encodable, Sendable, Equatable {
        public var id: String
        public var occurrence: Int64
        public var copies: Int
    }

    public var target: String
    public var idPrefix: String
    public var oneShots: Int
    public var recurring: Int
    public var occurrences: Int
    public var expected: Int
    public var received: Int
    /// Expected firings never seen: `id#occurrence`.
    public var missing: [String]
    public var duplicated: [Duplicate]
    /// Firings whose `kairos-fired-at` is before their `kairos-scheduled-for`, or that were due at another instant
    /// than the schedule says: `id#occurrence`.
    public var early: [String]
    /// Firings of the test's ids that no schedule of the test asked for: `id#occurrence`.
    public var unexpected: [String]
    /// `kairos-fired-at` minus `kairos-scheduled-for`: the scheduler's own lateness.
    public var firedLateness: Lateness?
    /// When the reader saw the record minus `kairos-scheduled-for`: what a consumer observes (across machines, it
    /// includes the difference between their clocks).
    public var seenLateness: Lateness?
    public var chaos: Chaos?
    public var seconds: Double

    init(
        target: String, idPrefix: String, oneShots: Int, recurring: Int, occurrences: Int,
        expected: [Verification.Expected], firings: [Firing], chaos: Chaos?, seconds: Double
    ) {
        self.target = target
        self.idPrefix = idPrefix
        self.oneShots = oneShots
        self.recurring = recurring
        self.occurrences = occurrences
        self.expected = expected.count
        received = firings.count
        self.chaos = chaos
        self.seconds = seconds
        var dueAt: [FiringKey: Int64] = [:]
        for item in expected { dueAt[FiringKey(id: item.id, occurrence: item.occurrence)] = item.scheduledFor }
        var copies: [FiringKey: Int] = [:]
        for firing in firings { copies[FiringKey(id: firing.id, occurrence: firing.occurrence), default: 0] += 1 }
        func name(_ key: FiringKey) -> String { "\(key.id)#\(key.occurrence)" }
        let order = { (a: FiringKey, b: FiringKey) in (a.id, a.occurrence) < (b.id, b.occurrence) }
        missing = dueAt.keys.filter { copies[$0] == nil }.sorted(by: order).map(name)
        duplicated = copies.filter { $0.value > 1 }.keys.sorted(by: order).map {
            Duplicate(id: $0.id, occurrence: $0.occurrence, copies: copies[$0] ?? 0)
        }
        unexpected = copies.keys.filter { dueAt[$0] == nil }.sorted(by: order).map(name)
        var early: Set<FiringKey> = []
        for firing in firings {
            let key = FiringKey(id: firing.id, occurrence: firing.occurrence)
            if firing.firedAt < firing.scheduledFor || dueAt[key].map({ $0 != firing.scheduledFor }) == true {
                early.insert(key)
            }
        }
        self.early = early.sorted(by: order).map(name)
        firedLateness = Lateness(firings.map { $0.firedAt - $0.scheduledFor })
        seenLateness = Lateness(firings.map { $0.receivedAt - $0.scheduledFor })
    }

    /// Everything arrived once, on time, and the chaos command (if any) ran and succeeded.
    public var passed: Bool {
        missing.isEmpty && duplicated.isEmpty && early.isEmpty && unexpected.isEmpty
            && (chaos.map { $0.status == 0 } ?? true)
    }

    public var exitStatus: Int32 { passed ? 0 : 1 }

    public var text: String {
        func listed(_ items: [String]) -> String {
            items.prefix(10).joined(separator: ", ") + (items.count > 10 ? ", ... (\(items.count) in all)" : "")
        }
        var lines = [
            "verify: \(oneShots) one-shots and \(recurring) recurring schedules (\(occurrences) firings each) to "
                + "\(target), ids \(idPrefix)*, \(String(format: "%.1f", seconds)) s",
            "expected \(expected) firings: received \(received), missing \(missing.count), duplicated "
                + "\(duplicated.count), early \(early.count), unexpected \(unexpected.count)",
        ]
        if let firedLateness { lines.append("late by the scheduler's clock: \(firedLateness.text)") }
        if let seenLateness { lines.append("seen by a read_committed reader after due: \(seenLateness.text)") }
        if let chaos {
            let outcome = chaos.status.map { "exited \($0)" } ?? "could not be started"
            lines.append(
                "chaos: `\(chaos.command)` at +\(String(format: "%.1f", Double(chaos.atMilliseconds) / 1_000)) s "
                    + "\(outcome) after \(String(format: "%.1f", chaos.seconds)) s")
        }
        if !missing.isEmpty { lines.append("missing: " + listed(missing)) }
        if !duplicated.isEmpty {
            lines.append("duplicated: " + listed(duplicated.map { "\($0.id)#\($0.occurrence) x\($0.copies)" }))
        }
        if !early.isEmpty { lines.append("early: " + listed(early)) }
        if !unexpected.isEmpty { lines.append("unexpected: " + listed(unexpected)) }
        lines.append(passed ? "PASS" : "FAIL")
        return lines.joined(separator: "\n")
    }
}
