/// A flexible window (`kairos-window`): each occurrence fires at a pseudo-random but
/// deterministic offset in `[0, width)` after its nominal instant.
///
/// The offset depends only on the schedule id bytes and the occurrence number, through
/// FNV-1a 64 followed by the SplitMix64 finaliser (never Swift's per-process `Hasher`),
/// so every process and every restore computes the same moment.
public struct FlexibleWindow: Sendable, Hashable {
    /// Window width in milliseconds; 0 means no spreading.
    public let widthMillis: Int64

    /// A window `widthMillis` wide; throws when negative.
    public init(widthMillis: Int64) throws(ScheduleValueError) {
        guard widthMillis >= 0 else {
            throw ScheduleValueError("The window \(widthMillis) ms is negative; a window must be zero or longer.")
        }
        self.widthMillis = widthMillis
    }

    /// A window from a duration text such as `5m` or `PT30S` (a day counts 24 hours).
    public init(parsing text: String) throws(ScheduleValueError) {
        let duration = try ScheduleDuration(parsing: text)
        guard let millis = duration.fixedMilliseconds else {
            throw ScheduleValueError("The window '\(text)' uses months or years, which have no fixed length; use d, h, m, s or ms.")
        }
        try self.init(widthMillis: millis)
    }

    /// The offset in `[0, widthMillis)` for occurrence `occurrenceNumber` of schedule `scheduleID`.
    public func offset(scheduleID: [UInt8], occurrenceNumber: Int64) -> Int64 {
        guard widthMillis > 0 else { return 0 }
        let hash = FlexibleWindow.stableHash(scheduleID: scheduleID, occurrenceNumber: occurrenceNumber)
        return Int64(hash.multipliedFullWidth(by: UInt64(widthMillis)).high)
    }

    /// The offset for a schedule id given as a string (its UTF-8 bytes).
    public func offset(scheduleID: String, occurrenceNumber: Int64) -> Int64 {
        offset(scheduleID: Array(scheduleID.utf8), occurrenceNumber: occurrenceNumber)
    }

    /// FNV-1a 64 over the id bytes then the number's 8 little-endian bytes, mixed by the
    /// SplitMix64 finaliser. Stable across processes, platforms and versions.
    public static func stableHash(scheduleID: [UInt8], occurrenceNumber: Int64) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in scheduleID {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        var number = UInt64(bitPattern: occurrenceNumber)
        for _ in 0..<8 {
            hash ^= number & 0xff
            hash = hash &* 0x0000_0100_0000_01b3
            number >>= 8
        }
        var z = hash &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
