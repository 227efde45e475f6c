import Foundation
import KafkaClient
import KairosWire
import ScheduleModel

/// `kairosctl apply`: makes the live schedules what a `SchedulesFile` says. It compares each schedule of the file
/// with the one the changelog holds (by its definition: what it fires, where and when, not how far it got), plans a
/// create, replace or nothing for each, and with `prune` a cancel for each live schedule under `prefix` the file no
/// longer has; then writes those commands and waits until the changelog shows them applied. Applying the same file
/// again writes nothing.
public struct SchedulesApply: Sendable {
    public var file: SchedulesFile
    /// Cancel the live schedules under `prefix` that the file does not have.
    public var prune: Bool
    /// The ids this file manages: with `prune`, required; every id of the file must start with it.
    public var prefix: String?
    /// Plan only; write nothing.
    public var dryRun: Bool
    /// How long to wait for Kairos to apply what was written.
    public var confirmTimeout: Duration

    public init(
        file: SchedulesFile, prune: Bool = false, prefix: String? = nil, dryRun: Bool = false,
        confirmTimeout: Duration = .seconds(60)
    ) {
        self.file = file
        self.prune = prune
        self.prefix = prefix
        self.dryRun = dryRun
        self.confirmTimeout = confirmTimeout
    }

    /// Plans, prints nothing, and unless `dryRun` applies the plan and confirms it from the changelog.
    public func run(on connection: KairosConnection) async throws(ControlError) -> ApplyReport {
        if prune && (prefix ?? "").isEmpty {
            throw .usage("--prune needs --prefix: it cancels the live schedules under that prefix the file does not have")
        }
        if let prefix, let outside = file.schedules.first(where: { !$0.id.hasPrefix(prefix) }) {
            throw .usage("'\(outside.id)' is outside --prefix '\(prefix)'; a file manages only the ids under its prefix")
        }
        let now = currentMilliseconds()
        let wanted = file.schedules
        let live = try liveSchedules(on: connection)
        var steps: [ApplyReport.Step] = []
        var records: [KafkaProducerRecord] = []
        // The step each record is for.
        var recordSteps: [Int] = []
        for entry in wanted {
            let (id, command, schedule) = (entry.id, entry.command, entry.schedule)
            let current = live[id]
            let action: ApplyReport.Action =
                current == nil ? .create : current?.definition == schedule.definition ? .unchanged : .replace
            let shown = action == .unchanged ? current ?? schedule : schedule
            steps.append(ApplyReport.Step(id: id, action: action, nextFireTimes: shown.upcomingOccurrences(3)))
            if action != .unchanged {
                records.append(command.record(topic: connection.topics.commands, timestamp: now))
                recordSteps.append(steps.count - 1)
            }
        }
        if prune, let prefix {
            let kept = Set(wanted.map(\.id))
            for id in live.keys.sorted() where id.hasPrefix(prefix) && !kept.contains(id) {
                steps.append(ApplyReport.Step(id: id, action: .delete, nextFireTimes: []))
                records.append(ScheduleCancellation(id: id).record(topic: connection.topics.commands, timestamp: now))
                recordSteps.append(steps.count - 1)
            }
        }
        var report = ApplyReport(steps: steps, dryRun: dryRun, written: 0, confirmed: !dryRun && records.isEmpty)
        guard !dryRun, !records.isEmpty else { return report }
        let written = try await CommandWriter(connection: connection).write(records)
        report.written = records.count
        var pending: [TopicPartitionOffset: Int] = [:]
        for (index, landed) in written.enumerated() {
            pending[TopicPartitionOffset(topic: landed.topic, partition: landed.partition, offset: landed.offset)] =
                recordSteps[index]
        }
        let rejections = try await confirm(steps, wanted: wanted, written: pending, on: connection)
        for (index, reason) in rejections {
            report.steps[index].rejected = reason
        }
        report.confirmed = rejections.isEmpty
        report.timedOut = rejections.values.contains(nil)
        return report
    }

    /// The live schedules by id, from the changelog.
    func liveSchedules(on connection: KairosConnection) throws(ControlError) -> [String: Schedule] {
        let partitions = try connection.partitions(of: connection.topics.changelog, in: try connection.metadata())
        var live: [String: Schedule] = [:]
        try ChangelogScan(connection: connection).scan(partitions: partitions) { id, _, state in
            if case .live(let schedule) = state { live[id] = schedule } else { live[id] = nil }
        }
        return live
    }

