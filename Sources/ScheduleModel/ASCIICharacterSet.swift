/// A set of ASCII characters as a 128-bit map, for validating names byte by byte without building a `Set` per call.
public struct ASCIICharacterSet: Sendable {
    private var low: UInt64 = 0
    private var high: UInt64 = 0

    /// The ASCII characters of `members`; any other character in it is ignored.
    public init(_ members: String) {
        for byte in members.utf8 where byte < 128 {
            if byte < 64 { low |= 1 << UInt64(byte) } else { high |= 1 << UInt64(byte - 64) }
        }
    }

    public func contains(_ byte: UInt8) -> Bool {
        byte < 64 ? low & (1 << UInt64(byte)) != 0 : byte < 128 && high & (1 << UInt64(byte - 64)) != 0
    }

    /// Whether every character of `text` is in the set (true for an empty text).
    public func containsAll<S: StringProtocol>(_ text: S) -> Bool {
        text.utf8.allSatisfy(contains)
    }

    /// Letters, digits, '.', '_' and '-': Kafka topic names.
    public static let topicName = ASCIICharacterSet("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
    /// Letters, digits, '.', '-' and '_': DNS host names as URLs carry them.
    public static let hostName = ASCIICharacterSet("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_")
    /// The lower-case HTTP token characters (RFC 9110) allowed in a header name.
    public static let headerName = ASCIICharacterSet("abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~")
}
