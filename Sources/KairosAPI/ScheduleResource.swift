import KairosEngine
public import KairosWire
public import ScheduleModel

/// A schedule as the API shows it: its definition (the same fields a `PUT` takes), where it stands, and its next
/// fire times in its zone and in UTC.
public struct ScheduleResource: Codable, Sendable {
    public struct FireTime: Codable, Sendable, Hashable {
        public var occurrence: Int64
        /// RFC 3339, UTC.
        public var utc: String
        /// RFC 3339 at the schedule's zone's local time.
        public var local: String
    }

    public struct LastFiring: Codable, Sendable, Hashable {
        public var occurrence: Int64
        public var scheduledFor: String
    }

    public var id: String
    /// The `commands` (and `changelog`) partition it lives in.
    public var partition: Int32
    /// `scheduled`, `paused`, `retrying`, or `finished` (a write applied to a schedule that has fired its last).
    public var status: String
    public var spec: ScheduleSpec
    /// The zone of `local` times.
    public var zone: String
    /// The number of the next firing.
    public var occurrence: Int64?
    /// When the next firing is due (with its flexible-window offset, or its retry), RFC 3339 UTC; null while paused.
    public var dueAt: String?
    /// `dueAt` in epoch ms: the order of a listing (with the id).
    public var dueAtMillis: Int64?
    public var nextFireTimes: [FireTime]
    public var lastFiring: LastFiring?
    public var failedAttempts: Int
    public var lastError: String?
    public var pausedAt: String?
    /// Extra firings asked for by trigger and not yet delivered.
    public var pendingTriggers: Int
    /// For a write: whether a command was written (false when the schedule was already so).
    public var written: Bool?

    static let upcoming = 10

    /// The next `count` fire times of `schedule`, in UTC and at `rules`' local time (UTC without rules).
    static func fireTimes(of schedule: Schedule, count: Int, rules: TimeZoneRules?) -> [FireTime] {
        schedule.upcomingOccurrences(count).map { next in
            FireTime(
                occurrence: next.number, utc: TimestampFormat.format(next.instant),
                local: rules.map { TimestampFormat.format(next.instant, in: $0) } ?? TimestampFormat.format(next.instant))
        }
    }

    public init(_ schedule: Schedule, partition: Int32, written: Bool? = nil) {
        id = schedule.id
        self.partition = partition
        status = schedule.status.rawValue
        spec = ScheduleSpec(describing: schedule)
        spec.id = nil
        let zoneName = schedule.recurrence?.zone ?? "UTC"
        zone = zoneName
        let rules = (try? TimeZoneRules.named(zoneName)) ?? (try? TimeZoneRules.named("UTC"))
        occurrence = schedule.occurrence
        dueAt = schedule.nextDueAt == Schedule.parked ? nil : TimestampFormat.format(schedule.nextDueAt)
        dueAtMillis = schedule.nextDueAt == Schedule.parked ? nil : schedule.nextDueAt
        nextFireTimes = Self.fireTimes(of: schedule, count: Self.upcoming, rules: rules)
        lastFiring = schedule.previous.map {
            LastFiring(occurrence: $0.number, scheduledFor: TimestampFormat.format($0.instant))
        }
        failedAttempts = schedule.failedAttempts
        lastError = schedule.lastError
        pausedAt = schedule.pausedAt.map(TimestampFormat.format)
        pendingTriggers = schedule.pendingTriggers.count
        self.written = written
    }

    /// A write applied to a schedule that is gone by the time it is read (a one-shot due now fired at once).
    public init(finished schedule: Schedule, partition: Int32) {
        self.init(schedule, partition: partition, written: true)
        status = "finished"
        dueAt = nil
        dueAtMillis = nil
        nextFireTimes = []
    }
}

extension ScheduleResource {
    /// Where it stands in a listing.
    var position: ScheduleReader.Position {
        ScheduleReader.Position(dueAt: dueAtMillis ?? Schedule.parked, id: id)
    }
}

/// A page of a listing.
public struct ScheduleList: Codable, Sendable {
    public var schedules: [ScheduleResource]
    /// Pass as `cursor` for the next page; null on the last.
    public var nextCursor: String?
}

/// What a write that the owner did not confirm in time answers (202).
public struct Accepted: Codable, Sendable {
    public var status = "accepted"
    public var id: String
    public var partition: Int32
    public var offset: Int64
    public var detail: String
}
