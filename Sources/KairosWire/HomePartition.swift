/// Which partition of `commands` (and of `changelog`, and which store) a schedule id belongs to: a rule of Kairos's
/// own, so that commands for one id meet in one place whatever partitioner the client that wrote them used
/// (architecture invariant 10). A command that lands elsewhere is forwarded to its home partition.
public struct HomePartition: Sendable, Hashable {
    /// How an id is hashed.
    public enum Rule: String, Sendable, Hashable, CaseIterable {
        /// Java's default partitioner (and python3-kafka's, and librdkafka's `murmur2_random`): murmur2 of the key's
        /// bytes, sign bit cleared, modulo the partition count.
        case murmur2
        /// librdkafka's default (`consistent_random`, kcat's): CRC-32 of the key's bytes modulo the partition count.
        case crc32
    }

    public var rule: Rule
    /// Partitions of `commands`.
    public var partitions: Int32

    public init(rule: Rule, partitions: Int32) {
        precondition(partitions > 0, "a topic has at least one partition")
        self.rule = rule
        self.partitions = partitions
    }

    /// The home partition of schedule id `id` (its UTF-8 bytes, as the record key).
    public func of(_ id: String) -> Int32 {
        of(key: Array(id.utf8))
    }

    /// The home partition of a record key.
    public func of(key: [UInt8]) -> Int32 {
        switch rule {
        case .murmur2: Int32(Self.murmur2(key) & 0x7FFF_FFFF) % partitions
        case .crc32: Int32(truncatingIfNeeded: UInt64(Self.crc32(key)) % UInt64(partitions))
        }
    }

    /// MurmurHash2 (32-bit) with the seed and finalisation Kafka's Java client uses.
    static func murmur2(_ data: [UInt8]) -> UInt32 {
        let m: UInt32 = 0x5bd1_e995
        var h: UInt32 = 0x9747_b28c ^ UInt32(truncatingIfNeeded: data.count)
        var index = 0
        while index + 4 <= data.count {
            var k =
                UInt32(data[index]) | UInt32(data[index + 1]) << 8 | UInt32(data[index + 2]) << 16
                | UInt32(data[index + 3]) << 24
            k &*= m
            k ^= k >> 24
            k &*= m
            h &*= m
            h ^= k
            index += 4
        }
        let tail = data.count - index
        if tail == 3 { h ^= UInt32(data[index + 2]) << 16 }
        if tail >= 2 { h ^= UInt32(data[index + 1]) << 8 }
        if tail >= 1 {
            h ^= UInt32(data[index])
            h &*= m
        }
        h ^= h >> 13
        h &*= m
        h ^= h >> 15
        return h
    }

    /// CRC-32 (IEEE 802.3, as zlib and librdkafka compute it).
    static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }

    private static let crcTable: [UInt32] = (0..<256).map { (value: Int) -> UInt32 in
        var crc = UInt32(value)
        for _ in 0..<8 {
            crc = crc & 1 == 1 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1
        }
        return crc
    }
}

extension HomePartition.Rule {
    /// The librdkafka `partitioner` that places keyed records by this rule.
    public var librdkafkaPartitioner: String {
        switch self {
        case .murmur2: "murmur2_random"
        case .crc32: "consistent_random"
        }
    }
}
