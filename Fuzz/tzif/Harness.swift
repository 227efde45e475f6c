// Fuzz target: TZif time-zone files (RFC 8536). The input is the file's contents. A file that is read must give
// offsets, wall-clock readings and their instants without trapping anywhere in the supported range, and a cron
// expression in the zone must fire after the instant asked about.
import ScheduleModel

let everyHour = try! CronExpression(parsing: "0 * * * *")

/// 1901-12-13 (the 32-bit TZif range's start), 1970, 2026-03-29, 2038-01-19 (its end), 2199-06-01, 2300-01-01.
let instants: [EpochMillis] = [
    -2_147_483_648_000, 0, 1_774_744_200_000, 2_147_483_647_000, 7_253_587_200_000, 10_413_792_000_000,
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let zone = try? TimeZoneRules(identifier: "Fuzz/Zone", tzif: bytes) else { return 0 }
    for instant in instants {
        _ = zone.offsetSeconds(at: instant)
        let local = zone.localDateTime(at: instant)
        _ = zone.resolve(local)
        _ = zone.instant(for: local)
        if let next = everyHour.nextOccurrence(after: instant, in: zone), next <= instant {
            fatalError("in the fuzzed zone the hour after \(instant) is \(next), not later")
        }
    }
    return 0
}
