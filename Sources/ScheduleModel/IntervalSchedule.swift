/// A fixed step repeated from an anchor (`kairos-every`), with occurrence k at
/// `anchor + k × step` computed directly from the anchor (never by chaining).
///
/// - An exact step (`250ms`, `30s`, `15m`, `1h30m`) adds `k × step` milliseconds.
/// - A calendar step (`1d`, `2w`, `1mo`, `1y`, `1mo2d`) keeps the anchor's wall-clock time
///   of day in the zone: the date moves by `k × months` (day clamped to the end of the
///   target month, relative to the ANCHOR's day, so Jan 31 + 1mo = Feb 28/29 and
///   + 2mo = Mar 31), then by `k × days`; the reading is resolved in the zone (a DST gap
///   gives the gap's end, a repeated reading its first instant). The anchor's
///   milliseconds within the second are kept.
/// - Mixing calendar and exact units (`1d12h`, `P1DT12H`) is refused.
public struct IntervalSchedule: Sendable, Hashable {
    /// The step.
    public let step: ScheduleDuration
    /// Occurrence index 0.
    public let anchor: EpochMillis
    /// The zone in which calendar steps keep the wall-clock time.
    public let zone: TimeZoneRules
    /// Wall-clock reading of the anchor (calendar steps only).
    let anchorLocal: LocalDateTime
    let anchorSubsecondMillis: Int64

    /// A schedule stepping by `step` from `anchor`; throws when the step is not positive,
    /// mixes calendar and exact units, or is too large.
    public init(step: ScheduleDuration, anchor: EpochMillis, zone: TimeZoneRules) throws(ScheduleValueError) {
        guard step.months >= 0, step.days >= 0, step.milliseconds >= 0,
            step.months > 0 || step.days > 0 || step.milliseconds > 0
        else {
            throw ScheduleValueError("The interval '\(step)' is not positive; an interval must be longer than zero.")
        }
        if step.hasCalendarPart && step.milliseconds != 0 {
            throw ScheduleValueError(
                "The interval '\(step)' mixes calendar units (d, w, mo, y) with exact units (h, m, s, ms); use one kind, e.g. 1d or 36h.")
        }
        guard step.months <= 12 * 1000, step.days <= 366 * 1000 else {
            throw ScheduleValueError("The interval '\(step)' is too long; at most 1000 years.")
        }
        self.step = step
        self.anchor = anchor
        self.zone = zone
        self.anchorLocal = zone.localDateTime(at: anchor)
        self.anchorSubsecondMillis = anchor - TimeZoneRules.floorSeconds(anchor) * 1000
    }

    /// Parses `text` with ``ScheduleDuration`` and builds the schedule.
    public init(parsing text: String, anchor: EpochMillis, zone: TimeZoneRules) throws(ScheduleValueError) {
        try self.init(step: ScheduleDuration(parsing: text), anchor: anchor, zone: zone)
    }

    /// Whether the step is in calendar units (wall-clock arithmetic in the zone).
    public var isCalendar: Bool { step.hasCalendarPart }

    /// The instant of occurrence index `k` (≥ 0, 0 = the anchor itself for exact steps),
    /// or nil when it overflows or leaves the supported calendar. O(1).
    public func instant(ofIndex k: Int64) -> EpochMillis? {
        guard k >= 0 else { return nil }
        if !isCalendar {
            let (offset, o1) = step.milliseconds.multipliedReportingOverflow(by: k)
            let (sum, o2) = anchor.addingReportingOverflow(offset)
            return o1 || o2 ? nil : sum
        }
        let (monthShift, o1) = step.months.multipliedReportingOverflow(by: k)
        let (dayShift, o2) = step.days.multipliedReportingOverflow(by: k)
        guard !o1, !o2, monthShift < 12 * 100_000, dayShift < 366 * 100_000 else { return nil }
        let date = anchorLocal.date.addingMonths(Int(monthShift))
        let shifted = GregorianDate(daysSinceEpoch: date.daysSinceEpoch + Int(dayShift))
        var local = anchorLocal
        local.date = shifted
        return zone.resolve(localSeconds: local.localSeconds).first * 1000 + anchorSubsecondMillis
    }

    /// The smallest index k ≥ 0 whose instant is strictly after `t`. O(1) for exact steps,
    /// a handful of evaluations for calendar steps. Nil only on overflow.
    public func firstIndex(after t: EpochMillis) -> Int64? {
        if t < anchor { return 0 }
        if !isCalendar { return (t - anchor) / step.milliseconds + 1 }
        let target = zone.localDateTime(at: t).date
        var k: Int64
        if step.days == 0 {
            let months = Int64((target.year - anchorLocal.date.year) * 12 + target.month - anchorLocal.date.month)
            k = months / step.months
        } else if step.months == 0 {
            k = Int64(target.daysSinceEpoch - anchorLocal.date.daysSinceEpoch) / step.days
        } else {
            let days = Double(target.daysSinceEpoch - anchorLocal.date.daysSinceEpoch)
            k = Int64(days / (Double(step.months) * 30.436875 + Double(step.days)))
        }
        k = max(0, k - 1)
        while k > 0, let instant = instant(ofIndex: k), instant > t { k -= 1 }
        while true {
            guard let instant = instant(ofIndex: k) else { return nil }
            if instant > t { return k }
            k += 1
        }
    }
}
