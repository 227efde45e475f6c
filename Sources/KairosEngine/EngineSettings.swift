public import HTTPDelivery
public import KairosWire

/// How firings are committed.
public enum DeliveryGuarantee: String, Sendable, CaseIterable {
    /// One Kafka transaction per batch holds fired records, changelog updates, events and command offsets.
    case exactlyOnce = "exactly-once"
    /// Idempotent producer, offsets committed after the changelog acknowledged; a crash may repeat a firing.
    case atLeastOnce = "at-least-once"
}

/// What the engine needs to know, and nothing else of the service's configuration.
public struct EngineSettings: Sendable {
    /// The consumer group the instances share the partitions through.
    public var groupID: String
    /// Static group membership (`group.instance.id`); also names the transactional id, so a restart fences its
    /// predecessor at once.
    public var instanceID: String?
    public var topics: KairosTopics
    public var guarantee: DeliveryGuarantee
    /// Where the stores live: `<state dir>/<group>/<partition>/`.
    public var stateDirectory: String
    /// Changelog records a restore reads before it writes them to the stores.
    public var restoreBufferRecords: Int
    /// A recurring occurrence later than this was missed (see the misfire policies).
    public var misfireGraceMilliseconds: Int64
    /// How long a graceful shutdown may take; HTTP requests in flight get half of it.
    public var shutdownDeadlineMilliseconds: Int
    /// What a command may ask for (targets, sizes, hosts, retry defaults).
    public var commandPolicy: CommandPolicy
    /// Limits, timeouts and circuit breakers of webhook delivery.
    public var webhooks: WebhookDispatcherSettings
    /// Attempts of a webhook delivery whose stored schedule has no `kairos-retry-max`.
    public var httpRetryMax: Int
    /// First retry delay of a webhook whose stored schedule has no `kairos-retry-backoff`.
    public var httpRetryBackoffMilliseconds: Int64
    /// Ceiling of a webhook's retry delay (a longer `Retry-After` is still honoured, up to a day).
    public var httpRetryBackoffMaxMilliseconds: Int64
    /// The group's session timeout: how long a silent member keeps its partitions.
    public var sessionTimeoutMilliseconds = 10_000
    /// How long a transaction may stay open before the broker aborts it.
    public var transactionTimeoutMilliseconds = 30_000
    /// Commands read in one iteration at most.
    public var maxCommandsPerBatch = 10_000
    /// Firings in one batch at most.
    public var maxFiresPerBatch = 10_000
    /// The rule that says which partition of `commands` an id belongs to, with the topic's partition count: a
    /// command read elsewhere is forwarded there (invariant 10). Nil forwards nothing.
    public var homePartition: HomePartition?
    /// Triggered firings that may wait for one schedule at once; a trigger beyond it is refused to the DLQ.
    public var maxPendingTriggers = 100

    public init(
        groupID: String, instanceID: String?, topics: KairosTopics, guarantee: DeliveryGuarantee,
        stateDirectory: String, restoreBufferRecords: Int, misfireGraceMilliseconds: Int64,
        shutdownDeadlineMilliseconds: Int, commandPolicy: CommandPolicy, webhooks: WebhookDispatcherSettings,
        httpRetryMax: Int, httpRetryBackoffMilliseconds: Int64, httpRetryBackoffMaxMilliseconds: Int64
    ) {
        self.groupID = groupID
        self.instanceID = instanceID
        self.topics = topics
        self.guarantee = guarantee
        self.stateDirectory = stateDirectory
        self.restoreBufferRecords = restoreBufferRecords
        self.misfireGraceMilliseconds = misfireGraceMilliseconds
        self.shutdownDeadlineMilliseconds = shutdownDeadlineMilliseconds
        self.commandPolicy = commandPolicy
        self.webhooks = webhooks
        self.httpRetryMax = httpRetryMax
        self.httpRetryBackoffMilliseconds = httpRetryBackoffMilliseconds
        self.httpRetryBackoffMaxMilliseconds = httpRetryBackoffMaxMilliseconds
    }
}
