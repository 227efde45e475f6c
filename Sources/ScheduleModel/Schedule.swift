/// Where a firing goes.
public enum ScheduleTarget: Sendable, Hashable {
    /// A Kafka topic.
    case kafka(topic: String)
    /// An HTTP(S) endpoint: the payload is the request body.
    case http(HTTPTarget)
}

/// An HTTP request a firing makes (`kairos-target: https://...`).
public struct HTTPTarget: Sendable, Hashable {
    /// The absolute `http://` or `https://` URL, as given.
    public var url: String
    /// The host part of `url` (lower case; an IPv6 literal without brackets).
    public var host: String
    /// The request method, upper case (`kairos-http-method`, default `POST`).
    public var method: String
    /// Request headers from `kairos-http-header-NAME`, in command order.
    public var headers: [ScheduleHeader]

    public init(url: String, host: String, method: String = "POST", headers: [ScheduleHeader] = []) {
        self.url = url
        self.host = host
        self.method = method
        self.headers = headers
    }
}

/// A schedule as the scheduler keeps it: what to deliver, where, and when it fires next.
public struct Schedule: Sendable, Hashable {
    /// The schedule id (the command's key), 1-256 bytes of UTF-8.
    public var id: String
    public var target: ScheduleTarget
    /// Key of the fired record; nil means the schedule id.
    public var targetKey: [UInt8]?
    /// Explicit partition of the fired record.
    public var targetPartition: Int32?
    /// The payload, byte for byte.
    public var payload: [UInt8]
    /// Headers copied to the fired record, in order (those not named `kairos-*`).
    public var headers: [ScheduleHeader]
    /// Nominal instant of the next firing, epoch milliseconds UTC (`kairos-scheduled-for`).
    public var scheduledFor: Int64
    /// Number of the next firing (1 for a one-shot).
    public var occurrence: Int64
    /// When the next firing is due: `scheduledFor` plus its flexible-window offset.
    public var fireAt: Int64
    /// Offset of the command that created or last replaced this schedule.
    public var sourceOffset: Int64
    /// How a recurring schedule repeats; nil for a one-shot.
    public var recurrence: RecurrenceSpec?
    /// Width of the flexible window (`kairos-window`) in milliseconds, if any.
    public var windowMillis: Int64?
    /// The last occurrence fired (recurring schedules).
    public var previous: Occurrence?
    /// Delivery attempts of the next occurrence that have failed so far (HTTP targets); 0 before the first.
    public var failedAttempts: Int
    /// Attempts before a failing HTTP delivery is dead-lettered (`kairos-retry-max` or the configured default).
    public var retryMax: Int?
    /// First retry delay of an HTTP delivery in milliseconds (`kairos-retry-backoff` or the configured default).
    public var retryBackoffMillis: Int64?
    /// Why the last attempt failed, while a delivery is being retried.
    public var lastError: String?
    /// When the schedule was paused (`kairos-action: pause`), epoch ms; nil while it runs. A paused schedule fires
    /// only what was triggered.
    public var pausedAt: Int64?
    /// Extra firings asked for by `kairos-action: trigger` and not delivered yet, oldest first.
    public var pendingTriggers: [PendingTrigger]
    /// Extra firings numbered so far: they take the numbers -1, -2, ... so that `(id, occurrence)` never repeats a
    /// regular occurrence's 1, 2, ...
    public var extraFirings: Int64

    public init(
        id: String, target: ScheduleTarget, targetKey: [UInt8]? = nil, targetPartition: Int32? = nil,
        payload: [UInt8], headers: [ScheduleHeader] = [], scheduledFor: Int64, occurrence: Int64 = 1,
        fireAt: Int64? = nil, sourceOffset: Int64, recurrence: RecurrenceSpec? = nil, windowMillis: Int64? = nil,
        previous: Occurrence? = nil, failedAttempts: Int = 0, retryMax: Int? = nil, retryBackoffMillis: Int64? = nil,
        lastError: String? = nil, pausedAt: Int64? = nil, pendingTriggers: [PendingTrigger] = [], extraFirings: Int64 = 0
    ) {
        self.id = id
        self.target = target
        self.targetKey = targetKey
        self.targetPartition = targetPartition
        self.payload = payload
        self.headers = headers
        self.scheduledFor = scheduledFor
        self.occurrence = occurrence
        self.fireAt = fireAt ?? scheduledFor
        self.sourceOffset = sourceOffset
        self.recurrence = recurrence
        self.windowMillis = windowMillis
        self.previous = previous
        self.failedAttempts = failedAttempts
        self.retryMax = retryMax
        self.retryBackoffMillis = retryBackoffMillis
        self.lastError = lastError
        self.pausedAt = pausedAt
        self.pendingTriggers = pendingTriggers
        self.extraFirings = extraFirings
    }

    /// Where a paused schedule without a triggered firing waits in the time index: after everything else.
    public static let parked = Int64.max

