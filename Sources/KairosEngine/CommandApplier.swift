import KafkaClient
import KairosWire
import Logging
import ScheduleModel

/// Applies the records of `commands` to a batch: a valid command creates, replaces, cancels, pauses, resumes or
/// triggers its schedule (the changelog record, the store change and an event); a bad one goes to the DLQ with the
/// reason, and an event says so (invariant 8). A command read on a partition that is not its id's home is forwarded
/// there in the same batch, with its timestamp and headers (invariant 10). Either way its offset is consumed with
/// the batch.
///
/// Used only by the engine thread.
final class CommandApplier {
    private let settings: EngineSettings
    private let decoder: CommandDecoder
    private let clock: any EngineClock
    private let view: ScheduleView
    private let deliveries: WebhookDeliveries
    private let refused: RefusedFirings
    private let logger: Logger

    init(
        settings: EngineSettings, clock: any EngineClock, view: ScheduleView, deliveries: WebhookDeliveries,
        refused: RefusedFirings, logger: Logger
    ) {
        self.settings = settings
        decoder = CommandDecoder(policy: settings.commandPolicy)
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
        if let home = homePartition(of: command), home != partition {
            forward(record, to: home, now: now, into: &batch)
            return
        }
        if let id = command.id {
            deliveries.commandArrived(id: id, partition: partition)
        }
        let decoded: Command
        switch decoder.decode(command) {
        case .success(let valid): decoded = valid
        case .failure(let rejection):
            reject(record, reason: rejection.reason, now: now, into: &batch)
            return
        }
        let existing = try view.schedule(decoded.id, partition: partition, in: batch)
        switch decoded {
        case .schedule(var schedule):
            if let existing {
                // Pausing and triggered firings are the schedule's state, not its definition: a new version keeps them.
                schedule.pausedAt = existing.pausedAt
                schedule.pendingTriggers = existing.pendingTriggers
                schedule.extraFirings = existing.extraFirings
            }
            batch.put(schedule, replacing: existing, partition: partition)
            batch.append(
                EventRecord(
                    kind: existing == nil ? .scheduled : .replaced, id: schedule.id, occurrence: schedule.occurrence,
                    scheduledFor: schedule.scheduledFor, at: now, partition: partition))
            refused.forget(schedule.id, partition: partition)  // a new version gets a fresh chance at delivery
        case .cancel(let id):
            guard let existing else { break }
            batch.remove(existing, partition: partition)
            batch.append(
                EventRecord(
                    kind: .cancelled, id: id, occurrence: existing.occurrence, scheduledFor: existing.scheduledFor,
                    at: now, partition: partition))
        case .pause, .resume, .trigger:
            guard let existing else {
                let verb = decoded.actionName
                reject(
                    record, reason: "there is no schedule with id '\(decoded.id)' to \(verb) (it never existed, has "
                        + "finished, or was cancelled)", now: now, into: &batch)
                return
            }
            guard let refusal = act(decoded, on: existing, at: command.timestamp, now: now, partition: partition,
                into: &batch)
            else { break }
            reject(record, reason: refusal, now: now, into: &batch)
            return
        }
        batch.tally.commandsApplied += 1
    }

    /// The home partition of the command's id when forwarding is on and the key is an id; nil otherwise (a key that
    /// is no id is rejected where it was read).
    private func homePartition(of command: CommandRecord) -> Int32? {
        guard let home = settings.homePartition, let key = command.key, !key.isEmpty, key.count <= 256,
            command.id != nil
        else { return nil }
        return home.of(key: key)
    }

    /// Writes the command to its home partition, in this batch, and says so in an event. A command Kairos already
    /// forwarded is not forwarded again: that means the instances disagree on the rule, and it is refused instead.
    private func forward(_ record: KafkaConsumerRecord, to home: Int32, now: Int64, into batch: inout OutputBatch) {
        let id = String(decoding: record.key ?? [], as: UTF8.self)
        if let from = CommandRecord.forwardedFrom(record) {
            let rule = settings.homePartition.map { "\($0.rule.rawValue) over \($0.partitions) partitions" } ?? ""
            reject(
                record,
                reason: "the command was forwarded from partition \(from.partition) to partition \(record.partition), "
                    + "but by this instance's rule (\(rule)) its home is partition \(home): the instances disagree on "
                    + "KAIROS_PARTITIONER or on the partition count of the commands topic", now: now, into: &batch)
            return
        }
        batch.records.append(CommandRecord.forwarded(record, to: home, receivedAt: now))
        batch.append(
            EventRecord(
                kind: .forwarded, id: id, occurrence: nil, scheduledFor: nil, at: now, partition: record.partition,
                detail: "written to partition \(record.partition) at offset \(record.offset); forwarded to its home "
                    + "partition \(home)"))
        batch.tally.commandsForwarded += 1
    }

