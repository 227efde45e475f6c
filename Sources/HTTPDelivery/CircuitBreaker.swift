/// A per-host circuit breaker: closed until `failureThreshold` consecutive failures, then open for
/// `coolDownMillis`, then half-open: one probe request is let through; its success closes the breaker, its failure
/// opens it again for another cool-down.
///
/// A value type with no clock of its own: every call takes `now` (epoch milliseconds), so it is deterministic and
/// the owner decides how to share it (one per host, behind an actor or a lock).
public struct CircuitBreaker: Sendable {
    /// Where the breaker stands.
    public enum State: Sendable, Equatable {
        /// Requests flow; `consecutiveFailures` (below the threshold) failures in a row so far.
        case closed(consecutiveFailures: Int)
        /// Requests are rejected until the epoch-millisecond instant `until`.
        case open(until: Int64)
        /// The cool-down has passed; at most one probe request is in flight at a time.
        case halfOpen(probeInFlight: Bool)
    }

    /// The answer to `permit(now:)`.
    public enum Permission: Sendable, Equatable {
        /// Send the request (the breaker is closed).
        case allowed
        /// Send the request as the single probe; its result must be recorded (or the probe abandoned).
        case probe
        /// Do not send; ask again at `retryAt` (epoch ms).
        case rejected(retryAt: Int64)
    }

    /// How long callers are told to wait while a probe is in flight and its outcome is unknown.
    public static let probeWaitMillis: Int64 = 1_000

    /// The current state; changed only by `permit(now:)`, `record(success:now:)` and `abandonProbe()`.
    public private(set) var state: State
    /// Consecutive failures that open a closed breaker; at least 1.
    public let failureThreshold: Int
    /// How long an open breaker rejects requests, in milliseconds; at least 0.
    public let coolDownMillis: Int64

    /// A closed breaker with no failures. A threshold below 1 counts as 1 and a negative cool-down as 0.
    public init(failureThreshold: Int, coolDownMillis: Int64) {
        self.state = .closed(consecutiveFailures: 0)
        self.failureThreshold = max(1, failureThreshold)
        self.coolDownMillis = max(0, coolDownMillis)
    }

    /// Asks to send a request at `now` (epoch ms).
    ///
    /// Closed: `.allowed`. Open before `until`: `.rejected(retryAt: until)`. Open at or after `until`: the breaker
    /// becomes half-open and this caller gets the one `.probe`. Half-open with the probe in flight: rejected with
    /// `retryAt = now + probeWaitMillis` (1 s), a short poll because the probe's outcome is not yet known.
    public mutating func permit(now: Int64) -> Permission {
        switch state {
        case .closed:
            return .allowed
        case .open(let until) where now < until:
            return .rejected(retryAt: until)
        case .open, .halfOpen(probeInFlight: false):
            state = .halfOpen(probeInFlight: true)
            return .probe
        case .halfOpen(probeInFlight: true):
            return .rejected(retryAt: CircuitBreaker.adding(CircuitBreaker.probeWaitMillis, to: now))
        }
    }

    /// Records the result of a permitted request finished at `now`.
    ///
    /// A success closes the breaker from any state and resets the count. A failure while closed counts; reaching
    /// the threshold opens the breaker until `now + coolDownMillis`. A failure while half-open (the probe's) opens
    /// it again until `now + coolDownMillis`. A failure while open (a straggler sent before it opened) changes
    /// nothing, so it does not stretch the cool-down.
    public mutating func record(success: Bool, now: Int64) {
        if success {
            state = .closed(consecutiveFailures: 0)
            return
        }
        switch state {
        case .closed(let consecutiveFailures):
            let failures = consecutiveFailures + 1
            state =
                failures >= failureThreshold
                ? .open(until: CircuitBreaker.adding(coolDownMillis, to: now))
                : .closed(consecutiveFailures: failures)
        case .halfOpen:
            state = .open(until: CircuitBreaker.adding(coolDownMillis, to: now))
        case .open:
            break
        }
    }

    /// Gives the probe slot back when a granted probe ended without an HTTP outcome (cancelled, shut down), so the
    /// next `permit(now:)` grants a new probe. Does nothing unless a probe is in flight.
    public mutating func abandonProbe() {
        if state == .halfOpen(probeInFlight: true) {
            state = .halfOpen(probeInFlight: false)
        }
    }

    /// A short name for metrics and logs: "closed", "open", "half-open".
    public var stateName: String {
        switch state {
        case .closed: "closed"
        case .open: "open"
        case .halfOpen: "half-open"
        }
    }

    /// `now + millis`, saturating at `Int64.max`.
    private static func adding(_ millis: Int64, to now: Int64) -> Int64 {
        let (sum, overflow) = now.addingReportingOverflow(millis)
        return overflow ? Int64.max : sum
    }
}
