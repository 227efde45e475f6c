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

    @Test func cachedZonesAreEqual() throws {
        #expect(try TimeZoneRules.named("Europe/Berlin") == TimeZoneRules.named("Europe/Berlin"))
    }
}
