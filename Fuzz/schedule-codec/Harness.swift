// Fuzz target: the stored form of a schedule (RocksDB values and changelog records). The input is the stored
// bytes. Bytes that decode must encode to bytes that decode to the same schedule, and encoding that is stable.
import KairosWire
import ScheduleModel

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let schedule = try? ScheduleCodec.decode(bytes) else { return 0 }
    let encoded = ScheduleCodec.encode(schedule)
    let again: Schedule
    do {
        again = try ScheduleCodec.decode(encoded)
    } catch {
        fatalError("a decoded schedule encodes to bytes that do not decode: \(error)")
    }
    if again != schedule {
        fatalError("a decoded schedule encodes to a different schedule:\n\(schedule)\n\(again)")
    }
    if ScheduleCodec.encode(again) != encoded {
        fatalError("encoding a decoded schedule is not stable")
    }
    return 0
}
