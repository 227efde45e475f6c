import KafkaClient
import ScheduleModel

/// The record a consumer reads back after `record` was produced to `partition` at `offset`.
func consumed(_ record: KafkaProducerRecord, partition: Int32 = 0, offset: Int64 = 0, timestamp: Int64? = 1_000)
    -> KafkaConsumerRecord
{
    KafkaConsumerRecord(
        topic: record.topic, partition: record.partition ?? partition, offset: offset, key: record.key,
        value: record.value, headers: record.headers, timestamp: record.timestamp ?? timestamp)
}

/// A one-shot schedule to a Kafka topic.
func kafkaSchedule(_ id: String = "order-42", topic: String = "orders.due") -> Schedule {
    Schedule(
        id: id, target: .kafka(topic: topic), payload: Array("ship it".utf8),
        headers: [ScheduleHeader(name: "trace", value: Array("t-1".utf8)), ScheduleHeader(name: "empty", value: nil)],
        scheduledFor: 1_800_000_000_000, sourceOffset: 7)
}
