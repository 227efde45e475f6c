import Foundation
public import KairosWire
import ScheduleModel
import Yams

/// A file of schedules for `kairosctl apply`: YAML (or JSON, which is YAML too) with one key, `schedules`, a list of
/// schedules with the fields of the HTTP API's body and an `id` each:
///
/// ```yaml
/// schedules:
///   - id: team-standup
///     target: team.events
///     cron: "0 9 * * MON-FRI"
///     tz: Europe/Paris
///     payload: {json: {room: 4}}
/// ```
///
/// A file is applied again and again, so each schedule must mean the same thing every time: `at`, `cron` or
/// `every`, not `delay` (it would move at each apply) nor nothing (fire now), and no `at` that has passed (it would
/// fire again at each apply).
public struct SchedulesFile: Sendable {
    /// One schedule of the file: its id, and the command and schedule Kairos makes of it.
    public struct Entry: Sendable {
        public var id: String
        var command: ScheduleCommand
        var schedule: Schedule
    }

    /// The schedules in the order of the file.
    public var schedules: [Entry]

    /// Reads `text` (the contents of `name`, for messages), checking every field as Kairos checks a command now.
    public init(text: String, name: String, topics: KairosTopics) throws(ControlError) {
        try self.init(text: text, name: name, now: currentMilliseconds(), policy: .permissive(topics: topics))
    }

    /// Reads `text`, checking every field as a command's header would be at `now` (epoch milliseconds).
    init(text: String, name: String, now: Int64, policy: CommandPolicy) throws(ControlError) {
        let shape: FileShape
        do {
            shape = try YAMLDecoder().decode(FileShape.self, from: text)
        } catch {
            throw .usage("\(name): \(Self.describe(error))")
        }
        if let extra = shape.extraKeys.first {
            throw .usage("\(name): '\(extra)' is not a key of a schedules file; it has one key, schedules")
        }
        var schedules: [Entry] = []
        var seen: [String: Int] = [:]
        for (index, raw) in shape.schedules.enumerated() {
            let place = "\(name): schedules[\(index)]"
            if let unknown = ScheduleSpec.unknownField(in: raw) {
                throw .usage("\(place): '\(unknown)' is not a field of a schedule")
            }
            let spec: ScheduleSpec
            do {
                spec = try JSONDecoder().decode(ScheduleSpec.self, from: JSONEncoder().encode(raw))
            } catch {
                throw .usage("\(place): \(Self.describe(error))")
            }
            guard let id = spec.id, !id.isEmpty else {
                throw .usage("\(place): every schedule needs an id")
            }
            let entry = "\(place) (id \(id))"
            if let first = seen[id] {
                throw .usage("\(entry): the id is already used by schedules[\(first)]")
            }
            seen[id] = index
            if spec.delay != nil {
                throw .usage(
                    "\(entry): delay: a file is applied again and again, and a delay would move the schedule each "
                        + "time; give at, cron or every")
            }
            if spec.at == nil && spec.cron == nil && spec.every == nil {
                throw .usage("\(entry): give at, cron or every (a schedule without one would fire at each apply)")
            }
            let (command, schedule): (ScheduleCommand, Schedule)
            do {
                (command, schedule) = try spec.validated(id: id, timestamp: now, policy: policy)
            } catch {
                throw .usage("\(entry): \(error.field): \(error.reason)")
            }
            if spec.at != nil && schedule.scheduledFor < now {
                throw .usage(
                    "\(entry): at: \(formatInstant(schedule.scheduledFor)) has passed; a file is applied again and "
                        + "again, and a one-shot in the past would fire each time. Move it or remove it")
            }
            schedules.append(Entry(id: id, command: command, schedule: schedule))
        }
        self.schedules = schedules
    }

    /// The file's structure before the fields of each schedule are read.
    struct FileShape: Decodable {
        var schedules: [JSONValue]
        var extraKeys: [String]

        struct AnyKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: AnyKey.self)
            extraKeys = container.allKeys.map(\.stringValue).filter { $0 != "schedules" }.sorted()
            schedules = try container.decodeIfPresent([JSONValue].self, forKey: AnyKey(stringValue: "schedules")) ?? []
        }
    }

    /// A decoding error as a sentence naming where it is.
    static func describe(_ error: any Error) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
                .replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
            DecodingError.dataCorrupted(let context):
            let at = path(context.codingPath)
            return (at.isEmpty ? "" : "\(at): ") + context.debugDescription
        case DecodingError.keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])) is required"
        case let error as YamlError:
            return "not valid YAML: \(error)"
        default:
            return "\(error)"
        }
    }
}
