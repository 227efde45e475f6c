import ScheduleModel

/// Shorthands shared by the test suites.
enum TestSupport {
    static func zone(_ name: String) -> TimeZoneRules {
        do { return try TimeZoneRules.named(name) } catch { fatalError("zone \(name): \(error)") }
    }

    static func at(_ text: String) -> EpochMillis {
        do { return try TimestampFormat.parse(text) } catch { fatalError("timestamp \(text): \(error)") }
    }

    static func cron(_ text: String) -> CronExpression {
        do { return try CronExpression(parsing: text) } catch { fatalError("cron \(text): \(error)") }
    }

    /// The next `count` occurrences after `start`, formatted as RFC 3339 UTC.
    static func series(_ expression: String, _ zoneName: String, after start: String, count: Int) -> [String] {
        let expression = cron(expression)
        let zone = zone(zoneName)
        var t = at(start)
        var out: [String] = []
        for _ in 0..<count {
            guard let next = expression.nextOccurrence(after: t, in: zone) else { break }
            out.append(TimestampFormat.format(next))
            t = next
        }
        return out
    }
}
