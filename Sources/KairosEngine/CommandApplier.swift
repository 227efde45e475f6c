import KafkaClient
import KairosWire
import Logging
import ScheduleModel

/// Applies the records of `commands` to a batch: a valid command creates, replaces or cancels its schedule (the
/// changelog record, the store change and an event); a bad one goes to the DLQ with the reason, and an event says
/// so (invariant 8). Either way its offset is consumed with the batch.
///
/// Used only by the engine thread.
final class CommandApplier {
    private let decoder: CommandDecoder
    private let topics: KairosTopics
    private let clock: any EngineClock
    private let view: ScheduleView
    private let deliveries: WebhookDeliveries
    private let refused: RefusedFirings
    private let logger: Logger

    init(
        settings: EngineSettings, clock: any EngineClock, view: ScheduleView, deliveries: WebhookDeliveries,
        refused: RefusedFirings, logger: Logger
    ) {
        decoder = CommandDecoder(policy: settings.commandPolicy)
        topics = settings.topics
        self.clock = clock
        self.view = view
        self.deliveries = deliveries
        self.refused = refused
        self.logger = logger
    }

    /// Applies one command record of an owned partition to `batch`.
    func apply(_ record: KafkaConsumerRecord, to batch: inout OutputBatch) throws {
        let partition = record.partition
        batch.nextCommandOffsets[partition] = record.offset + 1
        let now = clock.now()
        let command = CommandRecord(record, receivedAt: now)
        if let id = command.id {
            deliveries.commandArrived(id: id, partition: partition)
        }
        switch decoder.decode(command) {
        case .success(.schedule(let schedule)):
            let existing = try view.schedule(schedule.id, partition: partition, in: batch)
            batch.put(schedule, replacing: existing, partition: partition)
            batch.append(
                EventRecord(
                    kind: existing == nil ? .scheduled : .replaced, id: schedule.id, occurrence: schedule.occurrence,
                    scheduledFor: schedule.scheduledFor, at: now, partition: partition))
            batch.tally.commandsApplied += 1
            refused.forget(schedule.id, partition: partition)  // a new version gets a fresh chance at delivery
        case .success(.cancel(let id)):
            batch.tally.commandsApplied += 1
            guard let existing = try view.schedule(id, partition: partition, in: batch) else { return }
            batch.remove(existing, partition: partition)
            batch.append(
                EventRecord(
                    kind: .cancelled, id: id, occurrence: existing.occurrence, scheduledFor: existing.scheduledFor,
                    at: now, partition: partition))
        case .failure(let rejection):
            batch.rejected += 1
            batch.tally.commandsRejected += 1
            batch.records.append(
                DeadLetterRecord.rejected(record, reason: rejection.reason, topic: topics.deadLetters))
            let id = record.key.map { String(decoding: $0.prefix(256), as: UTF8.self) } ?? ""
            batch.append(
                EventRecord(
                    kind: .rejected, id: id, occurrence: nil, scheduledFor: nil, at: now, partition: partition,
                    detail: rejection.reason))
            logger.notice(
                "command rejected",
                metadata: ["partition": "\(partition)", "offset": "\(record.offset)", "reason": "\(rejection.reason)"])
        }
    }
}
