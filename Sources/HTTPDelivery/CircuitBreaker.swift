/// A per-host circuit breaker that opens on a failure rate, not on a run of failures.
///
/// - Closed: every request goes. Outcomes are counted over a sliding window (`windowMillis`, in ten buckets). Once
///   the window holds at least `minimumAttempts` attempts and their failure rate reaches `failureRatePercent`, the
///   breaker opens. An attempt that got no answer (timeout, refused or reset connection) weighs
///   `Policy.noAnswerWeight` (3) in the rate, a quick error answer (5xx, 408, 429) and a success weigh 1: a host
///   that answers 500 at once to every first attempt and 200 to every retry shows 50 % and stays closed, one that
///   times out on half the attempts shows 75 % and opens.
/// - Open: requests are rejected until the open period ends. The first trip opens for `firstOpenMillis`; each trip
///   after it doubles the period, up to `maxOpenMillis`. The count of trips starts again once the breaker has
///   stayed closed for a whole window.
/// - Half-open: a growing share of the requests goes, the rest are told to ask again `probeWaitMillis` later:
///   1 in 8, then 1 in 4, then 1 in 2 (each step with at most `minimumAttempts / 8`, `/ 4`, `/ 2` in flight, at
///   least 1), each step ending after `Policy.successesPerStep` successes; after the last step the breaker closes
///   with an empty window. Failures weighing `minimumAttempts` within a step, before its successes, open it again
///   for the next, longer period.
///
/// A value type with no clock of its own: every call takes `now` (epoch milliseconds), so it is deterministic and
/// the owner decides how to share it (one per host, behind a lock). State changes are kept as `Transition`s until
/// the owner takes them (`takeTransitions()`) to log them.
public struct CircuitBreaker: Sendable {
    /// When a breaker opens and for how long.
    public struct Policy: Sendable, Equatable {
        /// The span the failure rate is measured over, in milliseconds (at least 10).
        public var windowMillis: Int64
        /// Attempts the window must hold before its failure rate can open the breaker (at least 1).
        public var minimumAttempts: Int
        /// The weighted failure rate, in percent, that opens the breaker (1-100).
        public var failureRatePercent: Int
        /// How long the first trip keeps the breaker open, in milliseconds.
        public var firstOpenMillis: Int64
        /// The longest open period, reached by doubling on repeated trips (the cool-down), in milliseconds.
        public var maxOpenMillis: Int64

        /// The weight of an attempt that got no answer, against 1 for a quick error answer or a success.
        public static let noAnswerWeight = 3
        /// Successes that end one half-open step.
        public static let successesPerStep = 2
        /// The half-open steps, as the `n` of "1 in n requests goes".
        public static let halfOpenShares = [8, 4, 2]

        /// Out-of-range values are clamped: window at least 10 ms, at least 1 attempt, rate 1-100 %, open periods
        /// at least 0 ms and the longest at least the first.
        public init(
            windowMillis: Int64 = 10_000, minimumAttempts: Int = 20, failureRatePercent: Int = 75,
            firstOpenMillis: Int64 = 1_000, maxOpenMillis: Int64 = 30_000
        ) {
            self.windowMillis = max(10, windowMillis)
            self.minimumAttempts = max(1, minimumAttempts)
            self.failureRatePercent = min(100, max(1, failureRatePercent))
            self.firstOpenMillis = max(0, firstOpenMillis)
            self.maxOpenMillis = max(self.firstOpenMillis, maxOpenMillis)
        }

        /// The open period of trip number `trip` (1-based): `firstOpenMillis * 2^(trip-1)`, at most `maxOpenMillis`.
        public func openMillis(trip: Int) -> Int64 {
            var period = firstOpenMillis
            var doublings = max(0, trip - 1)
            while doublings > 0 && period < maxOpenMillis {
                period = period > maxOpenMillis / 2 ? maxOpenMillis : period * 2
                doublings -= 1
            }
            return min(period, maxOpenMillis)
        }
    }

    /// How an attempt ended, as far as the host's health goes.
    public enum Outcome: Sendable, Equatable {
        /// The host answered and the answer was not a retryable error (2xx, and also 4xx: the request's fault).
        case success
        /// The host answered at once with an error worth retrying (5xx, 408, 429).
        case errorAnswer
        /// No answer: timeout, refused or reset connection, name not resolved.
        case noAnswer

