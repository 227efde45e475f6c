/// What one `poll` returned.
public struct KafkaPollResult: Sendable {
    /// Records in offset order per partition.
    public var records: [KafkaConsumerRecord] = []
    /// Partitions whose end was reached, with the offset of the end (only with `enablePartitionEOF`).
    public var reachedEnd: [TopicPartitionOffset] = []
    /// Errors the client reported that it recovers from by itself (a broker connection lost, for example).
    public var errors: [KafkaError] = []
}

/// A Kafka consumer: a consumer-group member (`subscribe`) or a reader of explicitly assigned partitions (`assign`).
///
/// `poll` and everything that changes the assignment belong to one thread at a time: the rebalance handler runs
/// synchronously inside `poll`, on the polling thread.
///
/// `@unchecked Sendable`: librdkafka's consumer handle is thread-safe; the rebalance handler is invoked only from
/// `poll`, on the caller's thread.
public final class KafkaConsumer: @unchecked Sendable {
    /// Handles assignment changes; see `RebalanceEvent` for when each case runs. For `.assigned` it returns the
    /// starting offsets of partitions that should not start at the committed offset; otherwise its result is ignored.
    public typealias RebalanceHandler = (RebalanceEvent) -> [TopicPartitionOffset]

    private let handle: RDKafkaHandle
    /// The queue `poll` waits on (everything is forwarded to it); kept for `wakeUp`.
    private let consumerQueue: RDKafkaQueue?
    private var closed = false

    /// Creates the consumer. Group consumers use `partitionAssignmentStrategy` from `configuration`; with
    /// cooperative-sticky, assignments change incrementally.
    public init(
        configuration: ConsumerConfiguration,
        rebalanceHandler: RebalanceHandler? = nil
    ) throws(KafkaError) {
        // A group consumer always takes rebalances itself (see RDKafkaHandle+Rebalance.swift), handler or not.
        let rebalance: RebalanceHandler? =
            configuration.groupID == nil ? nil : { event in rebalanceHandler?(event) ?? [] }
        handle = try RDKafkaHandle(
            kind: .consumer,
            properties: configuration.properties(),
            callbacks: RDKafkaCallbacks(logHandler: configuration.kafka.logHandler, rebalance: rebalance),
            operation: "create consumer"
        )
        // Serve everything (rebalances, logs, errors) through the consumer queue, i.e. from `poll`.
        handle.serveEventsFromConsumerPoll()
        consumerQueue = handle.consumerQueue()
    }

    deinit {
        if !closed {
            try? handle.closeConsumer()
        }
        // The consumer queue is released with this object; it keeps the handle alive, so it goes first.
    }

    /// Makes a `poll` waiting on another thread return now, before its timeout (with what it has, possibly nothing).
    /// Safe from any thread at any time; a wake-up with no `poll` waiting makes the next one return at once.
    public func wakeUp() {
        consumerQueue?.yield()
    }

    /// Joins the consumer group for `topics` (replacing an earlier subscription).
    public func subscribe(_ topics: [String]) throws(KafkaError) {
        try handle.subscribe(topics)
    }

    /// Reads exactly these partitions from these offsets, outside any group (replaces the assignment).
    public func assign(_ offsets: [TopicPartitionOffset]) throws(KafkaError) {
        try handle.assign(offsets)
    }

    /// Waits up to `timeoutMilliseconds` for a first record or event, then takes what else is ready without
    /// waiting, up to `maxRecords` records. Returns early when a rebalance happened.
    public func poll(maxRecords: Int = 1_000, timeoutMilliseconds: Int32) throws(KafkaError) -> KafkaPollResult {
        var result = KafkaPollResult()
        var timeout = timeoutMilliseconds
        while result.records.count < maxRecords {
            guard let event = handle.consumerPoll(timeoutMilliseconds: timeout) else { break }
            timeout = 0
            switch event {
            case .record(let record):
                result.records.append(record)
            case .reachedEnd(let end):
                result.reachedEnd.append(end)
            case .error(let error):
                if let fatal = handle.fatalError(operation: "consume") {
                    throw fatal
                }
                result.errors.append(error)
            }
        }
        return result
    }

    /// Commits `offsets` (each the offset of the next record to read) for the group and waits for the answer.
    public func commit(_ offsets: [TopicPartitionOffset]) throws(KafkaError) {
        try handle.commit(offsets)
    }

    /// The group's committed offsets for `partitions`; `TopicPartitionOffset.invalid` where the group has none.
    public func committed(_ partitions: [TopicPartition], timeoutMilliseconds: Int32 = 10_000) throws(KafkaError)
        -> [TopicPartitionOffset]
    {
        try handle.committed(partitions, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// The offset of the next record `poll` will return for each partition (after what was returned so far).
    public func position(_ partitions: [TopicPartition]) throws(KafkaError) -> [TopicPartitionOffset] {
        try handle.position(partitions)
    }

    /// Moves the read position of assigned partitions; the next `poll` continues from there.
    public func seek(_ offsets: [TopicPartitionOffset], timeoutMilliseconds: Int32 = 10_000) throws(KafkaError) {
        try handle.seek(offsets, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Stops fetching these assigned partitions until `resume`; they stay assigned.
    public func pause(_ partitions: [TopicPartition]) throws(KafkaError) {
        try handle.pause(partitions)
    }

    /// Fetches paused partitions again.
    public func resume(_ partitions: [TopicPartition]) throws(KafkaError) {
        try handle.resume(partitions)
    }

    /// The partitions currently assigned to this consumer.
    public func assignment() throws(KafkaError) -> [TopicPartition] {
        try handle.assignment()
    }

    /// Low (first) and high (next to be written) offsets of a partition, asked of the broker.
    /// For a read_committed consumer the high offset is the last stable offset.
    public func watermarks(of partition: TopicPartition, timeoutMilliseconds: Int32 = 10_000) throws(KafkaError)
        -> (low: Int64, high: Int64)
    {
        try handle.queryWatermarks(of: partition, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// The end offset (next to be written) of each of `partitions`, asked of their leaders in one request per broker
    /// rather than one per partition. For a read_committed consumer it is the last stable offset.
    public func endOffsets(of partitions: [TopicPartition], timeoutMilliseconds: Int32 = 10_000) throws(KafkaError)
        -> [TopicPartition: Int64]
    {
        guard !partitions.isEmpty else { return [:] }
        return try handle.endOffsets(of: partitions, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// The high watermark of `partition` as of the last fetch response, without asking the broker; nil before the
    /// first fetch of the partition.
    public func cachedHighWatermark(of partition: TopicPartition) -> Int64? {
        guard let marks = handle.cachedWatermarks(of: partition), marks.high >= 0 else { return nil }
        return marks.high
    }

    /// This member's group metadata, for `KafkaProducer.sendOffsetsToTransaction`.
    public func groupMetadata() throws(KafkaError) -> ConsumerGroupMetadata {
        try handle.consumerGroupMetadata()
    }

    /// Number of partitions of `topic`, asked of the broker.
    public func partitionCount(of topic: String, timeoutMilliseconds: Int32 = 10_000) throws(KafkaError) -> Int {
        try handle.metadata(timeoutMilliseconds: timeoutMilliseconds)
            .topic(named: topic, operation: "count partitions").partitions.count
    }

    /// Leaves the group (the rebalance handler sees the final revocation) and stops fetching. Idempotent.
    public func close() throws(KafkaError) {
        guard !closed else { return }
        closed = true
        try handle.closeConsumer()
    }
}
