import Foundation
import KafkaClient

/// Reads partitions of one topic up to where they ended when the scan started (their high watermarks), outside
/// any consumer group, as a read_committed consumer: the way Kairos restores its state from the changelog.
struct PartitionScanner {
    let connection: KairosConnection
    /// A scan that gets no record and reaches no end for this long gives up.
    var stallTimeout: Duration = .seconds(60)

    /// Where a partition's scan starts, given its low and high watermarks.
    typealias StartOffset = (_ partition: Int32, _ low: Int64, _ high: Int64) -> Int64

    /// Calls `consume` with every record of `partitions` of `topic` from `start` (default: the beginning) to the
    /// high watermark each had when the scan started, partition by partition in offset order (partitions
    /// interleave). Returns the number of records read.
    @discardableResult
    func scan(
        topic: String, partitions: [Int32], from start: StartOffset = { _, low, _ in low },
        consume: (KafkaConsumerRecord) throws(ControlError) -> Void
    ) throws(ControlError) -> Int {
        var kafka = connection.kafka
        kafka.properties["fetch.wait.max.ms"] = kafka.properties["fetch.wait.max.ms"] ?? "50"
        var configuration = ConsumerConfiguration(kafka: kafka)
        configuration.isolationLevel = .readCommitted
        configuration.enablePartitionEOF = true
        let consumer: KafkaConsumer
        do {
            consumer = try KafkaConsumer(configuration: configuration)
        } catch {
            throw .usage("cannot configure a Kafka consumer: \(error.message)")
        }
        defer { try? consumer.close() }

        var ends: [TopicPartition: Int64] = [:]
        var starts: [TopicPartitionOffset] = []
        for partition in partitions {
            let topicPartition = TopicPartition(topic: topic, partition: partition)
            let marks: (low: Int64, high: Int64)
            do {
                marks = try consumer.watermarks(
                    of: topicPartition, timeoutMilliseconds: KairosConnection.metadataTimeoutMilliseconds)
            } catch {
                throw connection.unreachable(error)
            }
            let first = max(marks.low, start(partition, marks.low, marks.high))
            if first < marks.high {
                ends[topicPartition] = marks.high
                starts.append(TopicPartitionOffset(topicPartition, offset: first))
            }
        }
        guard !starts.isEmpty else { return 0 }
        do {
            try consumer.assign(starts)
        } catch {
            throw .failure("cannot read \(topic): \(error.message)")
        }

        var read = 0
        var lastProgress = ContinuousClock.now
        var lastError: KafkaError?
        while !ends.isEmpty {
            let result: KafkaPollResult
            do {
                result = try consumer.poll(maxRecords: 5_000, timeoutMilliseconds: 200)
            } catch {
                throw .failure("reading \(topic) failed: \(error.message)")
            }
            lastError = result.errors.last ?? lastError
            for record in result.records {
                guard let end = ends[record.topicPartition] else { continue }
                if record.offset < end {
                    try consume(record)
                    read += 1
                }
                if record.offset >= end - 1 {
                    ends[record.topicPartition] = nil
                }
            }
            for reached in result.reachedEnd {
                if let end = ends[reached.topicPartition], reached.offset >= end {
                    ends[reached.topicPartition] = nil
                }
            }
            if !result.records.isEmpty || !result.reachedEnd.isEmpty {
                lastProgress = .now
            }
            // The position also moves past transaction markers, which no record or end event announces.
            if result.records.isEmpty, !ends.isEmpty, let positions = try? consumer.position(Array(ends.keys)) {
                for position in positions where position.offset >= (ends[position.topicPartition] ?? .max) {
                    ends[position.topicPartition] = nil
                }
            }
            if ContinuousClock.now - lastProgress > stallTimeout {
                let pending = ends.keys.sorted().map(\.description).joined(separator: ", ")
                throw .failure(
                    "reading \(topic) from \(connection.bootstrapServers) stalled at \(pending)"
                        + (lastError.map { ": \($0.message)" } ?? ""))
            }
        }
        return read
    }
}
