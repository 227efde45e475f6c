import KafkaClient
import KairosWire
import ScheduleModel
import Testing

@Suite struct FiredRecordTests {
    @Test func aFiredRecordCarriesThePayloadKeyAndHeadersThenKairossOwn() throws {
        let schedule = kafkaSchedule()
        let occurrence = Occurrence(number: 4, instant: 1_800_000_060_000)
        let record = try #require(FiredRecord.record(of: schedule, occurrence: occurrence, firedAt: 1_800_000_060_003))
        #expect(record.topic == "orders.due")
        #expect(record.partition == nil)
        #expect(record.key == Array("order-42".utf8))
        #expect(record.value == Array("ship it".utf8))
        #expect(
            record.headers.map(\.name) == [
                "trace", "empty", "kairos-id", "kairos-scheduled-for", "kairos-fired-at", "kairos-occurrence",
            ])
        #expect(record.headers[1].value == nil)
        let read = try #require(FiredRecord(consumed(record)))
        #expect(
            read
                == FiredRecord(
                    id: "order-42", scheduledFor: 1_800_000_060_000, firedAt: 1_800_000_060_003, occurrence: 4))
    }

    @Test func aTargetKeyAndPartitionAreUsed() throws {
        var schedule = kafkaSchedule()
        schedule.targetKey = [0, 1, 2]
        schedule.targetPartition = 9
        let record = try #require(
            FiredRecord.record(of: schedule, occurrence: Occurrence(number: 1, instant: 0), firedAt: 0))
        #expect(record.key == [0, 1, 2])
        #expect(record.partition == 9)
    }

    @Test func onlyKafkaTargetsHaveAFiredRecord() {
        var schedule = kafkaSchedule()
        schedule.target = .http(HTTPTarget(url: "https://example.com/hook", host: "example.com"))
        #expect(FiredRecord.record(of: schedule, occurrence: Occurrence(number: 1, instant: 0), firedAt: 0) == nil)
    }

    @Test func aRecordWithoutKairossHeadersIsNotAFiring() {
        let record = KafkaConsumerRecord(
            topic: "t", partition: 0, offset: 0, key: nil, value: nil,
            headers: [KafkaHeader("kairos-id", "x"), KafkaHeader("kairos-occurrence", "one")], timestamp: nil)
        #expect(FiredRecord(record) == nil)
    }
}

@Suite struct WebhookHeadersTests {
    @Test func aRequestCarriesItsIdempotencyKeyAndOccurrence() {
        let headers = WebhookHeaders.of(id: "job-7", occurrence: Occurrence(number: 3, instant: 1_000), attempt: 2)
        #expect(
            headers.map(\.name) == [
                "Idempotency-Key", "Kairos-Id", "Kairos-Scheduled-For", "Kairos-Occurrence", "Kairos-Attempt",
            ])
        #expect(headers.map(\.value) == ["job-7:3", "job-7", "1000", "3", "2"])
    }

    @Test func idsOutsidePrintableASCIIArePercentEncoded() {
        #expect(WebhookHeaders.headerValue("plain-id_1") == "plain-id_1")
        #expect(WebhookHeaders.headerValue("ü") == "%C3%BC")
        #expect(WebhookHeaders.headerValue("a%b") == "a%25b")
        #expect(WebhookHeaders.headerValue("line\nbreak") == "line%0Abreak")
        let headers = WebhookHeaders.of(id: "ü\r", occurrence: Occurrence(number: 1, instant: 0), attempt: 1)
        #expect(headers[0].value == "%C3%BC%0D:1")
    }
}
