/// Reads TZif files (RFC 8536), versions 1 to 4, into a ``TransitionTable`` plus the
/// POSIX footer. Version 2+ files are read from their 64-bit section.
enum TZifParser {
    struct Parsed {
        var table: TransitionTable
        var footer: String
    }

    struct Failure: Error {
        let reason: String
    }

    /// UT offsets a local time type may have (RFC 8536, 3.2: from -25 to +26 hours, exclusive).
    static let offsets: ClosedRange<Int32> = -89_999...93_599
    /// Transition times, in seconds: from -2^59 (the earliest the RFC asks readers to accept, which zic writes as the
    /// start of time) to 2^59, so that adding an offset or a year's length never leaves Int64.
    static let instants: ClosedRange<Int64> = -(1 << 59)...(1 << 59)

    static func parse(_ bytes: [UInt8]) throws(Failure) -> Parsed {
        var position = 0
        func need(_ count: Int) throws(Failure) {
            guard count >= 0, position + count <= bytes.count else { throw Failure(reason: "the file is truncated") }
        }
        func u32(at p: Int) -> UInt32 {
            UInt32(bytes[p]) << 24 | UInt32(bytes[p + 1]) << 16 | UInt32(bytes[p + 2]) << 8 | UInt32(bytes[p + 3])
        }
        func i64(at p: Int) -> Int64 {
            var v: UInt64 = 0
            for k in 0..<8 { v = v << 8 | UInt64(bytes[p + k]) }
            return Int64(bitPattern: v)
        }
        func header() throws(Failure) -> (version: UInt8, counts: [Int]) {
            try need(44)
            guard bytes[position] == 0x54, bytes[position + 1] == 0x5A, bytes[position + 2] == 0x69,
                bytes[position + 3] == 0x66
            else { throw Failure(reason: "it does not start with the TZif magic") }
            let version = bytes[position + 4]
            let counts = (0..<6).map { Int(u32(at: position + 20 + 4 * $0)) }
            position += 44
            return (version, counts)
        }
        // counts: isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
        func block(_ counts: [Int], timeSize: Int) throws(Failure) -> TransitionTable {
            let (isut, isstd, leap, timecnt, typecnt, charcnt) = (counts[0], counts[1], counts[2], counts[3], counts[4], counts[5])
            guard typecnt >= 1 else { throw Failure(reason: "it has no local time types") }
            let total = timecnt * timeSize + timecnt + typecnt * 6 + charcnt + leap * (timeSize + 4) + isstd + isut
            try need(total)
            let timesAt = position
            let indicesAt = timesAt + timecnt * timeSize
            let typesAt = indicesAt + timecnt
            func offset(ofType type: Int) -> Int32 { Int32(bitPattern: u32(at: typesAt + 6 * type)) }
            for type in 0..<typecnt where !TZifParser.offsets.contains(offset(ofType: type)) {
                throw Failure(reason: "a local time type is \(offset(ofType: type)) seconds from UTC")
            }
            var table = TransitionTable(initialOffset: offset(ofType: 0))
            for i in 0..<timecnt {
                let instant = timeSize == 8 ? i64(at: timesAt + 8 * i) : Int64(Int32(bitPattern: u32(at: timesAt + 4 * i)))
                guard TZifParser.instants.contains(instant) else {
                    throw Failure(reason: "a transition time (\(instant)) is out of range")
                }
                let type = Int(bytes[indicesAt + i])
                guard type < typecnt else { throw Failure(reason: "a transition names a missing local time type") }
                table.append(instant: instant, offset: offset(ofType: type))
            }
            position += total
            return table
        }
        let first = try header()
        if first.version == 0 {
            return Parsed(table: try block(first.counts, timeSize: 4), footer: "")
        }
        // Skip the 32-bit block.
        let c = first.counts
        let v1Size = c[3] * 4 + c[3] + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0]
        try need(v1Size)
        position += v1Size
        let second = try header()
        let table = try block(second.counts, timeSize: 8)
        var footer = ""
        if position < bytes.count, bytes[position] == 0x0A {
            let start = position + 1
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            footer = String(decoding: bytes[start..<end], as: UTF8.self)
        }
        return Parsed(table: table, footer: footer)
    }
}
