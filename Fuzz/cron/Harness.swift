// Fuzz target: cron expressions, in each dialect. The input is the expression's text (any bytes, decoded as UTF-8
// with replacement). An expression that parses must fire strictly after each instant asked about, and in UTC the
// reading it fires at must match it; the first occurrence after one millisecond before an occurrence is that
// occurrence.
import ScheduleModel

let zones: [TimeZoneRules] = [.utc] + ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe"].compactMap {
    try? TimeZoneRules.named($0)
}

/// 1970-01-01, 2000-02-29 12:34:56.789, 2026-03-29 00:30 (Berlin's spring gap that night), 2099-12-31 23:59:59.
let instants: [EpochMillis] = [0, 951_827_696_789, 1_774_744_200_000, 4_102_444_799_000]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    for dialect in CronDialect.allCases {
        if let cron = try? CronExpression(parsing: text, dialect: dialect) { check(cron, text) }
    }
    return 0
}

func check(_ cron: CronExpression, _ text: String) {
    for zone in zones {
        for instant in instants {
            guard let next = cron.nextOccurrence(after: instant, in: zone) else { continue }
            if next <= instant {
                fatalError("'\(text)' in \(zone): the occurrence after \(instant) is \(next), not later")
            }
            guard zone == .utc else { continue }
            if !cron.matches(zone.localDateTime(at: next)) {
                fatalError("'\(text)': \(next) is the occurrence after \(instant) but does not match")
            }
            if cron.nextOccurrence(after: next - 1, in: zone) != next {
                fatalError("'\(text)': the occurrence after \(next - 1) is not \(next)")
            }
        }
    }
}
