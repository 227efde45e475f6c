/// A recurring schedule: a pattern, a zone, an optional window `[start, end]` and an
/// optional limit on the number of occurrences.
///
/// Occurrences and their numbers:
/// - Cron: the matching instants at or after `start`, or, without `start`, strictly after
///   the anchor (the instant the schedule was created), numbered 1, 2, 3, ... in time order.
/// - Every: with `start`, occurrence 1 is at `start` and occurrence n at
///   `start + (n-1) × step`; without `start`, occurrence 1 is one step after the anchor
///   (the instant the schedule was created) and occurrence n at `anchor + n × step`.
/// - `end` is inclusive: an occurrence at exactly `end` still fires.
/// - `limit` bounds the occurrence NUMBER: occurrences numbered above it do not exist.
///   Numbers are consumed by every occurrence in the window, including ones skipped or
///   dropped by the misfire policy, so an occurrence's number never depends on outages
///   and a restore computes the same numbers (and flexible-window offsets).
/// - `exclusions` skip occurrences (holidays, weekends): an excluded occurrence is never
///   returned, but it keeps its number, like one the misfire policy skips.
public struct Recurrence: Sendable, Hashable {
    /// How it repeats.
    public let pattern: RecurrencePattern
    /// The zone for wall-clock arithmetic (cron fields, calendar steps).
    public let zone: TimeZoneRules
    /// Occurrences before this instant do not exist.
    public let start: EpochMillis?
    /// Occurrences after this instant do not exist.
    public let end: EpochMillis?
    /// Occurrences numbered above this do not exist.
    public let limit: Int64?
    /// The instant the schedule was created; the window start when `start` is nil.
    public let anchor: EpochMillis
    /// Occurrences skipped (they keep their numbers), nil for none.
    public let exclusions: ExclusionCalendar?
    /// Consecutive excluded occurrences looked through before a recurrence counts as having none left (an interval
    /// steps over excluded days without counting them).
    static let maxExcludedRun = 1_000_000
    let interval: IntervalSchedule?
    /// Interval index of occurrence number 1.
    let firstIntervalIndex: Int64

    /// A recurrence; throws when the limit is below 1, the window is empty or the step is
    /// invalid. Use ``firstOccurrence()`` to find out whether it ever fires.
    public init(
        pattern: RecurrencePattern, zone: TimeZoneRules, start: EpochMillis? = nil, end: EpochMillis? = nil,
        limit: Int64? = nil, anchor: EpochMillis, exclusions: ExclusionCalendar? = nil
    ) throws(ScheduleValueError) {
        if let limit, limit < 1 {
            throw ScheduleValueError("The limit \(limit) is not allowed; a limit must be at least 1.")
        }
        if let start, let end, end < start {
            throw ScheduleValueError(
                "The end \(TimestampFormat.format(end)) is before the start \(TimestampFormat.format(start)), so the schedule could never fire.")
        }
        self.pattern = pattern
        self.zone = zone
        self.start = start
        self.end = end
        self.limit = limit
        self.anchor = anchor
        self.exclusions = exclusions
        if case .every(let step) = pattern {
            interval = try IntervalSchedule(step: step, anchor: start ?? anchor, zone: zone)
            firstIntervalIndex = start == nil ? 1 : 0
        } else {
            interval = nil
            firstIntervalIndex = 0
        }
    }

    /// The first occurrence that is not excluded (number 1 when none is), or nil when the recurrence never fires.
    public func firstOccurrence() -> Occurrence? {
        skippingExcluded(from: firstInWindow())
    }

    /// Occurrence number 1, excluded or not.
    private func firstInWindow() -> Occurrence? {
        if let interval {
            return checked(number: 1, instant: interval.instant(ofIndex: firstIntervalIndex))
        }
        guard case .cron(let cron) = pattern else { return nil }
        // `start` is inclusive; the creation instant is not (an occurrence exactly then is not after it).
        return checked(number: 1, instant: cron.nextOccurrence(after: start.map { $0 - 1 } ?? anchor, in: zone))
    }

    /// The first occurrence after `previous` that is not excluded (number + 1 when none is), or nil when the window
    /// or the limit is exhausted.
    public func occurrence(after previous: Occurrence) -> Occurrence? {
        skippingExcluded(from: following(previous))
    }

    /// `occurrence`, or the first after it that is not excluded.
    private func skippingExcluded(from occurrence: Occurrence?) -> Occurrence? {
        guard let exclusions, var current = occurrence else { return occurrence }
        for _ in 0..<Self.maxExcludedRun {
            if !exclusions.excludes(current.instant, in: zone) { return current }
            // An interval steps over excluded days at once: its numbers are computed, not counted.
            if let interval, let resume = exclusions.endOfExcludedDays(at: current.instant, in: zone) {
                guard resume < .max, let next = firstOfInterval(interval, after: resume - 1) else { return nil }
                current = next
                continue
            }
            guard let next = following(current) else { return nil }
            current = next
        }
        return nil
    }

