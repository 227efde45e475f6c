import CRocksDB

extension Array where Element == UInt8 {
    /// Calls `body` with a non-null C pointer to the bytes and their count. An empty array
    /// gets a pointer to a dummy byte with count 0, so RocksDB never sees a null slice.
    func withCBytes<R>(_ body: (UnsafePointer<CChar>, Int) throws -> R) rethrows -> R {
        try withUnsafeBufferPointer { buffer in
            if let base = buffer.baseAddress, !buffer.isEmpty {
                return try base.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                    try body($0, buffer.count)
                }
            }
            let dummy: CChar = 0
            return try withUnsafePointer(to: dummy) { try body($0, 0) }
        }
    }

    /// Copies `count` bytes starting at `pointer` (an empty array if `pointer` is null).
    init(copying pointer: UnsafePointer<CChar>?, count: Int) {
        guard let pointer, count > 0 else {
            self = []
            return
        }
        self = Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// A heap copy of the bytes that the caller must deallocate; never zero-sized, so
    /// its base address is valid even for an empty array.
    func allocatedCCopy() -> UnsafeMutableBufferPointer<CChar> {
        let copy = UnsafeMutableBufferPointer<CChar>.allocate(capacity: Swift.max(count, 1))
        copy.initialize(repeating: 0)
        for (index, byte) in enumerated() {
            copy[index] = CChar(bitPattern: byte)
        }
        return copy
    }
}
