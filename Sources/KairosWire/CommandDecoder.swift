import ScheduleModel

/// Decodes and validates records of the `commands` topic (see the wire contract).
public struct CommandDecoder: Sendable {
    public var policy: CommandPolicy

    public init(policy: CommandPolicy) {
        self.policy = policy
    }

    static let maxKeyBytes = 256

    public func decode(_ record: CommandRecord) -> Result<Command, CommandRejection> {
        Result { () throws(CommandRejection) in try decodeOrThrow(record) }
    }

    private func decodeOrThrow(_ record: CommandRecord) throws(CommandRejection) -> Command {
        guard let key = record.key, !key.isEmpty else {
            throw CommandRejection("the record has no key; the key is the schedule id (1-256 bytes of UTF-8)")
        }
        guard key.count <= Self.maxKeyBytes else {
            throw CommandRejection("the key is \(key.count) bytes; a schedule id is at most 256 bytes")
        }
        guard let id = String(validating: key, as: UTF8.self) else {
            throw CommandRejection("the key is not valid UTF-8; a schedule id is 1-256 bytes of UTF-8")
        }
        guard let payload = record.value else {
            return .cancel(id: id)
        }
        guard payload.count <= policy.maxPayloadBytes else {
            throw CommandRejection(
                "the payload is \(payload.count) bytes, over the limit of \(policy.maxPayloadBytes) bytes")
        }

        var controls: [String: String] = [:]
        var passThrough: [ScheduleHeader] = []
        for header in record.headers {
            let lowered = header.name.lowercased()
            guard lowered.hasPrefix(KairosHeader.prefix) else {
                passThrough.append(header)
                continue
            }
            guard header.name == lowered else {
                throw CommandRejection("header '\(header.name)' must be written in lower case ('\(lowered)')")
            }
            guard KairosHeader.commandHeaders.contains(lowered) || lowered.hasPrefix(KairosHeader.httpHeaderPrefix)
            else {
                throw CommandRejection("unknown header '\(header.name)'; Kairos headers are listed in topics/README.md")
            }
            guard controls[lowered] == nil else {
                throw CommandRejection("header '\(lowered)' appears more than once")
            }
            guard let bytes = header.value else {
                throw CommandRejection("header '\(lowered)' has no value")
            }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw CommandRejection("header '\(lowered)' is not valid UTF-8")
            }
            controls[lowered] = text
        }
        if let action = controls[KairosHeader.action] {
            return try Self.action(action, id: id, payload: payload, controls: controls)
        }

        // The base of kairos-delay, of an interval's anchor and of an immediate firing; Kafka lets a producer
        // write any 64-bit timestamp (or kairos-forwarded-timestamp), so it is checked like a header's instant.
        guard TimestampFormat.supported.contains(record.timestamp) else {
            throw CommandRejection(
                "the record's timestamp \(record.timestamp) is out of range; it is epoch milliseconds from \(TimestampFormat.supported.lowerBound) to \(TimestampFormat.supported.upperBound) (years 0000-9999)")
        }
        let timing = KairosHeader.timeHeaders.filter { controls[$0] != nil }
        guard timing.count <= 1 else {
            throw CommandRejection(
                "headers \(timing.joined(separator: " and ")) both give a time; use at most one of "
                    + KairosHeader.timeHeaders.joined(separator: ", "))
        }
        var windowMillis: Int64?
        if let text = controls[KairosHeader.window] {
            do {
                windowMillis = try FlexibleWindow(parsing: text).widthMillis
            } catch {
                throw CommandRejection("header 'kairos-window': \(error.message)")
            }
        }
        var recurrence: RecurrenceSpec?
        var first: Occurrence
        if let dialect = controls[KairosHeader.cronDialect], timing.first != KairosHeader.cron {
            throw CommandRejection(
                "header 'kairos-cron-dialect': '\(dialect)' applies to kairos-cron schedules only; this command has "
                    + (timing.first.map { "'\($0)'" } ?? "no kairos-cron"))
        }
        if let header = timing.first, var kind = Self.recurrenceKinds[header] {
            if let text = controls[KairosHeader.cronDialect] {
                do {
                    kind = try CronDialect(naming: text) == .quartz ? .quartzCron : .cron
                } catch {
                    throw CommandRejection("header 'kairos-cron-dialect': \(error.message)")
                }
            }
            let spec = try recurrenceSpec(kind: kind, header: header, controls: controls, anchor: record.timestamp)
            do {
                first = try spec.firstOccurrence().1
            } catch {
                throw CommandRejection("header '\(header)': \(error.message)")
            }
            recurrence = spec
        } else {
            if let misplaced = KairosHeader.recurringOnly.first(where: { controls[$0] != nil }) {
                throw CommandRejection("header '\(misplaced)' applies to kairos-cron and kairos-every schedules only")
            }
            if let at = controls[KairosHeader.at] {
                first = Occurrence(number: 1, instant: try Self.instant(at, header: KairosHeader.at))
            } else if let delay = controls[KairosHeader.delay] {
                let (instant, overflow) = record.timestamp.addingReportingOverflow(
                    try Self.fixedDuration(delay, header: KairosHeader.delay))
                guard !overflow, TimestampFormat.supported.contains(instant) else {
                    throw CommandRejection("header 'kairos-delay': '\(delay)' ends after 9999-12-31T23:59:59.999Z")
                }
                first = Occurrence(number: 1, instant: instant)
            } else {
                first = Occurrence(number: 1, instant: record.timestamp)
            }
        }

