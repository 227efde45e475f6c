import CRDKafka

/// One reference to a librdkafka event queue, released in `deinit`. Made by `RDKafkaHandle.consumerQueue()`.
///
/// It keeps its handle alive, so the queue reference is always released before the handle is destroyed
/// (`rd_kafka_destroy` expects the application to have released its queues).
///
/// `@unchecked Sendable`: librdkafka queues are thread-safe (`rd_kafka_queue_yield` is meant to be called from
/// another thread than the one waiting); the reference is immutable and released once.
final class RDKafkaQueue: @unchecked Sendable {
    private let queue: OpaquePointer
    private let handle: RDKafkaHandle

    init(_ queue: OpaquePointer, of handle: RDKafkaHandle) {
        self.queue = queue
        self.handle = handle
    }

    deinit {
        rd_kafka_queue_destroy(queue)
    }

    /// Makes a wait on this queue return now; with no one waiting, the next wait returns at once.
    func yield() {
        rd_kafka_queue_yield(queue)
    }
}