    /// Applies pause, resume or trigger to `schedule` (as it is now); returns why it cannot be, if it cannot.
    private func act(
        _ command: Command, on schedule: Schedule, at instant: Int64, now: Int64, partition: Int32,
        into batch: inout OutputBatch
    ) -> String? {
        var changed = schedule
        let kind: EventRecord.Kind
        var detail: String?
        switch command {
        case .pause:
            guard !schedule.isPaused else { return nil }  // already paused: nothing to do
            changed.pausedAt = instant
            kind = .paused
        case .resume:
            guard schedule.isPaused else { return nil }  // not paused: nothing to do
            let resumed = self.resumed(schedule, at: instant)
            kind = .resumed
            detail = resumed.detail
            guard let next = resumed.schedule else {
                batch.remove(schedule, partition: partition)
                batch.append(
                    EventRecord(
                        kind: kind, id: schedule.id, occurrence: nil, scheduledFor: nil, at: now, partition: partition,
                        detail: detail))
                return nil
            }
            changed = next
        case .trigger:
            guard schedule.pendingTriggers.count < settings.maxPendingTriggers else {
                return "schedule '\(schedule.id)' already has \(schedule.pendingTriggers.count) triggered firings "
                    + "waiting, the most it may have; trigger it again once they are delivered"
            }
            changed.pendingTriggers.append(PendingTrigger(requestedAt: instant))
            kind = .triggered
            let number = schedule.nextExtraNumber - Int64(schedule.pendingTriggers.count)
            detail = "an extra firing, occurrence \(number)"
        case .schedule, .cancel:
            preconditionFailure("only lifecycle commands are acted on here")
        }
        batch.put(changed, replacing: schedule, partition: partition)
        batch.append(
            EventRecord(
                kind: kind, id: schedule.id, occurrence: changed.occurrence, scheduledFor: changed.scheduledFor,
                at: now, partition: partition, detail: detail))
        return nil
    }

    /// `schedule` resumed at `instant`: a recurring schedule skips the occurrences that fell due while it was paused
    /// and goes on with the first at or after `instant` (their numbers are consumed, as for any missed occurrence); a
    /// one-shot whose time passed fires now. Nil when a recurring schedule has nothing left to fire.
    private func resumed(_ schedule: Schedule, at instant: Int64) -> (schedule: Schedule?, detail: String?) {
        var resumed = schedule
        resumed.pausedAt = nil
        guard let pausedAt = schedule.pausedAt, let spec = schedule.recurrence, schedule.failedAttempts == 0,
            schedule.scheduledFor >= pausedAt, schedule.scheduledFor < instant
        else {
            let late = schedule.recurrence == nil && schedule.fireAt < instant
            return (resumed, late ? "its time passed while paused: it fires now" : nil)
        }
        do {
            guard
                let next = try spec.recurrence().occurrence(after: instant - 1, last: schedule.previous)
            else {
                return (nil, "no occurrence left after the pause; the schedule ends")
            }
            let skipped = next.number - schedule.occurrence
            resumed = resumed.advanced(to: next, fireAt: resumed.dueTime(of: next), fired: nil)
            return (resumed, "\(skipped) occurrence(s) skipped while paused")
        } catch {
            logger.error("stored recurrence unreadable", metadata: ["id": "\(schedule.id)", "error": "\(error)"])
            return (nil, "its stored recurrence cannot be read: \(error.message)")
        }
    }

    /// Sends a command Kairos cannot apply to the DLQ with the reason, and says so in an event.
    private func reject(_ record: KafkaConsumerRecord, reason: String, now: Int64, into batch: inout OutputBatch) {
        batch.rejected += 1
        batch.tally.commandsRejected += 1
        batch.records.append(DeadLetterRecord.rejected(record, reason: reason, topic: settings.topics.deadLetters))
        let id = record.key.map { String(decoding: $0.prefix(256), as: UTF8.self) } ?? ""
        batch.append(
            EventRecord(
                kind: .rejected, id: id, occurrence: nil, scheduledFor: nil, at: now, partition: record.partition,
                detail: reason))
        logger.notice(
            "command rejected",
            metadata: ["partition": "\(record.partition)", "offset": "\(record.offset)", "reason": "\(reason)"])
    }
}

extension Command {
    /// The verb of a lifecycle command, for messages.
    var actionName: String {
        switch self {
        case .pause: "pause"
        case .resume: "resume"
        case .trigger: "trigger"
        case .schedule: "schedule"
        case .cancel: "cancel"
        }
    }
}
