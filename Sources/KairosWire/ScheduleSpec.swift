import Foundation
public import ScheduleModel

/// A schedule as JSON (the HTTP API's body) or YAML (`kairosctl apply`) describes it: the fields of a command, by name.
/// `command(id:)` turns it into the `ScheduleCommand` a client writes, and `validated` decides it with `CommandDecoder`,
/// so a bad field is refused by the same code as a bad header, named by its field.
public struct ScheduleSpec: Codable, Sendable, Hashable {
    /// The id, when the spec is one of a file's list (the API takes it from the path).
    public var id: String?
    /// A topic, `kafka:TOPIC` or an http(s) URL.
    public var target: String
    /// At most one of `at`, `delay`, `cron`, `every`; none fires now.
    public var at: Instant?
    public var delay: String?
    public var cron: String?
    /// How `cron` numbers the days of the week: `unix` (the default) or `quartz`.
    public var dialect: String?
    public var every: String?
    /// IANA zone of `cron`, `every` and local times.
    public var tz: String?
    public var start: Instant?
    public var end: Instant?
    public var limit: Int64?
    public var window: String?
    /// `fire` or `skip`.
    public var misfire: String?
    /// Local dates to skip: `YYYY-MM-DD`, `YYYY-MM-DD..YYYY-MM-DD` or `--MM-DD` (every year).
    public var exclude: [String]?
    /// Skip the occurrences whose local reading this cron expression matches.
    public var excludeCron: String?
    public var payload: Payload?
    /// Key of the fired record (default: the id).
    public var key: String?
    /// Explicit partition of the fired record.
    public var partition: Int32?
    /// Headers copied to the fired record, in order.
    public var headers: [Header]?
    /// Webhook request settings.
    public var http: HTTP?
    /// Webhook retry settings.
    public var retry: Retry?

    /// An instant: RFC 3339 text, or epoch milliseconds as a number.
    public enum Instant: Codable, Sendable, Hashable {
        case text(String)
        case epochMillis(Int64)

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let millis = try? container.decode(Int64.self) {
                self = .epochMillis(millis)
            } else {
                self = .text(try container.decode(String.self))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .text(let text): try container.encode(text)
            case .epochMillis(let millis): try container.encode(millis)
            }
        }

