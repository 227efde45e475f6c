import HTTPDelivery
import Testing
import TestThreads

/// A deterministic SplitMix64 generator, so every draw in these tests is reproducible.
private struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite(.ownThreads) struct RetryPolicyTests {
    /// 2015-10-21T07:28:00Z in epoch milliseconds.
    static let october21st2015 = Int64(1_445_412_480_000)

    // MARK: - Status classes

    @Test(arguments: [200, 201, 204, 299])
    func twoHundredsAreSuccess(status: Int) {
        #expect(ResponseClass(status: status) == .success)
    }

    @Test(arguments: [408, 429, 500, 502, 503, 504, 599])
    func timeoutsThrottlingAndServerErrorsAreRetryable(status: Int) {
        #expect(ResponseClass(status: status) == .retryable)
    }

    @Test(arguments: [0, 100, 101, 199, 300, 301, 304, 400, 401, 403, 404, 409, 410, 422, 499, 600, 999, -1])
    func everythingElseIsPermanent(status: Int) {
        #expect(ResponseClass(status: status) == .permanent)
    }

    // MARK: - Ceilings

    @Test func ceilingsDoubleFromTheBaseUntilTheCap() {
        let policy = RetryPolicy(baseMillis: 250, capMillis: 5_000)
        let ceilings = (1...8).map { policy.ceiling(afterAttempt: $0) }
        #expect(ceilings == [250, 500, 1_000, 2_000, 4_000, 5_000, 5_000, 5_000])
    }

    @Test func ceilingNeverOverflows() {
        let policy = RetryPolicy(baseMillis: 1_000, capMillis: Int64.max)
        #expect(policy.ceiling(afterAttempt: 100) == Int64.max)
        #expect(policy.ceiling(afterAttempt: Int.max) == Int64.max)
        #expect(policy.ceiling(afterAttempt: 53) == 1_000 << 52)
        #expect(RetryPolicy(baseMillis: 1_000, capMillis: 60_000).ceiling(afterAttempt: 100) == 60_000)
        #expect(RetryPolicy(baseMillis: 1, capMillis: Int64.max).ceiling(afterAttempt: 63) == 1 << 62)
        #expect(RetryPolicy(baseMillis: 1, capMillis: Int64.max).ceiling(afterAttempt: 64) == Int64.max)
    }

    @Test func degenerateSettingsStillGiveAPositiveCeiling() {
        #expect(RetryPolicy(baseMillis: 0, capMillis: 0).ceiling(afterAttempt: 1) == 1)
        #expect(RetryPolicy(baseMillis: -5, capMillis: 100).ceiling(afterAttempt: 3) == 4)
        #expect(RetryPolicy(baseMillis: 1_000, capMillis: 300).ceiling(afterAttempt: 1) == 300)
        #expect(RetryPolicy(baseMillis: 100, capMillis: 10_000).ceiling(afterAttempt: 0) == 100)
        #expect(RetryPolicy(baseMillis: 100, capMillis: 10_000).ceiling(afterAttempt: -3) == 100)
    }

    // MARK: - Jitter

    @Test func delaysStayWithinHalfTheCeilingAndTheCeiling() {
        let policy = RetryPolicy(baseMillis: 100, capMillis: 30_000)
        var generator = SplitMix64(seed: 42)
        for attempt in 1...12 {
            let ceiling = policy.ceiling(afterAttempt: attempt)
            var lowest = Int64.max
            var highest = Int64.min
            for _ in 0..<2_000 {
                let delay = policy.delay(afterAttempt: attempt, retryAfterMillis: nil, using: &generator)
                #expect(delay >= (ceiling + 1) / 2 && delay <= ceiling, "attempt \(attempt): \(delay)")
                lowest = min(lowest, delay)
                highest = max(highest, delay)
            }
            // The draws really spread over the range rather than sticking to one end.
            #expect(lowest < ceiling / 2 + ceiling / 10, "attempt \(attempt) never drew low")
            #expect(highest > ceiling - ceiling / 10, "attempt \(attempt) never drew high")
        }
    }

    @Test func tinyCeilingsNeverGiveZero() {
        var generator = SplitMix64(seed: 7)
        let policy = RetryPolicy(baseMillis: 1, capMillis: 1)
        for _ in 0..<1_000 {
            #expect(policy.delay(afterAttempt: 1, retryAfterMillis: nil, using: &generator) == 1)
        }
    }

    @Test func sameSeedGivesTheSameDelays() {
        let policy = RetryPolicy(baseMillis: 500, capMillis: 60_000)
        var first = SplitMix64(seed: 99)
        var second = SplitMix64(seed: 99)
        let a = (1...10).map { policy.delay(afterAttempt: $0, retryAfterMillis: nil, using: &first) }
        let b = (1...10).map { policy.delay(afterAttempt: $0, retryAfterMillis: nil, using: &second) }
        #expect(a == b)
    }

    // MARK: - Retry-After in delays

    @Test func retryAfterLargerThanTheJitterWins() {
        let policy = RetryPolicy(baseMillis: 100, capMillis: 1_000)
        var generator = SplitMix64(seed: 1)
        #expect(policy.delay(afterAttempt: 1, retryAfterMillis: 120_000, using: &generator) == 120_000)
    }

    @Test func retryAfterSmallerThanTheJitterLosesToIt() {
        let policy = RetryPolicy(baseMillis: 10_000, capMillis: 60_000)
        var generator = SplitMix64(seed: 2)
        for _ in 0..<100 {
            let delay = policy.delay(afterAttempt: 1, retryAfterMillis: 1, using: &generator)
            #expect(delay >= 5_000 && delay <= 10_000)
        }
        let ignoringNegative = policy.delay(afterAttempt: 1, retryAfterMillis: -50_000_000, using: &generator)
        #expect(ignoringNegative >= 5_000 && ignoringNegative <= 10_000)
    }

    @Test func hugeRetryAfterIsClampedToADayOrTheCap() {
        var generator = SplitMix64(seed: 3)
        let small = RetryPolicy(baseMillis: 100, capMillis: 1_000)
        #expect(small.delay(afterAttempt: 1, retryAfterMillis: Int64.max, using: &generator) == 86_400_000)
        let large = RetryPolicy(baseMillis: 100, capMillis: 172_800_000)
        #expect(large.delay(afterAttempt: 1, retryAfterMillis: Int64.max, using: &generator) == 172_800_000)
        #expect(large.delay(afterAttempt: 1, retryAfterMillis: 100_000_000, using: &generator) == 100_000_000)
    }

    // MARK: - Parsing Retry-After

    @Test(arguments: [
        ("120", Int64(120_000)), ("0", 0), (" 5\t", 5_000), ("007", 7_000), ("86400", 86_400_000),
        ("99999999999999999999999", Int64.max),
    ])
    func deltaSecondsAreMilliseconds(text: String, expected: Int64) {
        #expect(RetryPolicy.retryAfterMillis(text, nowMillis: 1_000) == expected)
    }

    @Test func imfFixdateIsRelativeToNow() {
        let now = Self.october21st2015 - 90_000
        #expect(RetryPolicy.retryAfterMillis("Wed, 21 Oct 2015 07:28:00 GMT", nowMillis: now) == 90_000)
        #expect(RetryPolicy.retryAfterMillis("Sun, 06 Nov 1994 08:49:37 GMT", nowMillis: 0) == 784_111_777_000)
        #expect(RetryPolicy.retryAfterMillis("Thu, 01 Jan 1970 00:00:01 GMT", nowMillis: 0) == 1_000)
        #expect(RetryPolicy.retryAfterMillis("Tue, 29 Feb 2028 23:59:59 GMT", nowMillis: 0) == 1_835_481_599_000)
    }

    @Test func rfc850AndAsctimeFormsAreRead() {
        #expect(RetryPolicy.retryAfterMillis("Sunday, 06-Nov-94 08:49:37 GMT", nowMillis: 0) == 784_111_777_000)
        #expect(RetryPolicy.retryAfterMillis("Sun Nov  6 08:49:37 1994", nowMillis: 0) == 784_111_777_000)
        #expect(RetryPolicy.retryAfterMillis("Wed Oct 21 07:28:00 2015", nowMillis: 0) == Self.october21st2015)
        let now = Self.october21st2015 - 1_000
        #expect(RetryPolicy.retryAfterMillis("Wednesday, 21-Oct-15 07:28:00 GMT", nowMillis: now) == 1_000)
    }

    @Test func rfc850TwoDigitYearsMoreThanFiftyYearsAheadMeanTheLastCentury() {
        // now = 2015-10-21; "70" would be 2070 (55 years ahead), so it is 1970: in the past, 0.
        #expect(RetryPolicy.retryAfterMillis("Thursday, 01-Jan-70 00:00:00 GMT", nowMillis: Self.october21st2015) == 0)
        // "60" is 2060, 45 years ahead: a future date.
        let future = RetryPolicy.retryAfterMillis("Thursday, 01-Jan-60 00:00:00 GMT", nowMillis: Self.october21st2015)
        #expect(future == 2_840_140_800_000 - Self.october21st2015)
    }

    @Test func pastDatesGiveZero() {
        #expect(RetryPolicy.retryAfterMillis("Wed, 21 Oct 2015 07:28:00 GMT", nowMillis: Self.october21st2015 + 5) == 0)
        #expect(RetryPolicy.retryAfterMillis("Sun, 06 Nov 1994 08:49:37 GMT", nowMillis: Self.october21st2015) == 0)
    }

    @Test(arguments: [
        "", "   ", "-5", "+5", "1.5", "5s", "soon", "0x10",
        "Wed, 21 Oct 2015 07:28:00 UTC",
        "Wed, 21 Oct 2015 07:28:00",
        "Wed, 21 Oct 2015 07:28 GMT",
        "Wed, 21 Oct 15 07:28:00 GMT",
        "Wed, 1 Oct 2015 07:28:00 GMT",
        "Wed, 32 Oct 2015 07:28:00 GMT",
        "Wed, 29 Feb 2015 07:28:00 GMT",
        "Wed, 21 Foo 2015 07:28:00 GMT",
        "Wed, 21 Oct 2015 24:00:00 GMT",
        "Wed, 21 Oct 2015 07:60:00 GMT",
        "Wed, 21 Oct 2015 07:28:61 GMT",
        "Wed, 21 Oct 2015 07:28:00 GMT trailing",
        "Xyz, 21 Oct 2015 07:28:00 GMT",
        "Wednesday, 21 Oct 2015 07:28:00 GMT",
        "Wed, 21-Oct-15 07:28:00 GMT",
        "Wed Oct 21 07:28:00 15",
        "Wed Oct  21 07:28:00 2015",
    ])
    func unreadableValuesGiveNil(text: String) {
        #expect(RetryPolicy.retryAfterMillis(text, nowMillis: 0) == nil)
    }

    @Test func namesAreCaseInsensitiveAndLeapSecondsAccepted() {
        let now = Self.october21st2015
        #expect(RetryPolicy.retryAfterMillis("wed, 21 OCT 2015 07:28:10 GMT", nowMillis: now) == 10_000)
        #expect(RetryPolicy.retryAfterMillis("Thu, 31 Dec 2015 23:59:60 GMT", nowMillis: 0) == 1_451_606_399_000)
    }
}
