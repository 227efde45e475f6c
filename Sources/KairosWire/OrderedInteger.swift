/// A 64-bit integer as 8 bytes whose byte-wise order is the numeric order: big-endian with the sign bit flipped.
/// Used where the bytes are compared (store index keys) and where the changelog carries an offset.
public enum OrderedInteger {
    public static func encode(_ value: Int64) -> [UInt8] {
        let flipped = UInt64(bitPattern: value) ^ (1 << 63)
        return (0..<8).map { UInt8(truncatingIfNeeded: flipped >> (56 - 8 * $0)) }
    }

    /// The value of 8 bytes from `encode`; nil for any other length.
    public static func decode<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Int64? {
        guard bytes.count == 8 else { return nil }
        let raw = bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Int64(bitPattern: raw ^ (1 << 63))
    }
}
