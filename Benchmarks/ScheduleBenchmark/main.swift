// Speed of the schedule arithmetic: parsing and next-occurrence, in ns per operation.
// Run: swift run -c release --scratch-path .build-schedule-release ScheduleBenchmark
import ScheduleModel

nonisolated(unsafe) var sink: Int64 = 0

func measure(_ name: String, iterations: Int, _ body: (Int) -> Int64) {
    _ = body(0)  // warm up caches (zone files, lazy tables)
    let clock = ContinuousClock()
    var best = Duration.seconds(1000)
    for _ in 0..<3 {
        let start = clock.now
        var local: Int64 = 0
        for i in 0..<iterations { local &+= body(i) }
        let elapsed = clock.now - start
        sink &+= local
        best = min(best, elapsed)
    }
    let (seconds, attoseconds) = best.components
    let nanos = (Double(seconds) * 1e9 + Double(attoseconds) / 1e9) / Double(iterations)
    print("| \(pad(name, 58)) | \(pad(String(Int(nanos.rounded())), 9)) |")
}

func pad(_ text: String, _ width: Int) -> String {
    text + String(repeating: " ", count: max(0, width - text.count))
}

func cron(_ text: String) -> CronExpression {
    do { return try CronExpression(parsing: text) } catch { fatalError("\(error)") }
}

func zone(_ name: String) -> TimeZoneRules {
    do { return try TimeZoneRules.named(name) } catch { fatalError("\(error)") }
}

let start: EpochMillis = 1_767_225_600_000  // 2026-01-01T00:00:00Z
let horizon: EpochMillis = 2_524_608_000_000  // 2050-01-01T00:00:00Z
let berlin = zone("Europe/Berlin")
let newYork = zone("America/New_York")

print("| operation                                                  | ns/op     |")
print("|------------------------------------------------------------|-----------|")
for text in ["*/15 * * * *", "0 30 9 * * MON-FRI", "0 0 L-3,15W * ?", "0 0 12 ? JAN-DEC/2 MON#2 2026-2030"] {
    measure("parse '\(text)'", iterations: 100_000) { _ in
        (try? CronExpression(parsing: text)).map { Int64($0.text.utf8.count) } ?? 0
    }
}
measure("parse duration '1h30m'", iterations: 200_000) { _ in (try? ScheduleDuration(parsing: "1h30m"))?.milliseconds ?? 0 }
measure("parse timestamp '2026-03-29T02:30:00.250+02:00'", iterations: 200_000) { _ in
    (try? TimestampFormat.parse("2026-03-29T02:30:00.250+02:00")) ?? 0
}

func chain(_ expression: CronExpression, _ zone: TimeZoneRules) -> (Int) -> Int64 {
    var t = start
    return { _ in
        t = expression.nextOccurrence(after: t, in: zone) ?? start
        if t > horizon { t = start }  // stay within the years a schedule realistically sees
        return t
    }
}

let cases: [(String, String, TimeZoneRules)] = [
    ("*/15 * * * *", "UTC", .utc),
    ("*/15 * * * *", "Europe/Berlin", berlin),
    ("0 9 * * MON-FRI", "UTC", .utc),
    ("0 9 * * MON-FRI", "America/New_York", newYork),
    ("30 2 * * *", "Europe/Berlin (crosses DST gap/overlap)", berlin),
    ("*/10 * * * * *", "UTC (6-field)", .utc),
    ("0 30 8 * * 1-5", "Europe/Berlin (6-field)", berlin),
    ("0 12 L * *", "Europe/Berlin", berlin),
    ("0 0 * * 5L", "UTC", .utc),
    ("0 0 * * MON#2", "America/New_York", newYork),
    ("0 0 15W * *", "UTC", .utc),
]
for (text, zoneName, rules) in cases {
    measure("next '\(text)' in \(zoneName)", iterations: 200_000, chain(cron(text), rules))
}

do {
    let daily = try IntervalSchedule(parsing: "1d", anchor: start, zone: berlin)
    let monthly = try IntervalSchedule(parsing: "1mo", anchor: start + 30 * 86_400_000, zone: berlin)
    let exact = try IntervalSchedule(parsing: "30s", anchor: start, zone: berlin)
    measure("interval 30s: instant(ofIndex:)", iterations: 1_000_000) { exact.instant(ofIndex: Int64($0)) ?? 0 }
    measure("interval 1d Berlin: instant(ofIndex:)", iterations: 200_000) { daily.instant(ofIndex: Int64($0 % 20_000)) ?? 0 }
    measure("interval 1mo Berlin: firstIndex(after:)", iterations: 200_000) {
        monthly.firstIndex(after: start + Int64($0 % 5000) * 86_400_000) ?? 0
    }
    let window = try FlexibleWindow(parsing: "5m")
    let id = Array("invoice-reminder-42".utf8)
    measure("flexible window offset", iterations: 1_000_000) { window.offset(scheduleID: id, occurrenceNumber: Int64($0)) }
} catch {
    fatalError("\(error)")
}
print("checksum \(sink)")
