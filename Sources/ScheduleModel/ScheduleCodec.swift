/// The binary form of a `Schedule`, as stored in RocksDB and in the changelog topic.
///
/// Layout (version 1): version byte, then fields in a fixed order; strings and byte arrays are a 32-bit big-endian
/// length (0xFFFFFFFF for nil) followed by the bytes; integers are big-endian.
public enum ScheduleCodec {
    static let version: UInt8 = 1

    public static func encode(_ schedule: Schedule) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + schedule.id.utf8.count + schedule.payload.count)
        out.append(version)
        appendBytes(Array(schedule.id.utf8), to: &out)
        switch schedule.target {
        case .kafka(let topic):
            out.append(0)
            appendBytes(Array(topic.utf8), to: &out)
        }
        appendBytes(schedule.targetKey, to: &out)
        if let partition = schedule.targetPartition {
            out.append(1)
            appendInteger(UInt32(bitPattern: partition), to: &out)
        } else {
            out.append(0)
        }
        appendBytes(schedule.payload, to: &out)
        appendInteger(UInt32(schedule.headers.count), to: &out)
        for header in schedule.headers {
            appendBytes(Array(header.name.utf8), to: &out)
            appendBytes(header.value, to: &out)
        }
        appendInteger(UInt64(bitPattern: schedule.scheduledFor), to: &out)
        appendInteger(UInt64(bitPattern: schedule.occurrence), to: &out)
        appendInteger(UInt64(bitPattern: schedule.sourceOffset), to: &out)
        return out
    }

    /// Decodes what `encode` wrote; throws on truncated or unknown data.
    public static func decode(_ bytes: [UInt8]) throws(ScheduleCodecError) -> Schedule {
        var reader = Reader(bytes: bytes)
        guard try reader.byte() == version else { throw ScheduleCodecError(message: "unknown schedule version") }
        let id = try reader.string()
        let target: ScheduleTarget
        switch try reader.byte() {
        case 0: target = .kafka(topic: try reader.string())
        default: throw ScheduleCodecError(message: "unknown target kind")
        }
        let targetKey = try reader.optionalBytes()
        let targetPartition: Int32? = try reader.byte() == 1 ? Int32(bitPattern: try reader.uint32()) : nil
        let payload = try reader.optionalBytes() ?? []
        let headerCount = Int(try reader.uint32())
        var headers: [ScheduleHeader] = []
        headers.reserveCapacity(min(headerCount, 1_024))
        for _ in 0..<headerCount {
            headers.append(ScheduleHeader(name: try reader.string(), value: try reader.optionalBytes()))
        }
        return Schedule(
            id: id, target: target, targetKey: targetKey, targetPartition: targetPartition, payload: payload,
            headers: headers, scheduledFor: Int64(bitPattern: try reader.uint64()),
            occurrence: Int64(bitPattern: try reader.uint64()), sourceOffset: Int64(bitPattern: try reader.uint64()))
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

        mutating func optionalBytes() throws(ScheduleCodecError) -> [UInt8]? {
            let length = try uint32()
            if length == UInt32.max { return nil }
            guard position + Int(length) <= bytes.count else {
                throw ScheduleCodecError(message: "truncated schedule")
            }
            defer { position += Int(length) }
            return Array(bytes[position..<(position + Int(length))])
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