        /// The attempt's weight in the failure rate.
        var weight: Int { self == .noAnswer ? Policy.noAnswerWeight : 1 }
    }

    /// Where the breaker stands.
    public enum State: Sendable, Equatable {
        /// Requests flow.
        case closed
        /// Requests are rejected until the epoch-millisecond instant `until`.
        case open(until: Int64)
        /// One request in `share` goes (8, then 4, then 2).
        case halfOpen(share: Int)
    }

    /// The answer to `permit(now:)`.
    public enum Permission: Sendable, Equatable {
        /// Send the request (the breaker is closed).
        case allowed
        /// Send the request as one of the half-open share; its outcome must be recorded.
        case probe
        /// Do not send; ask again at `retryAt` (epoch ms).
        case rejected(retryAt: Int64)
    }

    /// A change of state, for the log.
    public enum Transition: Sendable, Equatable {
        /// Closed to open: `failureRatePercent` of the weighted `attempts` in the last `windowMillis` failed.
        case opened(failureRatePercent: Int, attempts: Int, windowMillis: Int64, openMillis: Int64, trip: Int)
        /// Open to half-open: one request in `share` goes; a failed test opens it for `nextOpenMillis`.
        case halfOpened(share: Int, nextOpenMillis: Int64)
        /// Half-open, a step passed: one request in `share` goes now.
        case widened(share: Int)
        /// Half-open to closed; a trip within the next window opens it for `nextOpenMillis`.
        case closed(nextOpenMillis: Int64)
        /// Half-open to open: failures weighing `failureWeight` came with `successes` successes in a step.
        case reopened(successes: Int, failureWeight: Int, openMillis: Int64, trip: Int)
    }

    /// How long a rejected request waits while half-open.
    public static let probeWaitMillis: Int64 = 1_000

    /// Counts of one bucket of the window.
    private struct Bucket: Sendable {
        var start: Int64 = .min
        var attempts = 0
        var weight = 0
        var failureWeight = 0
    }

    /// The counts of the current half-open step.
    private struct Step: Sendable {
        var index = 0
        var asked = 0
        var admitted = 0
        var inFlight = 0
        var successes = 0
        var failureWeight = 0
    }

    public let policy: Policy
    /// The current state; changed only by `permit(now:)` and `record(_:now:)`.
    public private(set) var state: State = .closed
    /// Trips since the breaker last stayed closed for a whole window.
    public private(set) var trips = 0
    private var buckets: [Bucket]
    private var closedSince: Int64 = .min
    private var step = Step()
    private var pending: [Transition] = []

    /// A closed breaker with an empty window.
    public init(policy: Policy) {
        self.policy = policy
        buckets = Array(repeating: Bucket(), count: 10)
    }

    private var bucketMillis: Int64 { max(1, policy.windowMillis / Int64(buckets.count)) }

    /// Asks to send a request at `now` (epoch ms).
    ///
    /// Closed: `.allowed`. Open before its end: `.rejected(retryAt:)` the end. Open at or after its end: the
    /// breaker turns half-open and answers as half-open does. Half-open: `.probe` for one request in the step's
    /// share while fewer than the step's limit are in flight, otherwise `.rejected(retryAt: now + probeWaitMillis)`.
    public mutating func permit(now: Int64) -> Permission {
        switch state {
        case .closed:
            return .allowed
        case .open(let until) where now < until:
            return .rejected(retryAt: until)
        case .open:
            step = Step()
            state = .halfOpen(share: Policy.halfOpenShares[0])
            pending.append(
                .halfOpened(share: Policy.halfOpenShares[0], nextOpenMillis: policy.openMillis(trip: trips + 1)))
            return admit(now: now)
        case .halfOpen:
            return admit(now: now)
        }
    }

    private mutating func admit(now: Int64) -> Permission {
        let share = Policy.halfOpenShares[step.index]
        step.asked += 1
        let inFlightLimit = max(1, policy.minimumAttempts / share)
        guard step.admitted * share < step.asked, step.inFlight < inFlightLimit else {
            return .rejected(retryAt: Self.adding(Self.probeWaitMillis, to: now))
        }
        step.admitted += 1
        step.inFlight += 1
        return .probe
    }

