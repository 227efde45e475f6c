/// One Kafka record header. Header names may repeat; order is preserved. A nil value is a null header.
public struct KafkaHeader: Hashable, Sendable {
    public var name: String
    public var value: [UInt8]?

    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }

    /// A header whose value is the UTF-8 bytes of `value`.
    public init(_ name: String, _ value: String) {
        self.init(name: name, value: Array(value.utf8))
    }
}

/// A record to produce. A nil key or value is sent as null (a nil value is a tombstone).
public struct KafkaProducerRecord: Sendable {
    public var topic: String
    /// Explicit partition, or nil for the configured partitioner (hash of the key).
    public var partition: Int32?
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [KafkaHeader]
    /// Record timestamp in epoch milliseconds; nil lets the client stamp it now.
    public var timestamp: Int64?

    public init(
        topic: String,
        partition: Int32? = nil,
        key: [UInt8]? = nil,
        value: [UInt8]?,
        headers: [KafkaHeader] = [],
        timestamp: Int64? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }
}

/// A record read from Kafka.
public struct KafkaConsumerRecord: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    /// The value, or nil for a tombstone.
    public var value: [UInt8]?
    public var headers: [KafkaHeader]
    /// Record timestamp in epoch milliseconds (create or log-append time), or nil when the broker gave none.
    public var timestamp: Int64?

    public init(
        topic: String,
        partition: Int32,
        offset: Int64,
        key: [UInt8]?,
        value: [UInt8]?,
        headers: [KafkaHeader],
        timestamp: Int64?
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }

    public var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }
}

/// Where a produced record landed.
public struct DeliveryReport: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
}
