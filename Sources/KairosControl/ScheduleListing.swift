import Foundation
import KafkaClient
import KairosWire
import ScheduleModel

/// Which schedules `kairosctl list` shows.
public struct ScheduleFilter: Sendable {
    /// Only this changelog partition (the same number as the commands partition).
    public var partition: Int32?
    /// Only schedules due at or after this instant, epoch milliseconds.
    public var dueFrom: Int64?
    /// Only schedules due before this instant, epoch milliseconds.
    public var dueTo: Int64?
    /// Only schedules whose target (topic or URL) contains this text.
    public var targetSubstring: String?
    /// Only ids starting with this text.
    public var idPrefix: String?

    /// A filter from the command line's texts; instants are RFC 3339 or epoch milliseconds.
    public init(
        partition: Int32? = nil, dueFrom: String? = nil, dueTo: String? = nil, targetSubstring: String? = nil,
        idPrefix: String? = nil
    ) throws(ControlError) {
        self.partition = partition
        self.dueFrom = try dueFrom.map { (text) throws(ControlError) in try parseInstant(text, option: "--due-from") }
        self.dueTo = try dueTo.map { (text) throws(ControlError) in try parseInstant(text, option: "--due-to") }
        self.targetSubstring = targetSubstring
        self.idPrefix = idPrefix
    }

    func matches(_ schedule: Schedule) -> Bool {
        if let dueFrom, schedule.fireAt < dueFrom { return false }
        if let dueTo, schedule.fireAt >= dueTo { return false }
        if let idPrefix, !schedule.id.hasPrefix(idPrefix) { return false }
        if let targetSubstring, !TargetView(schedule.target).destination.contains(targetSubstring) { return false }
        return true
    }
}

/// An instant from an option: RFC 3339 or epoch milliseconds; a usage error naming the option otherwise.
func parseInstant(_ text: String, option: String) throws(ControlError) -> Int64 {
    do {
        return try TimestampFormat.parse(text)
    } catch {
        throw .usage("\(option): \(error.message)")
    }
}

/// A position in the (next fire, id) order of `kairosctl list`: the last schedule of a page.
public struct ListCursor: Sendable, Hashable {
    /// When the schedule is due, epoch milliseconds.
    public var fireAt: Int64
    /// The schedule id.
    public var id: String

    /// The cursor after `fireAt`, `id`.
    public init(fireAt: Int64, id: String) {
        self.fireAt = fireAt
        self.id = id
    }

    /// Reads a cursor printed by `kairosctl list`.
    public init(parsing text: String) throws(ControlError) {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        var base64 =
            parts.count == 2
            ? parts[1].replacingOccurrences(of: "-", with: "+")
                .replacingOccurrences(of: "_", with: "/") : ""
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard parts.count == 2, let fireAt = Int64(parts[0]), let data = Data(base64Encoded: base64),
            let id = String(validating: Array(data), as: UTF8.self)
        else {
            throw .usage("--page-after '\(text)' is not a cursor printed by kairosctl list")
        }
        self.init(fireAt: fireAt, id: id)
    }

    /// `<fireAt>.<id in unpadded base64url>`.
    public var text: String {
        let id = Data(id.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return "\(fireAt).\(id)"
    }

    func precedes(_ schedule: ListedSchedule) -> Bool {
        (fireAt, id) < (schedule.fireAt, schedule.id)
    }
}

/// `kairosctl list`: the live schedules from the changelog, filtered, in (next fire, id) order, a page at a time.
public struct ScheduleListing: Sendable {
    /// Which schedules to show.
    public var filter: ScheduleFilter
    /// At most this many per page.
    public var limit: Int
    /// Start after this position (the cursor the previous page printed).
    public var pageAfter: ListCursor?

    /// A listing of the first `limit` schedules matching `filter`, after `pageAfter`.
    public init(filter: ScheduleFilter, limit: Int = 50, pageAfter: ListCursor? = nil) {
        self.filter = filter
        self.limit = limit
        self.pageAfter = pageAfter
    }