    /// When the schedule must be looked at next: its oldest triggered firing, else (while paused) never, else
    /// `fireAt`. The store's time index is ordered by this.
    public var nextDueAt: Int64 {
        pendingTriggers.first?.dueAt ?? (pausedAt != nil ? Self.parked : fireAt)
    }

    /// Whether it is paused.
    public var isPaused: Bool { pausedAt != nil }

    /// The number the next extra (triggered) firing takes.
    public var nextExtraNumber: Int64 { -(extraFirings + 1) }

    /// When occurrence `occurrence` at `instant` is due: the instant plus the schedule's flexible-window offset,
    /// derived from (id, occurrence) so it is the same after any restore. A due time past the last Int64 is
    /// ``parked`` (never).
    public func dueTime(of occurrence: Occurrence) -> Int64 {
        guard let windowMillis, windowMillis > 0, let window = try? FlexibleWindow(widthMillis: windowMillis) else {
            return occurrence.instant
        }
        let (due, overflow) = occurrence.instant.addingReportingOverflow(
            window.offset(scheduleID: id, occurrenceNumber: occurrence.number))
        return overflow ? Schedule.parked : due
    }

    /// The same occurrence, to be attempted again at `fireAt` after a failed delivery attempt.
    public func retried(at fireAt: Int64, error: String) -> Schedule {
        var copy = self
        copy.fireAt = fireAt
        copy.failedAttempts += 1
        copy.lastError = error
        return copy
    }

    /// The same occurrence, attempted at `fireAt` instead without counting an attempt (a host's circuit is open).
    public func deferred(to fireAt: Int64, reason: String) -> Schedule {
        var copy = self
        copy.fireAt = fireAt
        copy.lastError = reason
        return copy
    }

    /// This schedule moved on to `next`, after firing `fired` (nil when nothing was fired).
    public func advanced(to next: Occurrence, fireAt: Int64, fired: Occurrence?) -> Schedule {
        var copy = self
        copy.occurrence = next.number
        copy.scheduledFor = next.instant
        copy.fireAt = fireAt
        copy.previous = fired ?? previous
        copy.failedAttempts = 0
        copy.lastError = nil
        return copy
    }
}

/// An extra firing asked for by `kairos-action: trigger`: fired as soon as possible, before the regular occurrence,
/// with the schedule otherwise unchanged.
public struct PendingTrigger: Sendable, Hashable {
    /// When it was asked for (the command's timestamp): its `kairos-scheduled-for`.
    public var requestedAt: Int64
    /// When it is due: `requestedAt`, or the next attempt of a webhook that failed.
    public var dueAt: Int64
    /// Webhook attempts that failed so far.
    public var failedAttempts: Int

    public init(requestedAt: Int64, dueAt: Int64? = nil, failedAttempts: Int = 0) {
        self.requestedAt = requestedAt
        self.dueAt = dueAt ?? requestedAt
        self.failedAttempts = failedAttempts
    }
}

/// A record header; a nil value is a null header.
public struct ScheduleHeader: Sendable, Hashable {
    public var name: String
    public var value: [UInt8]?

    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }
}

extension Schedule {
    /// What the command that made the schedule asked for, without what follows from when it was written (the
    /// anchor of a recurrence) or from its life since (occurrence, retries, pause, triggers). Two commands with the
    /// same definition make the same schedule: a client that would write one again (`PUT`, `kairosctl apply`) can
    /// leave the schedule as it is.
    public struct Definition: Sendable, Hashable {
        var target: ScheduleTarget
        var targetKey: [UInt8]?
        var targetPartition: Int32?
        var payload: [UInt8]
        var headers: [ScheduleHeader]
        /// A one-shot's instant; nil for a recurring schedule.
        var instant: Int64?
        var recurrence: RecurrenceSpec?
        var windowMillis: Int64?
        var retryMax: Int?
        var retryBackoffMillis: Int64?
    }

    public var definition: Definition {
        var recurrence = self.recurrence
        recurrence?.anchor = 0
        return Definition(
            target: target, targetKey: targetKey, targetPartition: targetPartition, payload: payload, headers: headers,
            instant: self.recurrence == nil ? scheduledFor : nil, recurrence: recurrence, windowMillis: windowMillis,
            retryMax: retryMax, retryBackoffMillis: retryBackoffMillis)
    }
}

extension Schedule {
    /// The next `count` occurrences, from the one it fires next: a one-shot's one, or a recurring schedule's next
    /// ones in order (fewer when its window or limit ends first).
    public func upcomingOccurrences(_ count: Int) -> [Occurrence] {
        var current = Occurrence(number: occurrence, instant: scheduledFor)
        guard count > 0 else { return [] }
        guard let spec = recurrence, let recurrence = try? spec.recurrence() else { return [current] }
        var occurrences = [current]
        while occurrences.count < count, let next = recurrence.occurrence(after: current) {
            occurrences.append(next)
            current = next
        }
        return occurrences
    }
}