        guard let targetText = controls[KairosHeader.target], !targetText.isEmpty else {
            throw CommandRejection("header 'kairos-target' is missing; name a topic, kafka:TOPIC or an http(s) URL")
        }
        var target = try parseTarget(targetText)
        let httpHeaderNames = controls.keys.filter { $0.hasPrefix(KairosHeader.httpHeaderPrefix) }
        var retryMax: Int?
        var retryBackoffMillis: Int64?
        if case .http(var http) = target {
            for name in [KairosHeader.targetKey, KairosHeader.targetPartition] where controls[name] != nil {
                throw CommandRejection("header '\(name)' applies to Kafka targets only; the target is a URL")
            }
            http.method = try Self.httpMethod(controls[KairosHeader.httpMethod] ?? "POST")
            // In command order, so that a receiver sees them as the producer wrote them.
            for header in record.headers where header.name.hasPrefix(KairosHeader.httpHeaderPrefix) {
                let name = String(header.name.dropFirst(KairosHeader.httpHeaderPrefix.count))
                let value = controls[header.name] ?? ""
                try Self.validateHTTPHeader(name: name, value: value)
                http.headers.append(ScheduleHeader(name: name, value: Array(value.utf8)))
            }
            target = .http(http)
            retryMax =
                try controls[KairosHeader.retryMax].map { (text) throws(CommandRejection) in
                    try Self.integer(text, header: KairosHeader.retryMax, in: 1...100, "a number of attempts")
                } ?? policy.defaultRetryMax
            retryBackoffMillis =
                try controls[KairosHeader.retryBackoff].map { (text) throws(CommandRejection) in
                    let millis = try Self.fixedDuration(text, header: KairosHeader.retryBackoff)
                    guard (1...86_400_000).contains(millis) else {
                        throw CommandRejection("header 'kairos-retry-backoff': '\(text)' is not between 1ms and 1d")
                    }
                    return millis
                } ?? policy.defaultRetryBackoffMillis
        } else {
            if controls[KairosHeader.httpMethod] != nil || !httpHeaderNames.isEmpty {
                throw CommandRejection("kairos-http-* headers apply to HTTP targets only; the target is a Kafka topic")
            }
            // Valid but without effect: the producer retries transient Kafka errors itself, and a record Kafka
            // refuses for good is dead-lettered at once.
            if let text = controls[KairosHeader.retryMax] {
                _ = try Self.integer(text, header: KairosHeader.retryMax, in: 1...100, "a number of attempts")
            }
            if let text = controls[KairosHeader.retryBackoff] {
                _ = try Self.fixedDuration(text, header: KairosHeader.retryBackoff)
            }
        }

