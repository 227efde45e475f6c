/// Settings every Kafka client of Kairos shares: where the cluster is, who we are, and any other librdkafka property.
public struct KafkaConfiguration: Sendable {
    /// Comma-separated `host:port` list.
    public var bootstrapServers: String
    /// Client id reported to the brokers (appears in broker logs and quotas).
    public var clientID: String
    /// Any librdkafka property (`security.protocol`, `sasl.mechanism`, `ssl.ca.location`, ...). Applied after the
    /// typed fields of the client configurations, so a property set here wins.
    public var properties: [String: String]
    /// Receives librdkafka's log lines instead of standard error.
    public var logHandler: (@Sendable (KafkaLogLine) -> Void)?

    public init(
        bootstrapServers: String,
        clientID: String = "kairos",
        properties: [String: String] = [:],
        logHandler: (@Sendable (KafkaLogLine) -> Void)? = nil
    ) {
        self.bootstrapServers = bootstrapServers
        self.clientID = clientID
        self.properties = properties
        self.logHandler = logHandler
    }

    func baseProperties() -> [(String, String)] {
        // Nagle off: a scheduler waits on small requests (acknowledgements, offset commits), which Nagle's algorithm
        // and delayed ACKs would hold back about 40 ms each.
        [("bootstrap.servers", bootstrapServers), ("client.id", clientID), ("socket.nagle.disable", "true")]
    }
}

/// One log line from librdkafka. `level` follows syslog: 0 emergency ... 3 error, 4 warning, 5 notice, 6 info, 7 debug.
public struct KafkaLogLine: Sendable {
    public var level: Int32
    public var facility: String
    public var message: String
}

/// Settings of a producer.
public struct ProducerConfiguration: Sendable {
    public var kafka: KafkaConfiguration
    /// Idempotent producer: no duplicates or reordering from retries within a session.
    public var idempotent: Bool = true
    /// Makes the producer transactional. Implies idempotence.
    public var transactionalID: String?
    /// Longest time a transaction may stay open before the coordinator aborts it.
    public var transactionTimeoutMilliseconds: Int = 60_000
    /// How long to wait to fill a batch before sending.
    public var lingerMilliseconds: Int = 5
    /// Upper bound on the time a record may wait for delivery, retries included.
    public var messageTimeoutMilliseconds: Int = 120_000
    /// `none`, `gzip`, `snappy`, `lz4` or `zstd`.
    public var compression: String = "none"
    /// Most messages queued in the client at once.
    public var queueBufferingMaxMessages: Int = 1_000_000
    /// How a record without an explicit partition is given one from its key (`partitioner`): `murmur2_random` is
    /// Java's client's, `consistent_random` librdkafka's default; nil leaves librdkafka's default.
    public var partitioner: String?

    public init(kafka: KafkaConfiguration) {
        self.kafka = kafka
    }

    func properties() -> [(String, String)] {
        var result = kafka.baseProperties()
        result.append(("enable.idempotence", (idempotent || transactionalID != nil) ? "true" : "false"))
        if let transactionalID {
            result.append(("transactional.id", transactionalID))
            result.append(("transaction.timeout.ms", String(transactionTimeoutMilliseconds)))
        }
        result.append(("linger.ms", String(lingerMilliseconds)))
        // librdkafka refuses a record timeout longer than the transaction timeout.
        let messageTimeout =
            transactionalID == nil
            ? messageTimeoutMilliseconds : min(messageTimeoutMilliseconds, transactionTimeoutMilliseconds)
        result.append(("message.timeout.ms", String(messageTimeout)))
        result.append(("compression.codec", compression))
        result.append(("queue.buffering.max.messages", String(queueBufferingMaxMessages)))
        if let partitioner {
            result.append(("partitioner", partitioner))
        }
        result.append(contentsOf: kafka.properties.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        return result
    }
}

/// Settings of a consumer. Without `groupID` the consumer reads only partitions it is assigned explicitly.
public struct ConsumerConfiguration: Sendable {
    /// Which records of transactional producers a consumer sees.
    public enum IsolationLevel: String, Sendable {
        /// Only records of committed transactions (and non-transactional ones).
        case readCommitted = "read_committed"
        /// Every record, including those of open and aborted transactions.
        case readUncommitted = "read_uncommitted"
    }

