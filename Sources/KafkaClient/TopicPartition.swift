/// One partition of one topic.
public struct TopicPartition: Hashable, Sendable, CustomStringConvertible, Comparable {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic)[\(partition)]" }

    public static func < (lhs: TopicPartition, rhs: TopicPartition) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }
}

/// A partition and an offset in it: a position to commit or seek to.
public struct TopicPartitionOffset: Hashable, Sendable, CustomStringConvertible {
    public var topicPartition: TopicPartition
    /// The offset of the next record to read (Kafka's commit convention), or one of the logical offsets.
    public var offset: Int64

    public init(_ topicPartition: TopicPartition, offset: Int64) {
        self.topicPartition = topicPartition
        self.offset = offset
    }

    public init(topic: String, partition: Int32, offset: Int64) {
        self.init(TopicPartition(topic: topic, partition: partition), offset: offset)
    }

    public var description: String { "\(topicPartition)@\(offset)" }

    /// Logical offset: the first record still in the log.
    public static let beginning: Int64 = -2
    /// Logical offset: the end of the log (the next record produced).
    public static let end: Int64 = -1
    /// No offset: what `committed` reports for a partition the group never committed.
    public static let invalid: Int64 = -1001
    /// Logical offset: the committed offset of the group, else `auto.offset.reset`.
    public static let stored: Int64 = -1000
}
