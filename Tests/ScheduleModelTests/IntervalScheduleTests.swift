import ScheduleModel
import Testing

@Suite struct IntervalScheduleTests {
    typealias S = TestSupport

    func instants(_ step: String, _ zone: String, anchor: String, indices: [Int64]) throws -> [String] {
        let schedule = try IntervalSchedule(parsing: step, anchor: S.at(anchor), zone: S.zone(zone))
        return indices.map { schedule.instant(ofIndex: $0).map(TimestampFormat.format) ?? "nil" }
    }

    @Test func exactStepsAddMilliseconds() throws {
        #expect(try instants("250ms", "UTC", anchor: "2026-01-01T00:00:00Z", indices: [0, 1, 4]) == [
            "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.250Z", "2026-01-01T00:00:01.000Z",
        ])
        // Exact steps ignore DST: 1h over the Berlin gap is one real hour.
        #expect(try instants("1h", "Europe/Berlin", anchor: "2026-03-29T00:30:00Z", indices: [1, 2]) == [
            "2026-03-29T01:30:00.000Z", "2026-03-29T02:30:00.000Z",
        ])
    }

    @Test func monthlyStepsClampRelativeToAnchor() throws {
        #expect(try instants("1mo", "UTC", anchor: "2026-01-31T10:00:00Z", indices: [0, 1, 2, 3, 13]) == [
            "2026-01-31T10:00:00.000Z", "2026-02-28T10:00:00.000Z", "2026-03-31T10:00:00.000Z",
            "2026-04-30T10:00:00.000Z", "2027-02-28T10:00:00.000Z",
        ])
        #expect(try instants("1y", "UTC", anchor: "2028-02-29T00:00:00Z", indices: [1, 4]) == [
            "2029-02-28T00:00:00.000Z", "2032-02-29T00:00:00.000Z",
        ])
        #expect(try instants("1mo", "UTC", anchor: "2027-12-31T00:00:00Z", indices: [2]) == ["2028-02-29T00:00:00.000Z"])
    }

    @Test func dailyStepsKeepWallClockAcrossDST() throws {
        #expect(try instants("1d", "Europe/Berlin", anchor: "2026-03-28T08:00:00Z", indices: [0, 1, 2]) == [
            "2026-03-28T08:00:00.000Z", "2026-03-29T07:00:00.000Z", "2026-03-30T07:00:00.000Z",
        ])
        // 02:30 falls into the gap on 2026-03-29: the gap's end.
        #expect(try instants("1d", "Europe/Berlin", anchor: "2026-03-28T01:30:00Z", indices: [1, 2]) == [
            "2026-03-29T01:00:00.000Z", "2026-03-30T00:30:00.000Z",
        ])
        #expect(try instants("1w", "America/New_York", anchor: "2026-10-25T05:30:00Z", indices: [1, 2]) == [
            "2026-11-01T05:30:00.000Z", "2026-11-08T06:30:00.000Z",
        ])
        #expect(try instants("1d", "Australia/Lord_Howe", anchor: "2026-10-02T15:45:00Z", indices: [1, 2]) == [
            "2026-10-03T15:30:00.000Z", "2026-10-04T15:15:00.000Z",  // 02:15 on 10-04 is in the gap
        ])
    }

    @Test(arguments: ["30s", "1h30m", "1d", "2w", "1mo", "3mo", "1y", "1mo2d"])
    func firstIndexAfterMatchesLinearScan(step: String) throws {
        let schedule = try IntervalSchedule(parsing: step, anchor: S.at("2026-01-31T01:30:00Z"), zone: S.zone("America/New_York"))
        var t = S.at("2025-12-01T00:00:00Z")
        var k: Int64 = 0
        for _ in 0..<300 {
            while let instant = schedule.instant(ofIndex: k), instant <= t { k += 1 }
            #expect(schedule.firstIndex(after: t) == k)
            t += 7 * 3_600_000 + 123
        }
    }

    @Test func farIndexIsDirect() throws {
        let schedule = try IntervalSchedule(parsing: "1mo", anchor: S.at("2026-01-31T00:00:00Z"), zone: .utc)
        #expect(schedule.instant(ofIndex: 12 * 100 + 1).map(TimestampFormat.format) == "2126-02-28T00:00:00.000Z")
        #expect(schedule.firstIndex(after: S.at("2126-02-28T00:00:00Z")) == 1202)
    }

    @Test func refusesBadSteps() {
        #expect(throws: ScheduleValueError.self) { try IntervalSchedule(parsing: "0s", anchor: 0, zone: .utc) }
        #expect(throws: ScheduleValueError("The interval '1d12h' mixes calendar units (d, w, mo, y) with exact units (h, m, s, ms); use one kind, e.g. 1d or 36h.")) {
            try IntervalSchedule(parsing: "P1DT12H", anchor: 0, zone: .utc)
        }
    }
}
