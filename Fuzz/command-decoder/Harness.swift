// Fuzz target: records of the `commands` topic. The input is a record written as lines:
//
//     <timestamp, epoch milliseconds; anything else stands for 2026-06-01>
//     <key; an empty line is no key>
//     <header name>: <value>       (one line each; a line without ':' is a header without a value)
//     <empty line>
//     <value: every byte to the end; without the empty line above, the record is a tombstone>
//
// Each record is decoded under the engine's default policy and under the permissive policy clients check with.
// A schedule it decodes to must be for the record's key, and must survive the stored form unchanged.
import KairosWire
import ScheduleModel

let policies = [CommandPolicy(), CommandPolicy.permissive(topics: KairosTopics(prefix: "kairos"))]

func record(from bytes: ArraySlice<UInt8>) -> CommandRecord {
    var rest = bytes
    func line() -> ArraySlice<UInt8>? {
        guard !rest.isEmpty else { return nil }
        guard let end = rest.firstIndex(of: 0x0A) else {
            defer { rest = rest[rest.endIndex...] }
            return rest
        }
        defer { rest = rest[(end + 1)...] }
        return rest[..<end]
    }
    let timestamp = line().flatMap { Int64(String(decoding: $0, as: UTF8.self)) } ?? 1_780_272_000_000
    let key = line().flatMap { $0.isEmpty ? nil : Array($0) }
    var headers: [ScheduleHeader] = []
    var value: [UInt8]?
    while let header = line() {
        if header.isEmpty {
            value = Array(rest)
            break
        }
        guard let colon = header.firstIndex(of: UInt8(ascii: ":")) else {
            headers.append(ScheduleHeader(name: String(decoding: header, as: UTF8.self), value: nil))
            continue
        }
        var text = header[(colon + 1)...]
        if text.first == UInt8(ascii: " ") { text = text.dropFirst() }
        headers.append(ScheduleHeader(name: String(decoding: header[..<colon], as: UTF8.self), value: Array(text)))
    }
    return CommandRecord(key: key, value: value, headers: headers, timestamp: timestamp, offset: 42)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let command = record(from: ArraySlice(UnsafeBufferPointer(start: data, count: size)))
    for policy in policies {
        guard case .success(let decoded) = CommandDecoder(policy: policy).decode(command) else { continue }
        if decoded.id != command.id {
            fatalError("a command keyed \(String(describing: command.id)) decodes for id \(decoded.id)")
        }
        guard case .schedule(let schedule) = decoded else { continue }
        let stored: Schedule
        do {
            stored = try ScheduleCodec.decode(ScheduleCodec.encode(schedule))
        } catch {
            fatalError("a decoded schedule's stored form does not decode: \(error)")
        }
        if stored != schedule {
            fatalError("a decoded schedule changes in its stored form:\n\(schedule)\n\(stored)")
        }
    }
    return 0
}
