// Fuzz target: durations and intervals (`kairos-every`, `kairos-delay`, `kairos-window`). The input is the
// text. A duration that parses must parse again from its short form to the same duration; an interval built from
// it must step forward: occurrence k + 1 is after occurrence k, and the first index after an instant names the
// first occurrence after it.
import ScheduleModel

let zones: [TimeZoneRules] = [.utc] + ["Europe/Berlin", "America/Sao_Paulo"].compactMap {
    try? TimeZoneRules.named($0)
}

/// 2026-01-31 02:30:00.250 (a month end, a reading in Berlin's spring gap hour's time of day).
let anchor: EpochMillis = 1_769_826_600_250
let probes: [EpochMillis] = [anchor - 1, anchor, anchor + 1, anchor + 86_400_000 * 40 + 7, anchor + 31_557_600_000 * 3]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? FlexibleWindow(parsing: text)
    guard let duration = try? ScheduleDuration(parsing: text) else { return 0 }
    _ = duration.fixedMilliseconds
    if let again = try? ScheduleDuration(parsing: duration.description) {
        if again != duration {
            fatalError("'\(text)' is \(duration), which parses as \(again)")
        }
    } else if duration.months >= 0, duration.days >= 0, duration.milliseconds >= 0 {
        fatalError("'\(text)' is \(duration), which does not parse")
    }
    for zone in zones {
        guard let interval = try? IntervalSchedule(step: duration, anchor: anchor, zone: zone) else { continue }
        var previous: EpochMillis?
        for k in Int64(0)..<4 {
            guard let instant = interval.instant(ofIndex: k) else { break }
            if let previous, instant <= previous {
                fatalError("'\(text)' in \(zone): occurrence \(k) at \(instant) is not after \(previous)")
            }
            previous = instant
        }
        for t in probes {
            guard let k = interval.firstIndex(after: t), let instant = interval.instant(ofIndex: k) else { continue }
            if instant <= t {
                fatalError("'\(text)' in \(zone): the first index after \(t) is \(k), at \(instant)")
            }
            if k > 0, let before = interval.instant(ofIndex: k - 1), before > t {
                fatalError("'\(text)' in \(zone): index \(k - 1) at \(before) is already after \(t)")
            }
        }
    }
    return 0
}