    /// Where to start when the group has no committed offset.
    public enum OffsetReset: String, Sendable {
        case earliest
        case latest
        /// Fail with an error instead of guessing.
        case error
    }

    public var kafka: KafkaConfiguration
    public var groupID: String?
    /// Static membership (KIP-345): a restarted member with the same id gets its partitions back without a rebalance.
    public var groupInstanceID: String?
    public var isolationLevel: IsolationLevel = .readCommitted
    public var autoOffsetReset: OffsetReset = .earliest
    /// Assignment strategy; `cooperative-sticky` moves only the partitions that must move.
    public var partitionAssignmentStrategy: String = "cooperative-sticky"
    public var sessionTimeoutMilliseconds: Int = 45_000
    public var heartbeatIntervalMilliseconds: Int = 3_000
    public var maxPollIntervalMilliseconds: Int = 300_000
    /// Commit offsets in the background. Kairos commits explicitly, so this is off by default.
    public var enableAutoCommit: Bool = false
    /// Report when a partition's end is reached (see `KafkaPollResult.reachedEnd`).
    public var enablePartitionEOF: Bool = false
    /// `fetch.wait.max.ms`: longest time a broker holds a fetch open waiting for data, which bounds how late a
    /// record produced to an idle partition reaches `poll`. nil leaves librdkafka's default (500 ms).
    public var fetchWaitMaxMilliseconds: Int?
    /// `queued.min.messages`: how many records per partition the client tries to keep prefetched, which bounds how
    /// far ahead of `poll` it fetches by count. nil leaves librdkafka's default (100,000).
    public var queuedMinMessages: Int?
    /// `queued.max.messages.kbytes`: most kilobytes of prefetched records the client queues (for the consumer as a
    /// whole), which bounds its memory for records not yet polled; it takes precedence over `queuedMinMessages`.
    /// nil leaves librdkafka's default (65,536 KB).
    public var queuedMaxMessagesKilobytes: Int?

    public init(kafka: KafkaConfiguration, groupID: String? = nil) {
        self.kafka = kafka
        self.groupID = groupID
    }

    func properties() -> [(String, String)] {
        var result = kafka.baseProperties()
        if let groupID {
            result.append(("group.id", groupID))
            result.append(("partition.assignment.strategy", partitionAssignmentStrategy))
            result.append(("session.timeout.ms", String(sessionTimeoutMilliseconds)))
            result.append(("heartbeat.interval.ms", String(heartbeatIntervalMilliseconds)))
            result.append(("max.poll.interval.ms", String(maxPollIntervalMilliseconds)))
        } else {
            // librdkafka needs a group id even to assign partitions by hand; this consumer never joins or commits.
            result.append(("group.id", "\(kafka.clientID)-unjoined"))
        }
        if let groupInstanceID {
            result.append(("group.instance.id", groupInstanceID))
        }
        result.append(("isolation.level", isolationLevel.rawValue))
        result.append(("auto.offset.reset", autoOffsetReset.rawValue))
        result.append(("enable.auto.commit", enableAutoCommit ? "true" : "false"))
        result.append(("enable.auto.offset.store", "false"))
        result.append(("enable.partition.eof", enablePartitionEOF ? "true" : "false"))
        if let fetchWaitMaxMilliseconds {
            result.append(("fetch.wait.max.ms", String(fetchWaitMaxMilliseconds)))
        }
        if let queuedMinMessages {
            result.append(("queued.min.messages", String(queuedMinMessages)))
        }
        if let queuedMaxMessagesKilobytes {
            result.append(("queued.max.messages.kbytes", String(queuedMaxMessagesKilobytes)))
        }
        result.append(contentsOf: kafka.properties.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        return result
    }
}
