public import ScheduleModel

/// The rules a command's target and size must follow.
public struct CommandPolicy: Sendable {
    /// Patterns a target topic must match; `*` matches any run of characters.
    public var allowedTargets: [String]
    /// Topics that are never targets (Kairos's own); `__*` topics are never targets either.
    public var forbiddenTopics: Set<String>
    public var maxPayloadBytes: Int
    /// With `kairos-misfire: skip`, missed occurrences older than this are skipped.
    public var misfireGraceMillis: Int64
    /// Which hosts HTTP targets may name; none by default.
    public var httpHosts: HostPolicy
    /// Delivery attempts of an HTTP firing when the command has no `kairos-retry-max`.
    public var defaultRetryMax: Int
    /// First retry delay of an HTTP firing when the command has no `kairos-retry-backoff`, in milliseconds.
    public var defaultRetryBackoffMillis: Int64

    public init(
        allowedTargets: [String] = ["*"], forbiddenTopics: Set<String> = [], maxPayloadBytes: Int = 1_048_576,
        misfireGraceMillis: Int64 = 60_000, httpHosts: HostPolicy = HostPolicy(), defaultRetryMax: Int = 5,
        defaultRetryBackoffMillis: Int64 = 1_000
    ) {
        self.allowedTargets = allowedTargets
        self.forbiddenTopics = forbiddenTopics
        self.maxPayloadBytes = maxPayloadBytes
        self.misfireGraceMillis = misfireGraceMillis
        self.httpHosts = httpHosts
        self.defaultRetryMax = defaultRetryMax
        self.defaultRetryBackoffMillis = defaultRetryBackoffMillis
    }

    /// The policy a client checks commands with before producing them: every topic but Kairos's own and every host
    /// are allowed, and payloads of any size, so that only what no configuration can allow is refused.
    public static func permissive(topics: KairosTopics) -> CommandPolicy {
        CommandPolicy(
            allowedTargets: ["*"], forbiddenTopics: Set(topics.all), maxPayloadBytes: Int.max,
            httpHosts: HostPolicy(patterns: ["*"], allowPrivate: true))
    }
}
