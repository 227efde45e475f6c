import KafkaClient
import KairosWire
import Logging
import ScheduleModel

/// Fires what is due: each owned partition's due schedules in (fire time, id) order, at most `maxFiresPerBatch` a
/// batch. A Kafka target fires inside the batch (its fired record, its event, and its next state or its end); an
/// HTTP target is handed to `WebhookOutcomes`. Misfires are decided here: an occurrence missed while nobody owned the
/// partition fires once, late, or is skipped.
///
/// Used only by the engine thread.
final class DueFirings {
    private let settings: EngineSettings
    private let clock: any EngineClock
    private let view: ScheduleView
    private let owner: PartitionOwner
    private let webhooks: WebhookOutcomes
    private let refused: RefusedFirings
    private let logger: Logger

    init(
        settings: EngineSettings, clock: any EngineClock, view: ScheduleView, owner: PartitionOwner,
        webhooks: WebhookOutcomes, refused: RefusedFirings, logger: Logger
    ) {
        self.settings = settings
        self.clock = clock
        self.view = view
        self.owner = owner
        self.webhooks = webhooks
        self.refused = refused
        self.logger = logger
    }

    /// Fires the schedules due now into `batch`, passing over `passedOver` (per partition: deliveries in flight or
    /// waiting for room).
    func fire(into batch: inout OutputBatch, passingOver passedOver: [Int32: Set<String>]) throws {
        let now = clock.now()
        for partition in owner.ownedPartitions where batch.fired < settings.maxFiresPerBatch {
            let due = try view.due(
                partition: partition, upTo: now, limit: settings.maxFiresPerBatch - batch.fired,
                passingOver: passedOver[partition] ?? [], in: batch)
            for schedule in due {
                // A triggered firing goes first, and the schedule's own occurrence stays as it is.
                let occurrence: Occurrence
                if let trigger = schedule.pendingTriggers.first, trigger.dueAt <= now {
                    occurrence = Occurrence(number: schedule.nextExtraNumber, instant: trigger.requestedAt)
                } else if let due = dueOccurrence(of: schedule, partition: partition, now: now, into: &batch) {
                    occurrence = due
                } else {
                    continue
                }
                switch schedule.target {
                case .kafka:
                    fire(schedule, occurrence: occurrence, partition: partition, now: now, into: &batch)
                case .http(let target):
                    webhooks.send(
                        schedule, target, occurrence: occurrence, partition: partition, now: now, into: &batch)
                }
            }
        }
    }

    /// The occurrence a due schedule fires now, or nil when the misfire rules settled it without a firing (the
    /// schedule moved on or ended; recorded in `batch`).
    ///
    /// An occurrence late by at most the grace just fires, late; those that follow catch up in order. Older ones
    /// were missed (nobody owned the partition): they collapse into one late firing, or are skipped with
    /// `kairos-misfire: skip` — never a burst of every missed occurrence. A delivery being retried keeps its
    /// occurrence.
    func dueOccurrence(of schedule: Schedule, partition: Int32, now: Int64, into batch: inout OutputBatch)
        -> Occurrence?
    {
        let due = Occurrence(number: schedule.occurrence, instant: schedule.scheduledFor)
        guard let spec = schedule.recurrence, schedule.failedAttempts == 0,
            due.instant < now - settings.misfireGraceMilliseconds
        else { return due }
        let recurrence: Recurrence
        do {
            recurrence = try spec.recurrence()
        } catch {
            logger.error("stored recurrence unreadable", metadata: ["id": "\(schedule.id)", "error": "\(error)"])
            batch.remove(schedule, partition: partition)
            return nil
        }
        guard let plan = recurrence.nextFiring(lastFired: schedule.previous, now: now, policy: spec.misfirePolicy)
        else {
            batch.remove(schedule, partition: partition)
            return nil
        }
        if plan.occurrence.instant > now {
            let moved = schedule.advanced(
                to: plan.occurrence, fireAt: schedule.dueTime(of: plan.occurrence), fired: nil)
            batch.put(moved, replacing: schedule, partition: partition)
            return nil
        }
        return plan.occurrence
    }

    /// Fires occurrence `due` of a schedule with a Kafka target: a one-shot ends with its firing; a recurring schedule
    /// records its next occurrence in the same batch, so occurrence numbers stay exact across crashes and rebalances.
    /// A triggered firing (negative `due.number`) leaves the schedule as it was, but for the trigger it used up.
    private func fire(
        _ schedule: Schedule, occurrence due: Occurrence, partition: Int32, now: Int64, into batch: inout OutputBatch
    ) {
        let firing = Firing(partition: partition, schedule: schedule, occurrence: due, firedAt: now)
        let next = due.number < 0 ? schedule.afterTriggeredFiring() : schedule.following(due, logger: logger)
        if let error = refused.error(for: schedule.id, partition: partition) {
            batch.records += deadLetterRecords(of: firing, refusedWith: error)
            batch.deadLettered.append(firing)
            batch.tally.kafkaDeadLettered += 1
        } else if let record = FiredRecord.record(of: schedule, occurrence: due, firedAt: now) {
            batch.tally.kafkaDelivered += 1
            batch.tally.lateness.append((target: "kafka", milliseconds: now - due.instant))
            batch.firings[batch.records.count] = firing
            batch.records.append(record)
            let isLast = schedule.recurrence != nil && next == nil
            batch.append(
                EventRecord(
                    kind: .fired, id: schedule.id, occurrence: due.number, scheduledFor: due.instant, at: now,
                    partition: partition, detail: due.number < 0 ? "triggered" : isLast ? "last occurrence" : nil))
        }
        batch.noteExclusions(of: schedule, after: due, next: next, now: now, partition: partition)
        batch.fired += 1
        batch.advance(schedule, to: next, partition: partition)
    }

    /// The dead letter and event of a firing whose record Kafka refused for good.
    func deadLetterRecords(of firing: Firing, refusedWith error: KafkaError) -> [KafkaProducerRecord] {
        let schedule = firing.schedule
        guard case .kafka(let topic) = schedule.target else { return [] }
        let reason = "delivery to topic '\(topic)' failed: \(error.message) (\(error.codeName))"
        logger.notice("firing dead-lettered", metadata: ["id": "\(schedule.id)", "reason": "\(reason)"])
        return [
            DeadLetterRecord.deliveryFailed(
                schedule, occurrence: firing.occurrence, reason: reason, topic: settings.topics.deadLetters),
            EventRecord(
                kind: .deadLettered, id: schedule.id, occurrence: firing.occurrence.number,
                scheduledFor: firing.occurrence.instant, at: firing.firedAt, partition: firing.partition, detail: reason
            ).record(topic: settings.topics.events),
        ]
    }
}
