import Testing

@testable import KairosControl

@Suite struct VerificationReportTests {
    func firing(_ id: String, _ occurrence: Int64, due: Int64, fired: Int64, seen: Int64? = nil)
        -> VerificationReport.Firing
    {
        VerificationReport.Firing(
            id: id, occurrence: occurrence, scheduledFor: due, firedAt: fired, receivedAt: seen ?? fired + 5,
            partition: 0, offset: 0)
    }

    @Test func eachFaultIsNamedAndAnyFaultFails() throws {
        let verification = Verification(target: "t", idPrefix: "v-")
        var plan = verification
        plan.oneShots = 3
        plan.recurring = 1
        plan.occurrences = 2
        plan.leadMilliseconds = 1_000
        plan.spreadMilliseconds = 2_000
        let (commands, expected) = try plan.plan(now: 10_000)
        #expect(commands.map(\.id) == ["v-once-0", "v-once-1", "v-once-2", "v-every-0"])
        #expect(expected.map(\.scheduledFor) == [11_000, 12_000, 13_000, 11_000, 12_000])

        let all = [
            firing("v-once-0", 1, due: 11_000, fired: 11_002), firing("v-once-1", 1, due: 12_000, fired: 12_001),
            firing("v-once-2", 1, due: 13_000, fired: 13_010), firing("v-every-0", 1, due: 11_000, fired: 11_003),
            firing("v-every-0", 2, due: 12_000, fired: 12_004),
        ]
        let clean = VerificationReport(
            target: "t", idPrefix: "v-", oneShots: 3, recurring: 1, occurrences: 2, expected: expected, firings: all,
            chaos: nil, seconds: 1)
        #expect(clean.passed && clean.exitStatus == 0 && clean.text.hasSuffix("PASS"))
        #expect(clean.firedLateness == VerificationReport.Lateness([2, 1, 10, 3, 4]))
        #expect(clean.firedLateness.map { [$0.p50, $0.p90, $0.p99, $0.max] } == [3, 10, 10, 10])

        let faulty = VerificationReport(
            target: "t", idPrefix: "v-", oneShots: 3, recurring: 1, occurrences: 2, expected: expected,
            firings: [
                all[0], all[0], firing("v-once-1", 1, due: 12_000, fired: 11_999), all[3],
                firing("v-every-0", 3, due: 13_000, fired: 13_001),
            ],
            chaos: nil, seconds: 1)
        #expect(!faulty.passed && faulty.exitStatus == 1)
        #expect(faulty.missing == ["v-every-0#2", "v-once-2#1"])
        #expect(faulty.duplicated == [VerificationReport.Duplicate(id: "v-once-0", occurrence: 1, copies: 2)])
        #expect(faulty.early == ["v-once-1#1"])
        #expect(faulty.unexpected == ["v-every-0#3"])
        #expect(faulty.text.contains("missing 2, duplicated 1, early 1, unexpected 1"), "\(faulty.text)")

        let failedChaos = VerificationReport(
            target: "t", idPrefix: "v-", oneShots: 3, recurring: 1, occurrences: 2, expected: expected, firings: all,
            chaos: VerificationReport.Chaos(command: "false", atMilliseconds: 1_500, status: 1, seconds: 0.01),
            seconds: 1)
        #expect(!failedChaos.passed, "a chaos command that failed did not test anything")
    }

    @Test func nothingToScheduleOrAnOccurrenceCountOutOfRangeIsAUsageError() {
        var none = Verification(target: "t")
        none.oneShots = 0
        none.recurring = 0
        #expect(throws: ControlError.self) { try none.plan(now: 0) }
        var many = Verification(target: "t")
        many.occurrences = 0
        #expect(throws: ControlError.self) { try many.plan(now: 0) }
        #expect(Verification(target: "t").idPrefix.hasPrefix("verify-"))
    }
}
