import HTTPDelivery
import KairosWire
import Logging
import Metrics
import ScheduleModel

/// What becomes of a webhook firing, recorded through the changelog after the request (HTTP is at least once,
/// invariant 5): delivered (the occurrence is done), failed and retried at T (the attempt count and retry time are
/// stored, so a retry survives crashes and rebalances), deferred while the host's circuit breaker is open (no
/// attempt counted), or dead-lettered (a permanent failure, attempts exhausted, or a target that cannot be sent).
///
/// Used only by the engine thread.
final class WebhookOutcomes {
    private let settings: EngineSettings
    private let clock: any EngineClock
    private let view: ScheduleView
    private let owner: PartitionOwner
    private let deliveries: WebhookDeliveries
    private let metrics: KairosMetrics
    private let logger: Logger
    private var random: any RandomNumberGenerator

    init(
        settings: EngineSettings, clock: any EngineClock, view: ScheduleView, owner: PartitionOwner,
        deliveries: WebhookDeliveries, metrics: KairosMetrics, logger: Logger,
        random: any RandomNumberGenerator = SystemRandomNumberGenerator()
    ) {
        self.settings = settings
        self.clock = clock
        self.view = view
        self.owner = owner
        self.deliveries = deliveries
        self.metrics = metrics
        self.logger = logger
        self.random = random
    }

    /// Starts the request of occurrence `due` of a due schedule; what cannot start is recorded at once.
    func send(
        _ schedule: Schedule, _ target: HTTPTarget, occurrence due: Occurrence, partition: Int32, now: Int64,
        into batch: inout OutputBatch
    ) {
        let attempt = schedule.failedAttempts(of: due) + 1
        switch deliveries.dispatch(schedule, target, occurrence: due, attempt: attempt, partition: partition) {
        case .started, .waitingForRoom:
            break
        case .circuitOpen(let retryAt):
            waitForBreaker(
                schedule.positioned(at: due), due, target, retryAt: retryAt, partition: partition, now: now,
                into: &batch)
        case .unsendable(let reason):
            deadLetter(
                schedule, target, occurrence: due, partition: partition, now: now, status: nil, reason: reason,
                into: &batch)
        }
    }

    /// Records the outcomes of the attempts that finished. An attempt whose schedule changed (in this batch or
    /// since the request started) or moved to another instance meanwhile is dropped: the schedule's current state
    /// decides.
    func recordCompletions(into batch: inout OutputBatch) throws {
        let now = clock.now()
        for (entry, completion) in deliveries.takeCompletions() {
            let partition = completion.job.partition
            recordDuration(completion)
            let id = entry.schedule.id
            guard owner.stores[partition] != nil, !batch.changed(id, partition: partition),
                try view.schedule(id, partition: partition, in: batch) == entry.schedule,
                case .http(let target) = entry.schedule.target
            else { continue }
            let schedule = entry.schedule.positioned(at: entry.occurrence)
            let due = entry.occurrence
            let attempt = schedule.failedAttempts(of: due) + 1
            switch completion.outcome {
            case .delivered(let status):
                batch.fired += 1
                batch.tally.httpDelivered += 1
                if attempt == 1 {
                    batch.tally.lateness.append((target: "http", milliseconds: completion.startedAt - due.instant))
                }
                let following = schedule.after(due, logger: logger)
                batch.noteExclusions(of: schedule, after: due, next: following, now: now, partition: partition)
                let next = batch.advance(schedule, to: following, partition: partition)
                batch.append(
                    EventRecord(
                        kind: .fired, id: id, occurrence: due.number, scheduledFor: due.instant,
                        at: completion.startedAt, partition: partition,
                        detail: "HTTP \(status) on attempt \(attempt)"
                            + (due.number < 0
                                ? "; triggered" : schedule.recurrence != nil && next == nil ? "; last occurrence" : "")))
            case .failed(let failure):
                let maxAttempts = schedule.retryMax ?? settings.httpRetryMax
                if failure.retryable && attempt < maxAttempts {
                    retry(
                        schedule, due, target, attempt: attempt, of: maxAttempts, failure, partition: partition,
                        now: now, into: &batch)
                } else {
                    let reason =
                        failure.retryable
                        ? "delivery to \(target.url) failed after \(attempt) attempts: \(failure.reason)"
                        : "delivery to \(target.url) failed: \(failure.reason)"
                    deadLetter(
                        schedule, target, occurrence: due, partition: partition, now: now, status: failure.status,
                        reason: reason, into: &batch)
                    batch.tally.httpDeadLettered += 1
                }
            case .circuitOpen(let retryAt):
                waitForBreaker(schedule, due, target, retryAt: retryAt, partition: partition, now: now, into: &batch)
            }
        }
    }

