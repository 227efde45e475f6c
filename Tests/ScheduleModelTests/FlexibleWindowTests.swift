import ScheduleModel
import Testing

@Suite struct FlexibleWindowTests {
    @Test func offsetsAreStableKnownValues() throws {
        // Pinned values: a change here changes every deployed schedule's firing moment.
        let window = try FlexibleWindow(parsing: "5m")
        let a = window.offset(scheduleID: "invoice-42", occurrenceNumber: 7)
        #expect(a == window.offset(scheduleID: Array("invoice-42".utf8), occurrenceNumber: 7))
        #expect(a == FlexibleWindowTests.pinned)
    }

    static let pinned: Int64 = {
        // Reference FNV-1a 64 + SplitMix64 computed independently below.
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in Array("invoice-42".utf8) + [7, 0, 0, 0, 0, 0, 0, 0] {
            h = (h ^ UInt64(b)) &* 1_099_511_628_211
        }
        var z = h &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        z ^= z >> 31
        return Int64(z.multipliedFullWidth(by: 300_000).high)
    }()

    @Test func offsetsStayInsideAndSpread() throws {
        let window = try FlexibleWindow(widthMillis: 60_000)
        var buckets = [Int](repeating: 0, count: 10)
        for n in 1...10_000 {
            let offset = window.offset(scheduleID: "s-\(n % 37)", occurrenceNumber: Int64(n))
            #expect(offset >= 0 && offset < 60_000)
            buckets[Int(offset / 6_000)] += 1
        }
        #expect(buckets.allSatisfy { $0 > 800 && $0 < 1200 })
        #expect(window.offset(scheduleID: "a", occurrenceNumber: 1) != window.offset(scheduleID: "a", occurrenceNumber: 2))
    }

    @Test func zeroWidthAndBadWindows() {
        #expect((try? FlexibleWindow(widthMillis: 0))?.offset(scheduleID: "x", occurrenceNumber: 1) == 0)
        #expect(throws: ScheduleValueError.self) { try FlexibleWindow(widthMillis: -1) }
        #expect(throws: ScheduleValueError.self) { try FlexibleWindow(parsing: "1mo") }
    }
}
