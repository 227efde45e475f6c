import Foundation
public import KairosSettings
import KairosWire
import ScheduleModel

/// `kairos next`: the next fire instants of a cron expression or interval, one RFC 3339 UTC line each, decided by
/// the same code (and refused with the same message) as the scheduler.
public enum NextCommand {
    /// Runs the command; returns the exit status (2 for a usage error or an expression the engine would reject).
    public static func run(arguments: [String]) -> Int32 {
        switch lines(arguments: arguments, now: Int64(Date().timeIntervalSince1970 * 1_000)) {
        case .success(let lines):
            print(lines.joined(separator: "\n"))
            return 0
        case .failure(let error):
            FileHandle.standardError.write(Data("kairos next: \(error.description)\n".utf8))
            return 2
        }
    }

    /// The lines `kairos next` prints, or why it cannot.
    public static func lines(arguments: [String], now: Int64) -> Result<[String], ConfigurationError> {
        var values: [String: String] = [:]
        var index = 0
        while index < arguments.count {
            let flag = arguments[index]
            let flags = ["--cron", "--dialect", "--every", "--tz", "--after", "--count", "--exclude", "--exclude-cron"]
            guard flags.contains(flag), index + 1 < arguments.count else {
                return .failure(
                    ConfigurationError(
                        "unexpected '\(flag)'; usage: kairos next (--cron EXPR [--dialect unix|quartz] | --every INTERVAL) [--tz ZONE] [--exclude DATES] [--exclude-cron EXPR] [--after TIME] [--count N]"
                    ))
            }
            values[flag] = arguments[index + 1]
            index += 2
        }
        let kind: RecurrenceSpec.Kind
        let expression: String
        switch (values["--cron"], values["--every"]) {
        case (let cron?, nil): (kind, expression) = (.cron, cron)
        case (nil, let every?): (kind, expression) = (.every, every)
        default: return .failure(ConfigurationError("give exactly one of --cron and --every"))
        }
        var after = now
        if let text = values["--after"] {
            do {
                after = try TimestampFormat.parse(text)
            } catch {
                return .failure(ConfigurationError("--after: \(error.message)"))
            }
        }
        let count = values["--count"].map { Int($0) ?? -1 } ?? 5
        guard (1...10_000).contains(count) else { return .failure(ConfigurationError("--count: give 1 to 10000")) }
        // The same decision as a command with this header and timestamp `after`.
        var command = ScheduleCommand(
            id: "preview", target: "preview", when: kind == .cron ? .cron(expression) : .every(expression))
        command.zone = values["--tz"]
        command.cronDialect = values["--dialect"]
        command.exclude = values["--exclude"]
        command.excludeCron = values["--exclude-cron"]
        let schedule: Schedule
        switch command.validated(timestamp: after, policy: CommandPolicy()) {
        case .success(let decoded): schedule = decoded
        case .failure(let rejection): return .failure(ConfigurationError(rejection.reason))
        }
        guard schedule.recurrence != nil else {
            return .failure(ConfigurationError("not a recurring schedule"))
        }
        let lines = schedule.upcomingOccurrences(count).map { TimestampFormat.format($0.instant) }
        return .success(lines)
    }
}
