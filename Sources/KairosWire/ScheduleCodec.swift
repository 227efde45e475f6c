public import ScheduleModel

/// The binary form of a `Schedule`, as stored in RocksDB and in the changelog topic.
///
/// Layout (version 5): version byte, then fields in a fixed order; strings and byte arrays are a 32-bit big-endian
/// length (0xFFFFFFFF for nil) followed by the bytes; integers are big-endian; optional integers are a presence byte
/// then the value. Versions 1 (one-shots without window), 2 (no HTTP targets, no delivery state), 3 (no pause or
/// triggers) and 4 (no exclusions) are still read.
public enum ScheduleCodec {
    static let version: UInt8 = 5

    /// A schedule is written in the oldest version that holds what it uses (3 without pause, triggers and
    /// exclusions, 4 without exclusions), which older Kairos versions still read: an upgrade can be rolled out
    /// instance by instance, and rolled back.
    static func version(of schedule: Schedule) -> UInt8 {
        if schedule.recurrence?.hasExclusions == true { return 5 }
        return schedule.pausedAt == nil && schedule.pendingTriggers.isEmpty && schedule.extraFirings == 0 ? 3 : 4
    }

    public static func encode(_ schedule: Schedule) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + schedule.id.utf8.count + schedule.payload.count)
        let written = version(of: schedule)
        out.append(written)
        appendBytes(Array(schedule.id.utf8), to: &out)
        switch schedule.target {
        case .kafka(let topic):
            out.append(0)
            appendBytes(Array(topic.utf8), to: &out)
        case .http(let http):
            out.append(1)
            appendBytes(Array(http.url.utf8), to: &out)
            appendBytes(Array(http.host.utf8), to: &out)
            appendBytes(Array(http.method.utf8), to: &out)
            appendHeaders(http.headers, to: &out)
        }
        appendBytes(schedule.targetKey, to: &out)
        if let partition = schedule.targetPartition {
            out.append(1)
            appendInteger(UInt32(bitPattern: partition), to: &out)
        } else {
            out.append(0)
        }
        appendBytes(schedule.payload, to: &out)
        appendHeaders(schedule.headers, to: &out)
        appendInteger(UInt64(bitPattern: schedule.scheduledFor), to: &out)
        appendInteger(UInt64(bitPattern: schedule.occurrence), to: &out)
        appendInteger(UInt64(bitPattern: schedule.sourceOffset), to: &out)
        appendInteger(UInt64(bitPattern: schedule.fireAt), to: &out)
        appendOptional(schedule.windowMillis, to: &out)
        appendOptional(schedule.previous?.number, to: &out)
        appendOptional(schedule.previous?.instant, to: &out)
        if let recurrence = schedule.recurrence {
            out.append(1)
            out.append(recurrence.kind.rawValue)
            appendBytes(Array(recurrence.expression.utf8), to: &out)
            appendBytes(Array(recurrence.zone.utf8), to: &out)
            appendOptional(recurrence.start, to: &out)
            appendOptional(recurrence.end, to: &out)
            appendOptional(recurrence.limit, to: &out)
            appendInteger(UInt64(bitPattern: recurrence.anchor), to: &out)
            appendOptional(recurrence.misfireGraceMillis, to: &out)
        } else {
            out.append(0)
        }
        appendInteger(UInt32(clamping: schedule.failedAttempts), to: &out)
        appendOptional(schedule.retryMax.map(Int64.init), to: &out)
        appendOptional(schedule.retryBackoffMillis, to: &out)
        appendBytes(schedule.lastError.map { Array($0.utf8) }, to: &out)
        guard written >= 4 else { return out }
        appendOptional(schedule.pausedAt, to: &out)
        appendInteger(UInt32(clamping: schedule.pendingTriggers.count), to: &out)
        for trigger in schedule.pendingTriggers {
            appendInteger(UInt64(bitPattern: trigger.requestedAt), to: &out)
            appendInteger(UInt64(bitPattern: trigger.dueAt), to: &out)
            appendInteger(UInt32(clamping: trigger.failedAttempts), to: &out)
        }
        appendInteger(UInt64(bitPattern: schedule.extraFirings), to: &out)
        guard written >= 5 else { return out }
        appendBytes(schedule.recurrence?.excludedDates.map { Array($0.utf8) }, to: &out)
        appendBytes(schedule.recurrence?.excludedCron.map { Array($0.utf8) }, to: &out)
        return out
    }

    private static func appendHeaders(_ headers: [ScheduleHeader], to out: inout [UInt8]) {
        appendInteger(UInt32(headers.count), to: &out)
        for header in headers {
            appendBytes(Array(header.name.utf8), to: &out)
            appendBytes(header.value, to: &out)
        }
    }

    private static func appendOptional(_ value: Int64?, to out: inout [UInt8]) {
        if let value {
            out.append(1)
            appendInteger(UInt64(bitPattern: value), to: &out)
        } else {
            out.append(0)
        }
    }

    /// Decodes what `encode` wrote; throws on truncated or unknown data.
    public static func decode(_ bytes: [UInt8]) throws(ScheduleCodecError) -> Schedule {
        var reader = Reader(bytes: bytes)
        let storedVersion = try reader.byte()
        guard (1...version).contains(storedVersion) else {
            throw ScheduleCodecError(message: "unknown schedule version \(storedVersion)")
        }
        let id = try reader.string()
        let target: ScheduleTarget
        switch try reader.byte() {
        case 0: target = .kafka(topic: try reader.string())
        case 1:
            target = .http(
                HTTPTarget(
                    url: try reader.string(), host: try reader.string(), method: try reader.string(),
                    headers: try reader.headers()))
        default: throw ScheduleCodecError(message: "unknown target kind")
        }
        let targetKey = try reader.optionalBytes()
        let targetPartition: Int32? = try reader.byte() == 1 ? Int32(bitPattern: try reader.uint32()) : nil
        let payload = try reader.optionalBytes() ?? []
        let headers = try reader.headers()
        var schedule = Schedule(
            id: id, target: target, targetKey: targetKey, targetPartition: targetPartition, payload: payload,
            headers: headers, scheduledFor: Int64(bitPattern: try reader.uint64()),
            occurrence: Int64(bitPattern: try reader.uint64()), sourceOffset: Int64(bitPattern: try reader.uint64()))
        guard storedVersion >= 2 else { return schedule }
        schedule.fireAt = Int64(bitPattern: try reader.uint64())
        schedule.windowMillis = try reader.optionalInteger()
        let previousNumber = try reader.optionalInteger()
        let previousInstant = try reader.optionalInteger()
        if let previousNumber, let previousInstant {
            schedule.previous = Occurrence(number: previousNumber, instant: previousInstant)
        }
        if try reader.byte() == 1 {
            guard let kind = RecurrenceSpec.Kind(rawValue: try reader.byte()) else {
                throw ScheduleCodecError(message: "unknown recurrence kind")
            }
            schedule.recurrence = RecurrenceSpec(
                kind: kind, expression: try reader.string(), zone: try reader.string(),
                start: try reader.optionalInteger(), end: try reader.optionalInteger(),
                limit: try reader.optionalInteger(), anchor: Int64(bitPattern: try reader.uint64()),
                misfireGraceMillis: try reader.optionalInteger())
        }
        guard storedVersion >= 3 else { return schedule }
        schedule.failedAttempts = Int(try reader.uint32())
        schedule.retryMax = try reader.optionalInteger().map { Int(clamping: $0) }
        schedule.retryBackoffMillis = try reader.optionalInteger()
        schedule.lastError = try reader.optionalBytes().map { String(decoding: $0, as: UTF8.self) }
        guard storedVersion >= 4 else { return schedule }
        schedule.pausedAt = try reader.optionalInteger()
        let triggers = Int(try reader.uint32())
        schedule.pendingTriggers.reserveCapacity(min(triggers, 1_024))
        for _ in 0..<triggers {
            schedule.pendingTriggers.append(
                PendingTrigger(
                    requestedAt: Int64(bitPattern: try reader.uint64()), dueAt: Int64(bitPattern: try reader.uint64()),
                    failedAttempts: Int(try reader.uint32())))
        }
        schedule.extraFirings = Int64(bitPattern: try reader.uint64())
        guard storedVersion >= 5 else { return schedule }
        let dates = try reader.optionalBytes().map { String(decoding: $0, as: UTF8.self) }
        let cron = try reader.optionalBytes().map { String(decoding: $0, as: UTF8.self) }
        schedule.recurrence?.excludedDates = dates
        schedule.recurrence?.excludedCron = cron
        return schedule
    }

    private static func appendInteger<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
    }

    private static func appendBytes(_ bytes: [UInt8]?, to out: inout [UInt8]) {
        guard let bytes else {
            appendInteger(UInt32.max, to: &out)
            return
        }
        appendInteger(UInt32(bytes.count), to: &out)
        out.append(contentsOf: bytes)
    }

    private struct Reader {
        let bytes: [UInt8]
        var position = 0

        mutating func byte() throws(ScheduleCodecError) -> UInt8 {
            guard position < bytes.count else { throw ScheduleCodecError(message: "truncated schedule") }
            defer { position += 1 }
            return bytes[position]
        }

        mutating func integer<T: FixedWidthInteger>(_: T.Type) throws(ScheduleCodecError) -> T {
            let size = MemoryLayout<T>.size
            guard position + size <= bytes.count else { throw ScheduleCodecError(message: "truncated schedule") }
            var value: T = 0
            for index in position..<(position + size) {
                value = value << 8 | T(bytes[index])
            }
            position += size
            return value
        }

        mutating func uint32() throws(ScheduleCodecError) -> UInt32 { try integer(UInt32.self) }
        mutating func uint64() throws(ScheduleCodecError) -> UInt64 { try integer(UInt64.self) }

        mutating func optionalInteger() throws(ScheduleCodecError) -> Int64? {
            try byte() == 1 ? Int64(bitPattern: try uint64()) : nil
        }

        mutating func optionalBytes() throws(ScheduleCodecError) -> [UInt8]? {
            let length = try uint32()
            if length == UInt32.max { return nil }
            guard position + Int(length) <= bytes.count else {
                throw ScheduleCodecError(message: "truncated schedule")
            }
            defer { position += Int(length) }
            return Array(bytes[position..<(position + Int(length))])
        }

        mutating func headers() throws(ScheduleCodecError) -> [ScheduleHeader] {
            let count = Int(try uint32())
            var headers: [ScheduleHeader] = []
            headers.reserveCapacity(min(count, 1_024))
            for _ in 0..<count {
                headers.append(ScheduleHeader(name: try string(), value: try optionalBytes()))
            }
            return headers
        }

        mutating func string() throws(ScheduleCodecError) -> String {
            String(decoding: try optionalBytes() ?? [], as: UTF8.self)
        }
    }
}

/// Stored schedule bytes that cannot be decoded.
public struct ScheduleCodecError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
