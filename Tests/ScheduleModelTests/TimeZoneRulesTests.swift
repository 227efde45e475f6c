import ScheduleModel
import Testing

@Suite struct TimeZoneRulesTests {
    typealias S = TestSupport

    @Test func berlinGapResolvesToGapEnd() {
        let berlin = S.zone("Europe/Berlin")
        let local = LocalDateTime(year: 2026, month: 3, day: 29, hour: 2, minute: 30)
        #expect(berlin.resolve(local) == .skipped(gapEnd: S.at("2026-03-29T01:00:00Z")))
        #expect(berlin.instant(for: local) == S.at("2026-03-29T03:00:00+02:00"))
    }

    @Test func berlinOverlapResolvesToFirst() {
        let berlin = S.zone("Europe/Berlin")
        let local = LocalDateTime(year: 2026, month: 10, day: 25, hour: 2, minute: 30)
        #expect(berlin.resolve(local) == .repeated(first: S.at("2026-10-25T00:30:00Z"), second: S.at("2026-10-25T01:30:00Z")))
        #expect(berlin.instant(for: local) == S.at("2026-10-25T00:30:00Z"))
    }

    static let offsets: [(String, String, Int)] = [
        ("Europe/Berlin", "2026-01-15T12:00:00Z", 3600), ("Europe/Berlin", "2026-07-15T12:00:00Z", 7200),
        ("America/New_York", "2026-01-15T12:00:00Z", -18000), ("America/New_York", "2026-07-15T12:00:00Z", -14400),
        ("Australia/Lord_Howe", "2026-01-15T12:00:00Z", 39600), ("Australia/Lord_Howe", "2026-07-15T12:00:00Z", 37800),
        ("Australia/Sydney", "2026-01-15T12:00:00Z", 39600), ("Australia/Sydney", "2026-07-15T12:00:00Z", 36000),
        ("America/Santiago", "2026-01-15T12:00:00Z", -10800), ("America/Santiago", "2026-07-15T12:00:00Z", -14400),
        ("Asia/Kolkata", "2026-07-15T12:00:00Z", 19800), ("UTC", "2026-07-15T12:00:00Z", 0),
        ("Etc/UTC", "2026-07-15T12:00:00Z", 0), ("+05:30", "2026-07-15T12:00:00Z", 19800),
        ("-03:00", "2026-07-15T12:00:00Z", -10800), ("UTC+02:00", "2026-07-15T12:00:00Z", 7200),
        ("Etc/GMT-3", "2026-07-15T12:00:00Z", 10800), ("Europe/Berlin", "1890-01-01T00:00:00Z", 3208),
        ("America/New_York", "2100-07-01T00:00:00Z", -14400), ("Australia/Sydney", "2250-01-01T00:00:00Z", 39600),
    ]

    @Test(arguments: offsets)
    func offsetAtInstant(zone: String, instant: String, seconds: Int) {
        #expect(S.zone(zone).offsetSeconds(at: S.at(instant)) == seconds)
    }

    @Test func localDateTimeAtInstant() {
        let reading = S.zone("Australia/Lord_Howe").localDateTime(at: S.at("2026-10-03T15:30:00Z"))
        #expect(reading == LocalDateTime(year: 2026, month: 10, day: 4, hour: 2, minute: 30))
    }

    @Test func unknownZoneIsNamed() {
        #expect(throws: TimeZoneError.unknownZone("Mars/Olympus")) { try TimeZoneRules.named("Mars/Olympus") }
        #expect(throws: TimeZoneError.invalidName("../etc/passwd")) { try TimeZoneRules.named("../etc/passwd") }
        #expect(throws: TimeZoneError.unknownZone("America")) { try TimeZoneRules.named("America") }
        #expect(TimeZoneError.unknownZone("Mars/Olympus").description.contains("'Mars/Olympus'"))
    }

    @Test func malformedDataIsRefused() {
        #expect(throws: TimeZoneError.self) { try TimeZoneRules(identifier: "Broken", tzif: Array("TZif2".utf8)) }
        #expect(throws: TimeZoneError.self) { try TimeZoneRules(identifier: "Broken", tzif: [1, 2, 3]) }
    }