    /// The first occurrence of `interval` strictly after `instant`, excluded or not.
    private func firstOfInterval(_ interval: IntervalSchedule, after instant: EpochMillis) -> Occurrence? {
        guard let index = interval.firstIndex(after: instant) else { return nil }
        let k = max(index, firstIntervalIndex)
        return checked(number: k - firstIntervalIndex + 1, instant: interval.instant(ofIndex: k))
    }

    /// Occurrence number `previous.number + 1`, excluded or not.
    private func following(_ previous: Occurrence) -> Occurrence? {
        if let interval {
            return checked(number: previous.number + 1, instant: interval.instant(ofIndex: firstIntervalIndex + previous.number))
        }
        guard case .cron(let cron) = pattern else { return nil }
        return checked(number: previous.number + 1, instant: cron.nextOccurrence(after: previous.instant, in: zone))
    }

    /// Occurrence number `number` (≥ 1), excluded or not, or nil when it does not exist. O(1) for
    /// intervals; for cron it walks from the first occurrence, O(number).
    public func occurrence(number: Int64) -> Occurrence? {
        guard number >= 1 else { return nil }
        if let interval {
            return checked(number: number, instant: interval.instant(ofIndex: firstIntervalIndex + number - 1))
        }
        guard var current = firstInWindow() else { return nil }
        while current.number < number {
            guard let next = following(current) else { return nil }
            current = next
        }
        return current
    }

    /// The first occurrence strictly after `instant`. `last` is any earlier occurrence
    /// already known (e.g. the last one fired), used to number cron occurrences without
    /// walking from the start; intervals ignore it (their numbers are computed directly).
    public func occurrence(after instant: EpochMillis, last: Occurrence? = nil) -> Occurrence? {
        if let interval {
            return skippingExcluded(from: firstOfInterval(interval, after: instant))
        }
        var current: Occurrence
        if let last, last.instant <= instant {
            current = last
        } else {
            guard let first = firstOccurrence() else { return nil }
            if first.instant > instant { return first }
            current = first
        }
        while true {
            guard let next = occurrence(after: current) else { return nil }
            if next.instant > instant { return next }
            current = next
        }
    }

    /// The latest occurrence at or before `instant`, given an occurrence `from` at or before
    /// it to count from; nil when `from` is already after `instant`.
    func latestOccurrence(notAfter instant: EpochMillis, from: Occurrence) -> Occurrence? {
        guard from.instant <= instant else { return nil }
        if let interval, let index = interval.firstIndex(after: min(instant, end ?? instant)) {
            var number = index - firstIntervalIndex  // index - 1 is the latest at or before
            if let limit { number = min(number, limit) }
            if let candidate = occurrence(number: number), candidate.instant <= instant, number >= from.number,
                exclusions?.excludes(candidate.instant, in: zone) != true
            {
                return candidate
            }
        }
        var current = from
        while let next = occurrence(after: current), next.instant <= instant { current = next }
        return current
    }

    /// The next firing given the last occurrence fired (nil: none yet) and the current time.
    ///
    /// An occurrence in the future is fired at its instant. When occurrences were missed
    /// (their instant is at or before `now`), only the most recent missed one is
    /// considered: ``MisfirePolicy/fireOnce`` fires it now; ``MisfirePolicy/skip(graceMillis:)``
    /// fires it now only if `now - instant <= graceMillis`, and otherwise moves on to the
    /// next future occurrence. Missed occurrences still consume their numbers. Nil when the
    /// recurrence has no occurrence left.
    public func nextFiring(lastFired: Occurrence?, now: EpochMillis, policy: MisfirePolicy = .fireOnce) -> PlannedFiring? {
        guard let candidate = lastFired.map({ occurrence(after: $0) }) ?? firstOccurrence() else { return nil }
        if candidate.instant > now {
            return PlannedFiring(occurrence: candidate, fireAt: candidate.instant, skippedCount: 0)
        }
        let latest = latestOccurrence(notAfter: now, from: candidate) ?? candidate
        let olderSkipped = latest.number - candidate.number
        switch policy {
        case .fireOnce:
            return PlannedFiring(occurrence: latest, fireAt: now, skippedCount: olderSkipped)
        case .skip(let grace):
            if now - latest.instant <= grace {
                return PlannedFiring(occurrence: latest, fireAt: now, skippedCount: olderSkipped)
            }
            guard let next = occurrence(after: latest) else { return nil }
            return PlannedFiring(occurrence: next, fireAt: next.instant, skippedCount: olderSkipped + 1)
        }
    }

    private func checked(number: Int64, instant: EpochMillis?) -> Occurrence? {
        guard let instant else { return nil }
        if let limit, number > limit { return nil }
        if let end, instant > end { return nil }
        if let start, instant < start { return nil }
        return Occurrence(number: number, instant: instant)
    }
}
