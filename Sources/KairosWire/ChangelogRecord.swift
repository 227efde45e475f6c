import KafkaClient
import ScheduleModel

/// The records Kairos writes to `changelog`-k: a schedule's state keyed by its id (a tombstone when it ends), and
/// a progress record holding the next `commands`-k offset to read. The progress key starts with byte 0xFF, which
/// no UTF-8 schedule id can, so it never collides with a schedule.
enum ChangelogRecord {
    static let progressKey: [UInt8] = [0xFF] + Array("commands-next-offset".utf8)

    /// A schedule's state; `encoded` is `ScheduleCodec.encode(schedule)`.
    static func state(id: String, encoded: [UInt8], topic: String, partition: Int32) -> KafkaProducerRecord {
        KafkaProducerRecord(topic: topic, partition: partition, key: Array(id.utf8), value: encoded)
    }

    static func tombstone(id: String, topic: String, partition: Int32) -> KafkaProducerRecord {
        KafkaProducerRecord(topic: topic, partition: partition, key: Array(id.utf8), value: nil)
    }

    static func progress(nextOffset: Int64, topic: String, partition: Int32) -> KafkaProducerRecord {
        KafkaProducerRecord(
            topic: topic, partition: partition, key: progressKey, value: ScheduleStore.encodeInteger(nextOffset))
    }

    /// What a changelog record means for the store.
    enum Meaning {
        case change(StoreChange)
        case progress(nextCommandOffset: Int64)
        case unreadable(String)
    }

    static func meaning(of record: KafkaConsumerRecord) -> Meaning {
        guard let key = record.key, !key.isEmpty else { return .unreadable("changelog record without a key") }
        if key == progressKey {
            guard let value = record.value, let offset = ScheduleStore.decodeInteger(value) else {
                return .unreadable("progress record without an offset")
            }
            return .progress(nextCommandOffset: offset)
        }
        guard let value = record.value else {
            return .change(.delete(id: String(decoding: key, as: UTF8.self)))
        }
        do {
            return .change(.upsert(try ScheduleCodec.decode(value), encoded: value))
        } catch {
            return .unreadable("schedule \(String(decoding: key, as: UTF8.self)): \(error)")
        }
    }
}
