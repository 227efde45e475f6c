import KafkaClient
import KairosWire
import ScheduleModel
import Testing

@Suite struct DeadLetterRecordTests {
    let topics = KairosTopics(prefix: "k")

    @Test func aRejectedCommandKeepsItsRecordAndSaysWhyAndWhereFrom() throws {
        let command = KafkaConsumerRecord(
            topic: "k.commands", partition: 2, offset: 77, key: Array("bad".utf8), value: [0, 1],
            headers: [KafkaHeader("kairos-at", "tomorrow"), KafkaHeader("kairos-target", "t"), KafkaHeader("x", "y")],
            timestamp: 5)
        let record = DeadLetterRecord.rejected(command, reason: "header 'kairos-at': no", topic: topics.deadLetters)
        #expect(record.topic == "k.dlq" && record.key == command.key && record.value == command.value)
        let letter = DeadLetterRecord(consumed(record))
        #expect(letter.kind == .rejected)
        #expect(letter.error == "header 'kairos-at': no")
        #expect(letter.source == TopicPartitionOffset(topic: "k.commands", partition: 2, offset: 77))
        #expect(
            letter.command == DeadLetterRecord.Command(key: command.key, value: command.value, headers: command.headers)
        )
    }

    @Test func aFailedKafkaFiringReplaysToTheSameTarget() throws {
        var schedule = kafkaSchedule()
        schedule.targetKey = Array("k-1".utf8)
        schedule.targetPartition = 4
        let record = DeadLetterRecord.deliveryFailed(
            schedule, occurrence: Occurrence(number: 2, instant: 99), reason: "no such topic", topic: topics.deadLetters
        )
        let letter = DeadLetterRecord(consumed(record))
        #expect(letter.kind == .deliveryFailed)
        #expect(letter.id == "order-42" && letter.occurrence == 2 && letter.scheduledFor == 99)
        #expect(letter.httpStatus == nil && letter.attempts == nil && letter.source == nil)
        // The replayed command decodes to a schedule with the same target, payload and pass-through headers.
        let replayed = try decode(letter.command)
        #expect(replayed.target == schedule.target)
        #expect(replayed.targetKey == schedule.targetKey && replayed.targetPartition == 4)
        #expect(replayed.payload == schedule.payload && replayed.headers == schedule.headers)
    }

    @Test func aFailedWebhookReplaysWithItsMethodAndHeaders() throws {
        var schedule = kafkaSchedule("hook-1")
        schedule.target = .http(
            HTTPTarget(
                url: "https://api.example.com/h?q=1", host: "api.example.com", method: "PUT",
                headers: [ScheduleHeader(name: "x-tenant", value: Array("acme".utf8))]))
        let record = DeadLetterRecord.deliveryFailed(
            schedule, occurrence: Occurrence(number: 1, instant: 5), reason: "HTTP 404", httpStatus: 404, attempts: 3,
            topic: topics.deadLetters)
        let letter = DeadLetterRecord(consumed(record))
        #expect(letter.httpStatus == 404 && letter.attempts == 3 && letter.error == "HTTP 404")
        let replayed = try decode(letter.command)
        #expect(replayed.target == schedule.target)
    }

    @Test func aRecordKairosDidNotWriteHasNoKind() {
        let letter = DeadLetterRecord(
            KafkaConsumerRecord(
                topic: "k.dlq", partition: 0, offset: 0, key: nil, value: nil,
                headers: [KafkaHeader("kairos-error-kind", "exploded")], timestamp: nil))
        #expect(letter.kind == nil && letter.error.isEmpty)
    }

    private func decode(_ command: DeadLetterRecord.Command) throws -> Schedule {
        let record = CommandRecord(
            key: command.key, value: command.value,
            headers: command.headers.map { ScheduleHeader(name: $0.name, value: $0.value) }, timestamp: 1, offset: 0)
        guard
            case .success(.schedule(let schedule)) = CommandDecoder(policy: .permissive(topics: topics)).decode(record)
        else {
            throw TestError(
                "the dead letter does not replay: \(CommandDecoder(policy: .permissive(topics: topics)).decode(record))"
            )
        }
        return schedule
    }
}

struct TestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