    /// Records how a permitted request finished at `now`.
    ///
    /// Closed: counted in the window, which may open the breaker. Half-open: counted in the step, which may widen
    /// the share, close the breaker or open it again. Open: ignored (a request sent before it opened), so it does
    /// not stretch the open period. While half-open, a request sent before the breaker opened counts like a probe.
    public mutating func record(_ outcome: Outcome, now: Int64) {
        switch state {
        case .closed:
            if trips > 0, closedSince != .min, now - closedSince >= policy.windowMillis {
                trips = 0
            }
            count(outcome, now: now)
            let window = totals(now: now)
            if window.attempts >= policy.minimumAttempts, window.weight > 0,
                window.failureWeight * 100 >= policy.failureRatePercent * window.weight
            {
                let rate = window.failureWeight * 100 / window.weight
                let openMillis = trip(now: now)
                pending.append(
                    .opened(
                        failureRatePercent: rate, attempts: window.attempts, windowMillis: policy.windowMillis,
                        openMillis: openMillis, trip: trips))
            }
        case .halfOpen:
            step.inFlight = max(0, step.inFlight - 1)
            if outcome == .success {
                step.successes += 1
                guard step.successes >= Policy.successesPerStep else { return }
                if step.index + 1 < Policy.halfOpenShares.count {
                    step = Step(index: step.index + 1)
                    state = .halfOpen(share: Policy.halfOpenShares[step.index])
                    pending.append(.widened(share: Policy.halfOpenShares[step.index]))
                } else {
                    state = .closed
                    closedSince = now
                    buckets = Array(repeating: Bucket(), count: buckets.count)
                    pending.append(.closed(nextOpenMillis: policy.openMillis(trip: trips + 1)))
                }
            } else {
                step.failureWeight += outcome.weight
                guard step.failureWeight >= policy.minimumAttempts else { return }
                let (successes, failureWeight) = (step.successes, step.failureWeight)
                let openMillis = trip(now: now)
                pending.append(
                    .reopened(successes: successes, failureWeight: failureWeight, openMillis: openMillis, trip: trips))
            }
        case .open:
            break
        }
    }

    /// The state changes since the last call, oldest first.
    public mutating func takeTransitions() -> [Transition] {
        defer { pending.removeAll() }
        return pending
    }

    /// The weighted failure rate of the window at `now`, in percent (0 when it is empty), and its attempts.
    public func failureRate(now: Int64) -> (percent: Int, attempts: Int) {
        let window = totals(now: now)
        return (window.weight == 0 ? 0 : window.failureWeight * 100 / window.weight, window.attempts)
    }

    /// A short name for metrics and logs: "closed", "open", "half-open".
    public var stateName: String {
        switch state {
        case .closed: "closed"
        case .open: "open"
        case .halfOpen: "half-open"
        }
    }

    /// Opens the breaker for the next trip's period from `now`; returns the period.
    private mutating func trip(now: Int64) -> Int64 {
        trips += 1
        let openMillis = policy.openMillis(trip: trips)
        state = .open(until: Self.adding(openMillis, to: now))
        step = Step()
        buckets = Array(repeating: Bucket(), count: buckets.count)
        return openMillis
    }

    private mutating func count(_ outcome: Outcome, now: Int64) {
        let start = now - Self.modulo(now, bucketMillis)
        let index = Int(Self.modulo(start / bucketMillis, Int64(buckets.count)))
        if buckets[index].start != start {
            buckets[index] = Bucket(start: start)
        }
        buckets[index].attempts += 1
        buckets[index].weight += outcome.weight
        if outcome != .success {
            buckets[index].failureWeight += outcome.weight
        }
    }

    private func totals(now: Int64) -> (attempts: Int, weight: Int, failureWeight: Int) {
        let oldest = now - Self.modulo(now, bucketMillis) - bucketMillis * Int64(buckets.count - 1)
        var totals = (attempts: 0, weight: 0, failureWeight: 0)
        for bucket in buckets where bucket.start >= oldest && bucket.start <= now {
            totals.attempts += bucket.attempts
            totals.weight += bucket.weight
            totals.failureWeight += bucket.failureWeight
        }
        return totals
    }

    /// `value mod divisor` in `0..<divisor` also for negative values.
    private static func modulo(_ value: Int64, _ divisor: Int64) -> Int64 {
        let remainder = value % divisor
        return remainder < 0 ? remainder + divisor : remainder
    }

    /// `now + millis`, saturating at `Int64.max`.
    private static func adding(_ millis: Int64, to now: Int64) -> Int64 {
        let (sum, overflow) = now.addingReportingOverflow(millis)
        return overflow ? Int64.max : sum
    }
}
