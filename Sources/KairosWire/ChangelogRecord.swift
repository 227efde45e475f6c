public import KafkaClient
public import ScheduleModel

/// The records of `changelog`-k: a schedule's state keyed by its id (`ScheduleCodec`), a tombstone when it ends,
/// and a progress record holding the next `commands`-k offset to read. The progress key starts with byte 0xFF,
/// which no UTF-8 schedule id can, so it never collides with a schedule.
public enum ChangelogRecord {
    static let progressKey: [UInt8] = [0xFF] + Array("commands-next-offset".utf8)

    /// A schedule's state; `encoded` is `ScheduleCodec.encode(schedule)`.
    public static func state(id: String, encoded: [UInt8], topic: String, partition: Int32) -> KafkaProducerRecord {
        KafkaProducerRecord(topic: topic, partition: partition, key: Array(id.utf8), value: encoded)
    }

    /// The end of a schedule (fired its last occurrence, or cancelled).
    public static func tombstone(id: String, topic: String, partition: Int32) -> KafkaProducerRecord {
        KafkaProducerRecord(topic: topic, partition: partition, key: Array(id.utf8), value: nil)
    }

    /// Where the commands of `partition` resume: the offset after the last one applied.
    public static func progress(nextOffset: Int64, topic: String, partition: Int32) -> KafkaProducerRecord {
        KafkaProducerRecord(
            topic: topic, partition: partition, key: progressKey, value: OrderedInteger.encode(nextOffset))
    }

    /// What one changelog record says.
    public enum Entry: Sendable {
        /// The schedule's state, and the bytes it was read from.
        case schedule(Schedule, encoded: [UInt8])
        /// The schedule with this id ended.
        case removed(id: String)
        /// The commands of the partition resume at this offset.
        case progress(nextCommandOffset: Int64)
        /// A record that cannot be read, and why.
        case unreadable(String)
    }

    /// Reads a changelog record.
    public static func entry(key: [UInt8]?, value: [UInt8]?) -> Entry {
        guard let key, !key.isEmpty else { return .unreadable("changelog record without a key") }
        if key == progressKey {
            guard let value, let offset = OrderedInteger.decode(value) else {
                return .unreadable("progress record without an offset")
            }
            return .progress(nextCommandOffset: offset)
        }
        guard let value else {
            return .removed(id: String(decoding: key, as: UTF8.self))
        }
        do {
            return .schedule(try ScheduleCodec.decode(value), encoded: value)
        } catch {
            return .unreadable("schedule \(String(decoding: key, as: UTF8.self)): \(error)")
        }
    }

    /// Whether a changelog key is a progress record's rather than a schedule id.
    public static func isProgress(key: [UInt8]) -> Bool {
        key.first == 0xFF
    }
}