        let targetPartition = try controls[KairosHeader.targetPartition].map { (text) throws(CommandRejection) in
            try Self.integer(text, header: KairosHeader.targetPartition, in: Int32(0)...Int32.max, "a partition number")
        }
        let targetKey = record.headers.first { $0.name == KairosHeader.targetKey }?.value
        var schedule = Schedule(
            id: id, target: target, targetKey: targetKey, targetPartition: targetPartition, payload: payload,
            headers: passThrough, scheduledFor: first.instant, occurrence: first.number, sourceOffset: record.offset,
            recurrence: recurrence, windowMillis: windowMillis, retryMax: retryMax,
            retryBackoffMillis: retryBackoffMillis)
        schedule.fireAt = schedule.dueTime(of: first)
        return .schedule(schedule)
    }

    /// A lifecycle command (`kairos-action`): an empty value and no other Kairos header but where it was forwarded
    /// from.
    private static func action(_ text: String, id: String, payload: [UInt8], controls: [String: String])
        throws(CommandRejection) -> Command
    {
        let command: Command
        switch text.lowercased() {
        case "pause": command = .pause(id: id)
        case "resume": command = .resume(id: id)
        case "trigger": command = .trigger(id: id)
        default:
            throw CommandRejection(
                "header 'kairos-action': '\(text)' is not one of pause, resume, trigger")
        }
        if let other = controls.keys.sorted().first(where: {
            $0 != KairosHeader.action && !KairosHeader.forwardingHeaders.contains($0)
        }) {
            throw CommandRejection(
                "header '\(other)' has no meaning with kairos-action; a \(text.lowercased()) command carries only the id")
        }
        guard payload.isEmpty else {
            throw CommandRejection(
                "a kairos-action command has an empty value; this one has \(payload.count) bytes (a payload belongs to a schedule command)")
        }
        return command
    }

    static let recurrenceKinds: [String: RecurrenceSpec.Kind] = [KairosHeader.cron: .cron, KairosHeader.every: .every]

    private func recurrenceSpec(
        kind: RecurrenceSpec.Kind, header: String, controls: [String: String], anchor: Int64
    ) throws(CommandRejection) -> RecurrenceSpec {
        func instant(_ name: String) throws(CommandRejection) -> Int64? {
            guard let text = controls[name] else { return nil }
            return try Self.instant(text, header: name)
        }
        let limit = try controls[KairosHeader.limit].map { (text) throws(CommandRejection) in
            try Self.integer(text, header: KairosHeader.limit, in: 1...Int64.max, "a number of firings")
        }
        var grace: Int64?
        switch controls[KairosHeader.misfire]?.lowercased() {
        case nil, "fire": grace = nil
        case "skip": grace = policy.misfireGraceMillis
        case let other?:
            throw CommandRejection("header 'kairos-misfire': '\(other)' is neither 'fire' nor 'skip'")
        }
        let zone = controls[KairosHeader.zone] ?? "UTC"
        do {
            _ = try TimeZoneRules.named(zone)
        } catch {
            throw CommandRejection("header 'kairos-tz': \(error)")
        }
        var spec = RecurrenceSpec(
            kind: kind, expression: controls[header] ?? "", zone: zone,
            start: try instant(KairosHeader.start), end: try instant(KairosHeader.end), limit: limit, anchor: anchor,
            misfireGraceMillis: grace)
        spec.excludedDates = controls[KairosHeader.exclude]
        spec.excludedCron = controls[KairosHeader.excludeCron]
        for (name, dates, cron) in [
            (KairosHeader.exclude, spec.excludedDates, nil), (KairosHeader.excludeCron, nil, spec.excludedCron),
        ] where dates != nil || cron != nil {
            do {
                _ = try ExclusionCalendar(dates: dates, cron: cron)
            } catch {
                throw CommandRejection("header '\(name)': \(error.message)")
            }
        }
        do {
            _ = try spec.recurrence()
        } catch {
            throw CommandRejection("header '\(header)': \(error.message)")
        }
        return spec
    }

    private static func instant(_ text: String, header: String) throws(CommandRejection) -> Int64 {
        do {
            return try TimestampFormat.parse(text)
        } catch {
            throw CommandRejection("header '\(header)': \(error.message)")
        }
    }

    private static func integer<T: FixedWidthInteger>(
        _ text: String, header: String, in range: ClosedRange<T>, _ noun: String
    ) throws(CommandRejection) -> T {
        guard let value = T(text), range.contains(value) else {
            let bounds =
                range.upperBound == T.max ? "\(range.lowerBound) or more" : "\(range.lowerBound)...\(range.upperBound)"
            throw CommandRejection("header '\(header)': '\(text)' is not \(noun) (\(bounds))")
        }
        return value
    }

    /// A duration of fixed length (a day counts 24 hours; months and years are refused), in milliseconds.
    private static func fixedDuration(_ text: String, header: String) throws(CommandRejection) -> Int64 {
        let duration: ScheduleDuration
        do {
            duration = try ScheduleDuration(parsing: text)
        } catch {
            throw CommandRejection("header '\(header)': \(error.message)")
        }
        guard let milliseconds = duration.fixedMilliseconds, milliseconds >= 0 else {
            throw CommandRejection("header '\(header)': '\(text)' has no fixed length; use s, m, h, d or w units")
        }
        return milliseconds
    }

    private func parseTarget(_ text: String) throws(CommandRejection) -> ScheduleTarget {
        let lowered = text.lowercased()
        if lowered.hasPrefix("http://") || lowered.hasPrefix("https://") {
            let url: HTTPURL
            do {
                url = try HTTPURL(parsing: text)
            } catch {
                throw CommandRejection("target '\(text)': \(error.message)")
            }
            if let refusal = policy.httpHosts.refusal(host: url.host) {
                throw CommandRejection("target '\(text)': \(refusal)")
            }
            return .http(HTTPTarget(url: text, host: url.host))
        }
        let topic = lowered.hasPrefix("kafka:") ? String(text.dropFirst("kafka:".count)) : text
        guard !topic.isEmpty, topic.utf8.count <= 249, topic != ".", topic != "..",
            ASCIICharacterSet.topicName.containsAll(topic)
        else {
            throw CommandRejection(
                "target '\(text)' is not a valid topic name (1-249 of a-z A-Z 0-9 . _ -) or an http(s) URL")
        }
        if topic.hasPrefix("__") {
            throw CommandRejection("target '\(topic)' is a Kafka internal topic and can never be a target")
        }
        if policy.forbiddenTopics.contains(topic) {
            throw CommandRejection("target '\(topic)' is one of Kairos's own topics and can never be a target")
        }
        guard policy.allowedTargets.contains(where: { Self.matches(topic, pattern: $0) }) else {
            throw CommandRejection(
                "target '\(topic)' is not allowed; allowed targets: \(policy.allowedTargets.joined(separator: ", "))")
        }
        return .kafka(topic: topic)
    }

    /// Methods a webhook may use; CONNECT and TRACE are never sent.
    static let httpMethods: Set<String> = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

    private static func httpMethod(_ text: String) throws(CommandRejection) -> String {
        let method = text.uppercased()
        guard httpMethods.contains(method) else {
            throw CommandRejection(
                "header 'kairos-http-method': '\(text)' is not one of \(httpMethods.sorted().joined(separator: ", "))")
        }
        return method
    }

    /// Headers Kairos sets itself or that would corrupt the request.
    static let reservedHTTPHeaders: Set<String> = [
        "idempotency-key", "host", "content-length", "transfer-encoding", "connection", "upgrade", "te", "trailer",
        "keep-alive", "expect",
    ]

    private static func validateHTTPHeader(name: String, value: String) throws(CommandRejection) {
        guard !name.isEmpty, ASCIICharacterSet.headerName.containsAll(name) else {
            throw CommandRejection("header 'kairos-http-header-\(name)': '\(name)' is not a valid HTTP header name")
        }
        guard !reservedHTTPHeaders.contains(name), !name.hasPrefix(KairosHeader.prefix) else {
            throw CommandRejection("header 'kairos-http-header-\(name)': Kairos sets '\(name)' itself")
        }
        guard !value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\u{0}" }) else {
            throw CommandRejection("header 'kairos-http-header-\(name)': the value contains a line break or NUL")
        }
    }

    /// Glob match where `*` matches any run of characters (greedy with backtracking to the last star).
    static func matches(_ text: String, pattern: String) -> Bool {
        let text = Array(text.utf8)
        let pattern = Array(pattern.utf8)
        var t = 0
        var p = 0
        var star: Int?
        var resume = 0
        while t < text.count {
            if p < pattern.count && pattern[p] == UInt8(ascii: "*") {
                star = p
                p += 1
                resume = t
            } else if p < pattern.count && pattern[p] == text[t] {
                p += 1
                t += 1
            } else if let star {
                p = star + 1
                resume += 1
                t = resume
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }
}