        /// As a header gives it.
        public var text: String {
            switch self {
            case .text(let text): text
            case .epochMillis(let millis): String(millis)
            }
        }
    }

    /// The payload: exactly one of JSON (serialized compactly, keys sorted), text (UTF-8) or base64 bytes.
    public struct Payload: Codable, Sendable, Hashable {
        public var json: JSONValue?
        public var text: String?
        public var base64: String?

        public init(json: JSONValue? = nil, text: String? = nil, base64: String? = nil) {
            self.json = json
            self.text = text
            self.base64 = base64
        }
    }

    /// A header of the fired record; a missing value is a null header.
    public struct Header: Codable, Sendable, Hashable {
        public var name: String
        public var value: String?

        public init(name: String, value: String?) {
            self.name = name
            self.value = value
        }
    }

    public struct HTTP: Codable, Sendable, Hashable {
        public var method: String?
        public var headers: [Header]?

        public init(method: String? = nil, headers: [Header]? = nil) {
            self.method = method
            self.headers = headers
        }
    }

    public struct Retry: Codable, Sendable, Hashable {
        public var max: Int?
        public var backoff: String?

        public init(max: Int? = nil, backoff: String? = nil) {
            self.max = max
            self.backoff = backoff
        }
    }

    public init(id: String? = nil, target: String) {
        self.id = id
        self.target = target
    }

    /// A field of the spec that cannot be used, and why (for a problem+json answer or a message).
    public struct FieldError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The field, as a dotted path (`payload.base64`, `http.method`).
        public var field: String
        public var reason: String

        public init(field: String, reason: String) {
            self.field = field
            self.reason = reason
        }

        public var description: String { "\(field): \(reason)" }
    }

    /// The first field of `value` (a spec as decoded JSON or YAML) that a spec does not have, as a dotted path: a
    /// misspelt field is refused rather than ignored.
    public static func unknownField(in value: JSONValue) -> String? {
        let header: Set<String> = ["name", "value"]
        let shapes: [String: Set<String>] = [
            "": [
                "id", "target", "at", "delay", "cron", "dialect", "every", "tz", "start", "end", "limit", "window", "misfire", "exclude", "excludeCron",
                "payload", "key", "partition", "headers", "http", "retry",
            ],
            "payload": ["json", "text", "base64"], "http": ["method", "headers"], "retry": ["max", "backoff"],
        ]
        func check(_ value: JSONValue, at path: String) -> String? {
            if path == "headers" || path == "http.headers", case .array(let items) = value {
                for (index, item) in items.enumerated() {
                    if case .object(let members) = item, let extra = members.keys.sorted().first(where: { !header.contains($0) }) {
                        return "\(path)[\(index)].\(extra)"
                    }
                }
                return nil
            }
            guard case .object(let members) = value, let allowed = shapes[path] else { return nil }
            for key in members.keys.sorted() {
                let child = path.isEmpty ? key : "\(path).\(key)"
                guard allowed.contains(key) else { return child }
                if let member = members[key], let found = check(member, at: child) { return found }
            }
            return nil
        }
        return check(value, at: "")
    }

    /// The payload's bytes.
    public func payloadBytes() throws(FieldError) -> [UInt8] {
        guard let payload else { return [] }
        let given = [payload.json != nil, payload.text != nil, payload.base64 != nil].filter { $0 }.count
        guard given <= 1 else {
            throw FieldError(field: "payload", reason: "give exactly one of json, text and base64")
        }
        if let json = payload.json {
            return json.serialized()
        }
        if let text = payload.text {
            return Array(text.utf8)
        }
        if let base64 = payload.base64 {
            guard let data = Data(base64Encoded: base64) else {
                throw FieldError(field: "payload.base64", reason: "is not base64")
            }
            return Array(data)
        }
        return []
    }

    /// The command this spec writes for schedule `id`.
    public func command(id: String) throws(FieldError) -> ScheduleCommand {
        let times: [(String, ScheduleCommand.When?)] = [
            ("at", at.map { .at($0.text) }), ("delay", delay.map { .delay($0) }), ("cron", cron.map { .cron($0) }),
            ("every", every.map { .every($0) }),
        ]
        let given = times.filter { $0.1 != nil }
        guard given.count <= 1 else {
            throw FieldError(
                field: given[1].0,
                reason: "give at most one of at, delay, cron and every (got \(given.map(\.0).joined(separator: ", ")))")
        }
        var command = ScheduleCommand(
            id: id, target: target, when: given.first?.1 ?? .now, payload: try payloadBytes())
        command.cronDialect = dialect
        command.zone = tz
        command.start = start?.text
        command.end = end?.text
        command.limit = limit
        command.window = window
        command.misfire = misfire
        if let exclude {
            if let bad = exclude.first(where: { $0.contains(",") || $0.isEmpty }) {
                throw FieldError(field: "exclude", reason: "'\(bad)' is not one date, range or yearly date")
            }
            command.exclude = exclude.joined(separator: ",")
        }
        command.excludeCron = excludeCron
        command.targetKey = key.map { Array($0.utf8) }
        command.targetPartition = partition
        command.httpMethod = http?.method
        command.httpHeaders = (http?.headers ?? []).map { ScheduleHeader(name: $0.name, value: $0.value.map { Array($0.utf8) }) }
        command.retryMax = retry?.max
        command.retryBackoff = retry?.backoff
        command.passThroughHeaders = (headers ?? []).map {
            ScheduleHeader(name: $0.name, value: $0.value.map { Array($0.utf8) })
        }
        if let header = command.passThroughHeaders.first(where: { $0.name.lowercased().hasPrefix(KairosHeader.prefix) }) {
            throw FieldError(
                field: "headers", reason: "'\(header.name)' is a Kairos header; give it as a field of the schedule")
        }
        return command
    }

    /// The schedule Kairos makes of this spec for `id` at `timestamp` under `policy`, or the field at fault.
    public func validated(id: String, timestamp: Int64, policy: CommandPolicy) throws(FieldError)
        -> (ScheduleCommand, Schedule)
    {
        let command = try command(id: id)
        switch command.validated(timestamp: timestamp, policy: policy) {
        case .success(let schedule): return (command, schedule)
        case .failure(let rejection):
            throw FieldError(field: Self.field(of: rejection.reason), reason: Self.withoutHeaderName(rejection.reason))
        }
    }

    /// A rejection's reason without the `header 'kairos-…': ` it starts with (the field names it instead).
    static func withoutHeaderName(_ reason: String) -> String {
        guard reason.hasPrefix("header '"), let end = reason.range(of: "': ") else { return reason }
        return String(reason[end.upperBound...])
    }

    /// The field a rejection is about: the one whose header its reason names (`header 'kairos-tz': ...` → `tz`).
    static func field(of reason: String) -> String {
        let fields: [(String, String)] = [
            (KairosHeader.httpHeaderPrefix, "http.headers"), (KairosHeader.targetPartition, "partition"),
            (KairosHeader.targetKey, "key"), (KairosHeader.target, "target"), (KairosHeader.at, "at"),
            (KairosHeader.delay, "delay"), (KairosHeader.cronDialect, "dialect"), (KairosHeader.cron, "cron"), (KairosHeader.every, "every"),
            (KairosHeader.zone, "tz"), (KairosHeader.start, "start"), (KairosHeader.end, "end"),
            (KairosHeader.limit, "limit"), (KairosHeader.window, "window"), (KairosHeader.misfire, "misfire"),
            (KairosHeader.excludeCron, "excludeCron"), (KairosHeader.exclude, "exclude"),
            (KairosHeader.httpMethod, "http.method"), (KairosHeader.retryMax, "retry.max"),
            (KairosHeader.retryBackoff, "retry.backoff"), ("kairos-http-", "http"),
        ]
        for (header, field) in fields where reason.contains("'\(header)") || reason.hasPrefix(header) {
            return field
        }
        if reason.contains("payload") { return "payload" }
        if reason.contains("key") || reason.contains("schedule id") { return "id" }
        if reason.contains("target") { return "target" }
        return "body"
    }

    /// The spec that describes `schedule` as it is stored: what `GET` shows and `kairosctl apply` compares with.
    public init(describing schedule: Schedule) {
        switch schedule.target {
        case .kafka(let topic):
            target = topic
            key = schedule.targetKey.map { String(decoding: $0, as: UTF8.self) }
            partition = schedule.targetPartition
        case .http(let http):
            target = http.url
            self.http = HTTP(
                method: http.method,
                headers: http.headers.isEmpty
                    ? nil : http.headers.map { Header(name: $0.name, value: $0.value.map { String(decoding: $0, as: UTF8.self) }) })
            if schedule.retryMax != nil || schedule.retryBackoffMillis != nil {
                retry = Retry(max: schedule.retryMax, backoff: schedule.retryBackoffMillis.map { "\($0)ms" })
            }
        }
        id = schedule.id
        if let recurrence = schedule.recurrence {
            switch recurrence.kind {
            case .cron: cron = recurrence.expression
            case .quartzCron:
                cron = recurrence.expression
                dialect = CronDialect.quartz.rawValue
            case .every: every = recurrence.expression
            }
            tz = recurrence.zone == "UTC" ? nil : recurrence.zone
            start = recurrence.start.map { .text(TimestampFormat.format($0)) }
            end = recurrence.end.map { .text(TimestampFormat.format($0)) }
            limit = recurrence.limit
            misfire = recurrence.misfireGraceMillis == nil ? nil : "skip"
            exclude = recurrence.excludedDates.map { $0.split(separator: ",").map(String.init) }
            excludeCron = recurrence.excludedCron
        } else {
            at = .text(TimestampFormat.format(schedule.scheduledFor))
        }
        window = schedule.windowMillis.map { "\($0)ms" }
        if !schedule.payload.isEmpty {
            payload =
                String(validating: schedule.payload, as: UTF8.self).map { Payload(text: $0) }
                ?? Payload(base64: Data(schedule.payload).base64EncodedString())
        }
        headers =
            schedule.headers.isEmpty
            ? nil : schedule.headers.map { Header(name: $0.name, value: $0.value.map { String(decoding: $0, as: UTF8.self) }) }
    }
}

/// Any JSON value, kept as it was given, for payloads written as JSON.
public indirect enum JSONValue: Codable, Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case integer(Int64)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// Compact JSON with object keys sorted, so the same value always gives the same bytes.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        append(to: &out)
        return out
    }

    private func append(to out: inout [UInt8]) {
        switch self {
        case .null: out += Array("null".utf8)
        case .bool(let value): out += Array((value ? "true" : "false").utf8)
        case .integer(let value): out += Array(String(value).utf8)
        case .number(let value):
            out += Array((value.isFinite ? "\(value)" : "null").utf8)
        case .string(let value): JSONText.appendQuoted(value, to: &out)
        case .array(let values):
            out.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                value.append(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONText.appendQuoted(key, to: &out)
                out.append(UInt8(ascii: ":"))
                members[key]?.append(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}
