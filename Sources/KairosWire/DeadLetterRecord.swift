public import KafkaClient
public import ScheduleModel

/// A record of `dlq`: a command Kairos refused (`rejected`) or a firing that gave up (`delivery-failed`). It carries
/// the command's key, value and headers, so that it can be replayed, plus the headers of `KairosHeader` that say
/// why and from where.
public struct DeadLetterRecord: Sendable, Hashable {
    /// Why it is in the DLQ.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A command that cannot be understood or is not allowed.
        case rejected
        /// A firing whose delivery failed for good or exhausted its attempts.
        case deliveryFailed = "delivery-failed"
    }

    /// The kind, nil when the record has none (not written by Kairos).
    public var kind: Kind?
    /// `kairos-error`.
    public var error: String
    /// Where a rejected command was read.
    public var source: TopicPartitionOffset?
    /// The schedule id of a failed firing (`kairos-id`).
    public var id: String?
    /// The nominal instant of a failed firing, epoch milliseconds.
    public var scheduledFor: Int64?
    /// The occurrence of a failed firing.
    public var occurrence: Int64?
    /// The status of a webhook's last answer.
    public var httpStatus: Int?
    /// Attempts a webhook delivery made.
    public var attempts: Int?
    /// The command the dead letter came from: its key, value and headers without those Kairos added.
    public var command: Command

    /// A command as it was written (or, for a failed firing, as it delivers again now).
    public struct Command: Sendable, Hashable {
        public var key: [UInt8]?
        public var value: [UInt8]?
        public var headers: [KafkaHeader]

        public init(key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader]) {
            self.key = key
            self.value = value
            self.headers = headers
        }
    }

    /// Reads what Kairos wrote on a dead letter.
    public init(_ record: KafkaConsumerRecord) {
        func header(_ name: String) -> String? {
            record.headers.last { $0.name == name }?.value.map { String(decoding: $0, as: UTF8.self) }
        }
        kind = header(KairosHeader.errorKind).flatMap(Kind.init(rawValue:))
        error = header(KairosHeader.error) ?? ""
        if let topic = header(KairosHeader.sourceTopic),
            let partition = header(KairosHeader.sourcePartition).flatMap(Int32.init),
            let offset = header(KairosHeader.sourceOffset).flatMap(Int64.init)
        {
            source = TopicPartitionOffset(topic: topic, partition: partition, offset: offset)
        }
        id = header(KairosHeader.id)
        scheduledFor = header(KairosHeader.scheduledFor).flatMap { Int64($0) }
        occurrence = header(KairosHeader.occurrence).flatMap { Int64($0) }
        httpStatus = header(KairosHeader.httpStatus).flatMap { Int($0) }
        attempts = header(KairosHeader.attempts).flatMap { Int($0) }
        let headers = record.headers.filter { !KairosHeader.deadLetterHeaders.contains($0.name) }
        command = Command(key: record.key, value: record.value, headers: headers)
    }

    /// The dead letter of a command Kairos refused: the record as it was, plus why and where it was read.
    public static func rejected(_ command: KafkaConsumerRecord, reason: String, topic: String) -> KafkaProducerRecord {
        var headers = command.headers
        headers.append(KafkaHeader(KairosHeader.error, reason))
        headers.append(KafkaHeader(KairosHeader.errorKind, Kind.rejected.rawValue))
        headers.append(KafkaHeader(KairosHeader.sourceTopic, command.topic))
        headers.append(KafkaHeader(KairosHeader.sourcePartition, String(command.partition)))
        headers.append(KafkaHeader(KairosHeader.sourceOffset, String(command.offset)))
        return KafkaProducerRecord(topic: topic, key: command.key, value: command.value, headers: headers)
    }

    /// The dead letter of a firing that failed: the schedule's payload and pass-through headers, its target as a
    /// command gives it (so that a replay delivers again, now), why, and which occurrence.
    public static func deliveryFailed(
        _ schedule: Schedule, occurrence: Occurrence, reason: String, httpStatus: Int? = nil, attempts: Int? = nil,
        topic: String
    ) -> KafkaProducerRecord {
        var headers = schedule.headers.map { KafkaHeader(name: $0.name, value: $0.value) }
        headers += ScheduleCommand.deliveryHeaders(of: schedule)
        headers.append(KafkaHeader(KairosHeader.error, reason))
        headers.append(KafkaHeader(KairosHeader.errorKind, Kind.deliveryFailed.rawValue))
        if let httpStatus {
            headers.append(KafkaHeader(KairosHeader.httpStatus, String(httpStatus)))
        }
        if let attempts {
            headers.append(KafkaHeader(KairosHeader.attempts, String(attempts)))
        }
        headers.append(KafkaHeader(KairosHeader.id, schedule.id))
        headers.append(KafkaHeader(KairosHeader.scheduledFor, String(occurrence.instant)))
        headers.append(KafkaHeader(KairosHeader.occurrence, String(occurrence.number)))
        return KafkaProducerRecord(
            topic: topic, key: Array(schedule.id.utf8), value: schedule.payload, headers: headers)
    }
}