    /// Waits until the changelog shows every step applied: created and replaced schedules with the file's
    /// definition, deleted ones gone. Returns the steps that were not: with Kairos's reason when it rejected their
    /// command (the dead letter naming its offset), nil when `confirmTimeout` passed first.
    func confirm(
        _ steps: [ApplyReport.Step], wanted: [SchedulesFile.Entry],
        written: [TopicPartitionOffset: Int], on connection: KairosConnection
    ) async throws(ControlError) -> [Int: String?] {
        let definitions = Dictionary(uniqueKeysWithValues: wanted.map { ($0.id, $0.schedule.definition) })
        let deadline = ContinuousClock.now.advanced(by: confirmTimeout)
        var rejected: [Int: String] = [:]
        while true {
            let live = try liveSchedules(on: connection)
            let waiting = steps.indices.filter { index in
                guard rejected[index] == nil else { return false }
                let step = steps[index]
                switch step.action {
                case .unchanged: return false
                case .create, .replace: return live[step.id]?.definition != definitions[step.id]
                case .delete: return live[step.id] != nil
                }
            }
            if waiting.isEmpty { return rejected.mapValues { Optional($0) } }
            let partitions = try connection.partitions(of: connection.topics.deadLetters, in: try connection.metadata())
            try PartitionScanner(connection: connection).scan(topic: connection.topics.deadLetters, partitions: partitions) {
                record in
                let letter = DeadLetterRecord(record)
                if let source = letter.source, let index = written[source] {
                    rejected[index] = letter.error
                }
            }
            if ContinuousClock.now >= deadline {
                var outcome: [Int: String?] = rejected.mapValues { Optional($0) }
                for index in waiting where rejected[index] == nil {
                    outcome[index] = .some(nil)
                }
                return outcome
            }
            try? await Task.sleep(for: .milliseconds(200))  // between scans of the changelog
        }
    }
}

/// What `kairosctl apply` planned and did.
public struct ApplyReport: ControlReport {
    public enum Action: String, Encodable, Sendable {
        case create, replace, unchanged, delete
    }

    public struct Step: Encodable, Sendable {
        public var id: String
        public var action: Action
        /// The next fire times of the schedule as it will be (RFC 3339, UTC).
        public var nextFireTimes: [String]
        /// Why Kairos rejected this step's command (its dead letter's `kairos-error`).
        public var rejected: String?

        init(id: String, action: Action, nextFireTimes occurrences: [Occurrence]) {
            self.id = id
            self.action = action
            nextFireTimes = occurrences.map { formatInstant($0.instant) }
        }
    }

    public var steps: [Step]
    /// Only planned.
    public var dryRun: Bool
    /// Commands written.
    public var written: Int
    /// Kairos applied everything written (the changelog shows it).
    public var confirmed: Bool
    /// Some of it was neither applied nor rejected in time.
    public var timedOut = false

    public var exitStatus: Int32 { dryRun || confirmed ? 0 : 1 }

    public var text: String {
        var table = TextTable(columns: ["ACTION", "ID", "NEXT FIRE TIMES"])
        for step in steps {
            let detail = step.rejected.map { "REJECTED: \($0)" } ?? step.nextFireTimes.joined(separator: ", ")
            table.rows.append([step.action.rawValue, step.id, detail])
        }
        let counts = [ApplyReport.Action.create, .replace, .unchanged, .delete].map { action in
            "\(steps.filter { $0.action == action }.count) \(action == .unchanged ? "unchanged" : "to \(action.rawValue)")"
        }.joined(separator: ", ")
        let outcome: String
        if dryRun {
            outcome = "dry run: nothing written"
        } else if written == 0 {
            outcome = "nothing to write: the live schedules are as the file says"
        } else if confirmed {
            outcome = "\(written) command(s) written and applied"
        } else {
            let rejected = steps.filter { $0.rejected != nil }.count
            outcome =
                "\(written) command(s) written; "
                + [
                    rejected > 0 ? "\(rejected) rejected by Kairos (see above, and kairosctl dlq list)" : nil,
                    timedOut ? "some not applied in time (is Kairos running?)" : nil,
                ].compactMap { $0 }.joined(separator: "; ")
        }
        return (steps.isEmpty ? "" : table.rendered + "\n") + counts + "\n" + outcome
    }
}
