public import ScheduleModel

/// One HTTP delivery to make: the firing it belongs to and the request.
public struct WebhookJob: Sendable {
    /// The `commands` partition of the schedule.
    public var partition: Int32
    public var scheduleID: String
    /// The occurrence being delivered.
    public var occurrence: Int64
    public var url: HTTPURL
    /// Upper-case method.
    public var method: String
    /// Every request header, in order (the schedule's own and Kairos's).
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(
        partition: Int32, scheduleID: String, occurrence: Int64, url: HTTPURL, method: String,
        headers: [(name: String, value: String)], body: [UInt8]
    ) {
        self.partition = partition
        self.scheduleID = scheduleID
        self.occurrence = occurrence
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
    }

    /// The server (`host:port`) that concurrency limits and circuit breakers count against.
    public var server: String { "\(url.host):\(url.effectivePort)" }
}

/// How a delivery attempt ended.
public enum WebhookOutcome: Sendable, Equatable {
    /// A 2xx answer.
    case delivered(status: Int)
    /// No 2xx answer; `failure` says whether trying again may help.
    case failed(WebhookFailure)
    /// Not attempted: the host's circuit breaker is open until `retryAt` (epoch ms).
    case circuitOpen(retryAt: Int64)
}

/// Why an attempt failed.
public struct WebhookFailure: Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status, when the server answered.
    public var status: Int?
    /// What happened, in words (status line and the start of the body, or the network error).
    public var reason: String
    /// 408, 429, 5xx and network errors are retried; other answers and refused addresses are not.
    public var retryable: Bool
    /// The server's `Retry-After`, in milliseconds from when the answer arrived.
    public var retryAfterMillis: Int64?

    public init(status: Int?, reason: String, retryable: Bool, retryAfterMillis: Int64? = nil) {
        self.status = status
        self.reason = reason
        self.retryable = retryable
        self.retryAfterMillis = retryAfterMillis
    }

    public var description: String { reason }
}

/// A finished delivery attempt, handed back to the engine.
public struct WebhookCompletion: Sendable {
    public var job: WebhookJob
    public var outcome: WebhookOutcome
    /// When the request started (epoch ms), after waiting for a free connection slot.
    public var startedAt: Int64
    /// How long the attempt took.
    public var duration: Duration
}