    private func recordDuration(_ completion: WebhookCompletion) {
        let outcome: String
        switch completion.outcome {
        case .delivered: outcome = "success"
        case .failed(let failure): outcome = failure.retryable ? "retryable" : "failed"
        case .circuitOpen: return
        }
        metrics.timer(KairosMetrics.Name.httpDuration, [("outcome", outcome)]).record(duration: completion.duration)
    }

    /// Stores a failed attempt and when the next one is due: the backoff doubles from the schedule's first retry
    /// delay, with jitter, capped by configuration; a server's `Retry-After` is honoured.
    private func retry(
        _ schedule: Schedule, _ due: Occurrence, _ target: HTTPTarget, attempt: Int, of maxAttempts: Int, _ failure: WebhookFailure,
        partition: Int32, now: Int64, into batch: inout OutputBatch
    ) {
        let policy = RetryPolicy(
            baseMillis: schedule.retryBackoffMillis ?? settings.httpRetryBackoffMilliseconds,
            capMillis: settings.httpRetryBackoffMaxMilliseconds)
        let retryAt =
            now + policy.delay(afterAttempt: attempt, retryAfterMillis: failure.retryAfterMillis, using: &random)
        let retried = schedule.retried(due, at: retryAt, error: failure.reason)
        batch.tally.httpRetried += 1
        batch.put(retried, replacing: schedule, partition: partition)
        batch.append(
            EventRecord(
                kind: .retrying, id: schedule.id, occurrence: due.number, scheduledFor: due.instant, at: now,
                partition: partition,
                detail: "attempt \(attempt) of \(maxAttempts) failed: \(failure.reason); "
                    + "next attempt at \(TimestampFormat.format(retryAt))"))
        logger.info(
            "webhook attempt failed; retrying",
            metadata: [
                "id": "\(schedule.id)", "attempt": "\(attempt)", "host": "\(target.host)",
                "error": "\(failure.reason)", "retryAt": "\(retryAt)",
            ])
    }

    /// Moves a delivery whose host's circuit breaker is open to when the breaker lets a request through again,
    /// without counting an attempt.
    private func waitForBreaker(
        _ schedule: Schedule, _ due: Occurrence, _ target: HTTPTarget, retryAt: Int64, partition: Int32, now: Int64,
        into batch: inout OutputBatch
    ) {
        let reason =
            "circuit breaker open for host \(target.host) (a high failure rate, or half-open and letting only a "
            + "share of its deliveries through); no attempt counted"
        let deferred = schedule.deferred(due, to: retryAt, reason: reason)
        batch.tally.httpDeferred += 1
        batch.put(deferred, replacing: schedule, partition: partition)
        batch.append(
            EventRecord(
                kind: .retrying, id: schedule.id, occurrence: due.number, scheduledFor: due.instant, at: now,
                partition: partition, detail: "\(reason); next attempt at \(TimestampFormat.format(retryAt))"))
    }

    /// Sends a failed webhook firing to the DLQ (with what a replay needs: the target, method and headers) and moves
    /// the schedule on.
    private func deadLetter(
        _ schedule: Schedule, _ target: HTTPTarget, occurrence due: Occurrence, partition: Int32, now: Int64,
        status: Int?, reason: String, into batch: inout OutputBatch
    ) {
        batch.records.append(
            DeadLetterRecord.deliveryFailed(
                schedule, occurrence: due, reason: reason, httpStatus: status,
                attempts: schedule.failedAttempts(of: due) + 1,
                topic: settings.topics.deadLetters))
        batch.append(
            EventRecord(
                kind: .deadLettered, id: schedule.id, occurrence: due.number, scheduledFor: due.instant, at: now,
                partition: partition, detail: reason))
        logger.notice("webhook dead-lettered", metadata: ["id": "\(schedule.id)", "reason": "\(reason)"])
        let following = schedule.after(due, logger: logger)
        batch.noteExclusions(of: schedule, after: due, next: following, now: now, partition: partition)
        batch.advance(schedule, to: following, partition: partition)
    }
}
