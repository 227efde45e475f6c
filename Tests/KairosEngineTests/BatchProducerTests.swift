@testable import KairosEngine
import KafkaClient
import KairosWire
import ScheduleModel
import Testing
import TestThreads

@Suite(.ownThreads) struct BatchProducerTests {
    /// The firings the producer asked a substitute for, and the errors it gave.
    final class Substitutions {
        var asked: [(id: String, error: KafkaError)] = []
    }

    let settings: EngineSettings
    let cluster: EmbeddedKafkaCluster
    let substitutions = Substitutions()

    init() throws {
        var settings = testSettings(guarantee: .atLeastOnce)
        settings.instanceID = "producer-tests"
        self.settings = settings
        cluster = try embeddedCluster(settings)
    }

    /// A producer whose substitute for a refused firing is one record on `dlq` holding the schedule id.
    func producer(_ guarantee: DeliveryGuarantee = .atLeastOnce) throws -> BatchProducer {
        var settings = settings
        settings.guarantee = guarantee
        let substitutions = substitutions
        let deadLetters = settings.topics.deadLetters
        return try BatchProducer(kafka: clusterConfiguration(cluster), settings: settings, logger: quietLogger) {
            firing, error in
            substitutions.asked.append((firing.schedule.id, error))
            return [KafkaProducerRecord(topic: deadLetters, value: Array("instead of \(firing.schedule.id)".utf8))]
        }
    }

    /// A batch firing `schedule` (its fired record at index 0), with the firing's event after it.
    func firing(_ schedule: Schedule) throws -> OutputBatch {
        var batch = OutputBatch(topics: settings.topics)
        let occurrence = Occurrence(number: 1, instant: schedule.scheduledFor)
        batch.firings[0] = Firing(partition: 0, schedule: schedule, occurrence: occurrence, firedAt: 5)
        batch.records.append(try #require(FiredRecord.record(of: schedule, occurrence: occurrence, firedAt: 5)))
        batch.append(
            EventRecord(kind: .fired, id: schedule.id, occurrence: 1, scheduledFor: schedule.scheduledFor, at: 5, partition: 0))
        return batch
    }

    func toPartition(_ partition: Int32, _ id: String) -> Schedule {
        var schedule = oneShot(id, at: 1, payload: id)
        schedule.targetPartition = partition
        return schedule
    }

    /// Produces `batch` and waits for every acknowledgement.
    func send(_ batch: OutputBatch, with producer: BatchProducer) throws -> DeliveryTracker {
        let tracker = producer.makeTracker()
        try producer.produce(batch, into: tracker)
        tracker.seal {}
        try tracker.waitForAll(timeout: .seconds(20))
        return tracker
    }

    @Test func aFiredRecordToAPartitionThatDoesNotExistIsRefusedAtOnceAndReplacedByItsSubstitute() throws {
        let producer = try producer()
        // Once the producer knows the target topic, a partition it does not have is refused before anything is sent.
        let warm = try send(try firing(toPartition(0, "known")), with: producer)
        #expect(warm.failures.isEmpty)
        let batch = try firing(toPartition(5, "nowhere"))
        let tracker = try send(batch, with: producer)
        #expect(tracker.failures.isEmpty)
        #expect(producer.undeliverable(batch, tracker) == nil)
        #expect(substitutions.asked.map(\.id) == ["nowhere"])
        #expect(substitutions.asked.first?.error.code == KafkaError.Code.unknownPartition)
        #expect(substitutions.asked.first?.error.isUndeliverableRecord == true)
        let letters = try readAll(cluster, topic: settings.topics.deadLetters)
        #expect(letters.map(\.value) == [Array("instead of nowhere".utf8)])
        #expect(try readAll(cluster, topic: "fired").map(\.value) == [Array("known".utf8)])
        // The rest of the batch went out as it was.
        #expect(eventKinds(try readAll(cluster, topic: settings.topics.events).map(produced)) == ["fired", "fired"])
    }

    @Test func aRecordRefusedAtOnceThatIsNoFiringFailsTheBatch() throws {
        let producer = try producer()
        _ = try send(try firing(toPartition(0, "known")), with: producer)
        var batch = OutputBatch(topics: settings.topics)
        batch.records.append(KafkaProducerRecord(topic: "fired", partition: 3, value: [1]))
        let tracker = producer.makeTracker()
        #expect {
            try producer.produce(batch, into: tracker)
        } throws: { error in
            (error as? KafkaError)?.code == KafkaError.Code.unknownPartition
        }
        #expect(substitutions.asked.isEmpty)
        #expect(tracker.isComplete, "the refused record's registration is taken back")
    }

    @Test func aFiredRecordTheClusterRefusesLaterIsUndeliverable() throws {
        // A new producer does not know the topic yet: the record is queued, and refused once the metadata is in.
        let producer = try producer()
        let batch = try firing(toPartition(7, "later"))
        let tracker = try send(batch, with: producer)
        #expect(tracker.failures.map(\.0) == [0])
        let refused = try #require(producer.undeliverable(batch, tracker))
        #expect(refused.firings.map(\.0.schedule.id) == ["later"])
        #expect(refused.firings.first?.1.isUndeliverableRecord == true)
        #expect(refused.description.hasPrefix("undeliverable: later: "))
        #expect(substitutions.asked.isEmpty, "no substitute for a record that was handed over")
    }

    @Test func aDeliveryReportComesAtTheLatestFiveSecondsAfterTheMessageTimeout() throws {
        let producer = try producer()
        #expect(producer.deliveryTimeout == .milliseconds(ProducerConfiguration(kafka: clusterConfiguration(cluster))
            .messageTimeoutMilliseconds) + .seconds(5))
    }

    @Test func recoveringFromAFailedTransactionAbortsItSoTheNextOneCanBegin() throws {
        let producer = try producer(.exactlyOnce)
        let before = producer.producer
        try producer.producer.beginTransaction()
        try producer.producer.produce(KafkaProducerRecord(topic: "fired", partition: 0, value: Array("aborted".utf8)))
        producer.recover(from: EngineError("the batch failed"))
        #expect(producer.producer === before, "an error that is not fatal keeps the producer")
        // Would throw if the failed transaction were still open.
        try producer.producer.beginTransaction()
        try producer.producer.produce(KafkaProducerRecord(topic: "fired", partition: 0, value: Array("committed".utf8)))
        try producer.producer.commitTransaction()
        #expect(try readAll(cluster, topic: "fired").compactMap(\.value).contains(Array("committed".utf8)))
    }

    /// A record read back, as the record that was produced (for `eventKinds`).
    func produced(_ record: KafkaConsumerRecord) -> KafkaProducerRecord {
        KafkaProducerRecord(topic: record.topic, partition: record.partition, key: record.key, value: record.value)
    }
}