    /// Reads the changelog to its end and returns the page.
    public func run(on connection: KairosConnection) throws(ControlError) -> ScheduleList {
        guard limit >= 1 else { throw .usage("--limit must be 1 or more") }
        let topic = connection.topics.changelog
        var partitions = try connection.partitions(of: topic, in: try connection.metadata())
        if let wanted = filter.partition {
            guard partitions.contains(wanted) else {
                throw .usage("--partition \(wanted): \(topic) has partitions 0...\((partitions.max() ?? 0))")
            }
            partitions = [wanted]
        }
        // Only the latest state of each schedule that matches is kept; payloads are not.
        var latest: [String: ListedSchedule] = [:]
        var unreadable = 0
        try ChangelogScan(connection: connection).scan(partitions: partitions) { id, position, state in
            switch state {
            case .live(let schedule) where filter.matches(schedule):
                latest[id] = ListedSchedule(schedule, partition: position.topicPartition.partition)
            case .live, .gone:
                latest[id] = nil
            case .unreadable:
                latest[id] = nil
                unreadable += 1
            }
        }
        let ordered = latest.values.filter { pageAfter?.precedes($0) ?? true }
            .sorted { ($0.fireAt, $0.id) < ($1.fireAt, $1.id) }
        let page = Array(ordered.prefix(limit))
        let next = ordered.count > page.count ? page.last.map { ListCursor(fireAt: $0.fireAt, id: $0.id).text } : nil
        return ScheduleList(
            schedules: page, matching: latest.count, remaining: ordered.count - page.count, nextPageAfter: next,
            unreadableRecords: unreadable)
    }
}

/// One schedule in a list: when it fires next and where to.
public struct ListedSchedule: Encodable, Sendable, Hashable {
    /// The schedule id.
    public var id: String
    /// Its changelog (and commands) partition.
    public var partition: Int32
    /// When the next firing is due, epoch milliseconds.
    public var fireAt: Int64
    /// `fireAt` in RFC 3339, UTC.
    public var nextFire: String
    /// The nominal instant of the next firing, epoch milliseconds.
    public var scheduledFor: Int64
    /// The number of the next firing.
    public var occurrence: Int64
    /// The topic, or `METHOD URL`.
    public var target: String
    /// How it repeats, nil for a one-shot.
    public var recurrence: String?
    /// Failed delivery attempts of the next firing so far.
    public var failedAttempts: Int

    init(_ schedule: Schedule, partition: Int32) {
        id = schedule.id
        self.partition = partition
        fireAt = schedule.fireAt
        nextFire = formatInstant(schedule.fireAt)
        scheduledFor = schedule.scheduledFor
        occurrence = schedule.occurrence
        target = TargetView(schedule.target).text
        recurrence = schedule.recurrence.map { RecurrenceView($0).text }
        failedAttempts = schedule.failedAttempts
    }
}

/// A page of `kairosctl list`.
public struct ScheduleList: ControlReport {
    /// The schedules of this page, in (next fire, id) order.
    public var schedules: [ListedSchedule]
    /// How many live schedules match the filter, on all pages.
    public var matching: Int
    /// How many come after this page.
    public var remaining: Int
    /// The cursor of the next page (`--page-after`), nil on the last page.
    public var nextPageAfter: String?
    /// Changelog records that could not be decoded (left out).
    public var unreadableRecords: Int

    public var text: String {
        var table = TextTable(
            columns: ["ID", "PARTITION", "NEXT FIRE", "OCCURRENCE", "TARGET", "RECURRENCE", "ATTEMPTS"])
        table.rows = schedules.map {
            [
                $0.id, "\($0.partition)", $0.nextFire, "\($0.occurrence)", $0.target, $0.recurrence ?? "-",
                "\($0.failedAttempts)",
            ]
        }
        var lines = schedules.isEmpty ? [] : [table.rendered]
        lines.append("\(schedules.count) shown of \(matching) matching schedule(s)")
        if let nextPageAfter {
            lines.append("\(remaining) more; next page: --page-after \(nextPageAfter)")
        }
        if unreadableRecords > 0 {
            lines.append("warning: \(unreadableRecords) changelog record(s) could not be decoded and are left out")
        }
        return lines.joined(separator: "\n")
    }
}

/// Reads the changelog and reports each schedule record: the latest record of an id is its state.
struct ChangelogScan {
    let connection: KairosConnection

    /// The state a changelog record gives its schedule.
    enum State {
        case live(Schedule)
        /// A tombstone: the schedule finished or was cancelled.
        case gone
        /// A value that does not decode.
        case unreadable(String)
    }

    /// Calls `apply` for each schedule record of `partitions` in offset order (progress records are skipped).
    func scan(
        partitions: [Int32],
        apply: (_ id: String, _ position: TopicPartitionOffset, _ state: State) throws(ControlError) -> Void
    ) throws(ControlError) {
        try PartitionScanner(connection: connection).scan(topic: connection.topics.changelog, partitions: partitions) {
            (record) throws(ControlError) in
            guard let key = record.key, !ChangelogRecord.isProgress(key: key) else { return }
            let state = Self.state(key: key, value: record.value)
            let position = TopicPartitionOffset(record.topicPartition, offset: record.offset)
            try apply(String(decoding: key, as: UTF8.self), position, state)
        }
    }

    /// What a changelog record says about its schedule.
    static func state(key: [UInt8], value: [UInt8]?) -> State {
        switch ChangelogRecord.entry(key: key, value: value) {
        case .schedule(let schedule, _): return .live(schedule)
        case .removed: return .gone
        case .unreadable(let reason): return .unreadable(reason)
        case .progress: return .unreadable("a progress record")
        }
    }
}