    /// A TZif version 2 file: an empty 32-bit block, then a 64-bit block with `transitions` (instant in seconds,
    /// index of its local time type), a local time type for each of `offsets`, and the POSIX TZ `footer`.
    static func tzif(transitions: [(Int64, UInt8)], offsets: [Int32], footer: String) -> [UInt8] {
        func u32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
        func header(timecnt: Int, typecnt: Int) -> [UInt8] {
            Array("TZif2".utf8) + [UInt8](repeating: 0, count: 15)
                + [0, 0, 0, timecnt, typecnt, 0].flatMap { u32(UInt32($0)) }
        }
        var bytes = header(timecnt: 0, typecnt: 0) + header(timecnt: transitions.count, typecnt: offsets.count)
        for (instant, _) in transitions {
            bytes += (0..<8).map { UInt8(truncatingIfNeeded: UInt64(bitPattern: instant) >> (56 - 8 * $0)) }
        }
        bytes += transitions.map(\.1)
        for offset in offsets {
            bytes += u32(UInt32(bitPattern: offset)) + [offset == offsets[0] ? 0 : 1, 0]
        }
        return bytes + Array("\n\(footer)\n".utf8)
    }

    // Found by scripts/fuzz (tzif): each of these trapped while the zone was read.

    @Test func fileWhoseTransitionsReachPast2200IsRead() throws {
        // 2201-01-01: the years between the last transition and 2200 were an empty range.
        let zone = try TimeZoneRules(
            identifier: "Fuzz/Late", tzif: Self.tzif(transitions: [(7_289_654_400, 1)], offsets: [3600, 7200],
            footer: "CET-1CEST,M3.5.0,M10.5.0/3"))
        #expect(zone.offsetSeconds(at: S.at("2300-07-01T00:00:00Z")) == 7200)
        #expect(zone.offsetSeconds(at: S.at("2300-01-01T00:00:00Z")) == 3600)
    }

    @Test func fileWithoutTransitionsFollowsItsFooter() throws {
        // A footer without daylight time was appended as a change at Int64.min + 1, which overflowed when its
        // offset was west of UTC.
        let zone = try TimeZoneRules(
            identifier: "Fuzz/Footer", tzif: Self.tzif(transitions: [], offsets: [0], footer: "<-0330>3:30"))
        #expect(zone.offsetSeconds(at: 0) == -12600)
        #expect(zone.offsetSeconds(at: S.at("2026-07-15T12:00:00Z")) == -12600)
        #expect(zone.instant(for: LocalDateTime(year: 2026, month: 7, day: 15, hour: 8, minute: 30))
            == S.at("2026-07-15T12:00:00Z"))
    }

    @Test func transitionTimesOutOfRangeAreRefused() throws {
        // A change at Int64.max overflowed when its first local second was computed.
        #expect(throws: TimeZoneError.self) {
            try TimeZoneRules(
                identifier: "Fuzz/Far", tzif: Self.tzif(transitions: [(Int64.max, 1)], offsets: [3600, 7200], footer: ""))
        }
        #expect(throws: TimeZoneError.self) {
            try TimeZoneRules(
                identifier: "Fuzz/Far", tzif: Self.tzif(transitions: [(Int64.min, 1)], offsets: [-3600, -7200], footer: ""))
        }
        #expect(throws: TimeZoneError.self) {
            try TimeZoneRules(
                identifier: "Fuzz/Far", tzif: Self.tzif(transitions: [(-(1 << 59) - 1, 1)], offsets: [0, 3600], footer: ""))
        }
        // -2^59, which zic writes as the start of time, is read.
        let bigBang = try TimeZoneRules(
            identifier: "Fuzz/BigBang", tzif: Self.tzif(transitions: [(-(1 << 59), 1)], offsets: [0, 3600], footer: ""))
        #expect(bigBang.offsetSeconds(at: 0) == 3600)
    }

    @Test func offsetsOutOfRangeAreRefused() {
        #expect(throws: TimeZoneError.self) {
            try TimeZoneRules(identifier: "Fuzz/Offset", tzif: Self.tzif(transitions: [], offsets: [Int32.min], footer: ""))
        }
        #expect(throws: TimeZoneError.self) {
            try TimeZoneRules(identifier: "Fuzz/Offset", tzif: Self.tzif(transitions: [], offsets: [93_600], footer: ""))
        }
    }

    @Test func footerWithHugeHoursIsIgnored() throws {
        // 18 digits of hours fit an Int but not once multiplied by 3600.
        let zone = try TimeZoneRules(
            identifier: "Fuzz/Hours", tzif: Self.tzif(transitions: [], offsets: [3600], footer: "ABC999999999999999999"))
        #expect(zone.offsetSeconds(at: S.at("2026-07-15T12:00:00Z")) == 3600)
        let dst = try TimeZoneRules(
            identifier: "Fuzz/Hours", tzif: Self.tzif(
                transitions: [], offsets: [3600], footer: "CET-1CEST,M3.5.0/999999999999999999,M10.5.0/3"))
        #expect(dst.offsetSeconds(at: S.at("2026-07-15T12:00:00Z")) == 3600)
    }

    @Test func cachedZonesAreEqual() throws {
        #expect(try TimeZoneRules.named("Europe/Berlin") == TimeZoneRules.named("Europe/Berlin"))
    }
}
