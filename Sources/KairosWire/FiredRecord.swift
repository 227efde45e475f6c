public import KafkaClient
public import ScheduleModel

/// A fired record on a Kafka target: the schedule's payload and key (`kairos-target-key`, else the id), its
/// pass-through headers, then `kairos-id`, `kairos-scheduled-for`, `kairos-fired-at` and `kairos-occurrence`.
public struct FiredRecord: Sendable, Hashable {
    /// The schedule id.
    public var id: String
    /// The nominal fire time, epoch milliseconds.
    public var scheduledFor: Int64
    /// When it was produced, epoch milliseconds.
    public var firedAt: Int64
    /// Which firing of the schedule: `(id, occurrence)` identifies it.
    public var occurrence: Int64

    public init(id: String, scheduledFor: Int64, firedAt: Int64, occurrence: Int64) {
        self.id = id
        self.scheduledFor = scheduledFor
        self.firedAt = firedAt
        self.occurrence = occurrence
    }

    /// Reads the Kairos headers of a record from a target topic; nil when it has none (not a firing).
    public init?(_ record: KafkaConsumerRecord) {
        func header(_ name: String) -> String? {
            record.headers.last { $0.name == name }?.value.map { String(decoding: $0, as: UTF8.self) }
        }
        guard let id = header(KairosHeader.id),
            let scheduledFor = header(KairosHeader.scheduledFor).flatMap({ Int64($0) }),
            let firedAt = header(KairosHeader.firedAt).flatMap({ Int64($0) }),
            let occurrence = header(KairosHeader.occurrence).flatMap({ Int64($0) })
        else { return nil }
        self.init(id: id, scheduledFor: scheduledFor, firedAt: firedAt, occurrence: occurrence)
    }

    /// The record that fires occurrence `occurrence` of `schedule` at `firedAt`; nil when its target is not a topic.
    /// An extra firing (negative occurrence) says so in `kairos-firing`.
    public static func record(of schedule: Schedule, occurrence: Occurrence, firedAt: Int64) -> KafkaProducerRecord? {
        guard case .kafka(let topic) = schedule.target else { return nil }
        var headers = schedule.headers.map { KafkaHeader(name: $0.name, value: $0.value) }
        headers.reserveCapacity(headers.count + 4)
        headers.append(KafkaHeader(KairosHeader.id, schedule.id))
        headers.append(KafkaHeader(KairosHeader.scheduledFor, String(occurrence.instant)))
        headers.append(KafkaHeader(KairosHeader.firedAt, String(firedAt)))
        headers.append(KafkaHeader(KairosHeader.occurrence, String(occurrence.number)))
        if occurrence.number < 0 {
            headers.append(KafkaHeader(KairosHeader.firing, "triggered"))
        }
        return KafkaProducerRecord(
            topic: topic, partition: schedule.targetPartition, key: schedule.targetKey ?? Array(schedule.id.utf8),
            value: schedule.payload, headers: headers)
    }
}

/// The headers of a webhook request a firing makes, besides the `kairos-http-header-*` ones: `Idempotency-Key:
/// <id>:<occurrence>`, `Kairos-Id`, `Kairos-Scheduled-For`, `Kairos-Occurrence` and `Kairos-Attempt`.
public enum WebhookHeaders {
    public static let idempotencyKey = "Idempotency-Key"
    public static let id = "Kairos-Id"
    public static let scheduledFor = "Kairos-Scheduled-For"
    public static let occurrence = "Kairos-Occurrence"
    public static let attempt = "Kairos-Attempt"

    /// The request headers of attempt `attempt` of occurrence `occurrence` of schedule `id`.
    public static func of(id: String, occurrence: Occurrence, attempt: Int) -> [(name: String, value: String)] {
        let id = headerValue(id)
        return [
            (idempotencyKey, "\(id):\(occurrence.number)"), (self.id, id), (scheduledFor, String(occurrence.instant)),
            (self.occurrence, String(occurrence.number)), (self.attempt, String(attempt)),
        ]
    }

    /// `text` as an HTTP header value: bytes outside printable ASCII, and `%`, percent-encoded (UTF-8).
    public static func headerValue(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 < 0x20 || $0 > 0x7E || $0 == UInt8(ascii: "%") }) else { return text }
        var out = ""
        for byte in text.utf8 {
            if byte < 0x20 || byte > 0x7E || byte == UInt8(ascii: "%") {
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count < 2 ? "0" + hex : hex)
            } else {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return out
    }
}
