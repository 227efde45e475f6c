import Foundation
import HTTPDelivery
import KafkaClient
import Logging
import ScheduleModel
import Synchronization

/// The delivery loop: one thread that reads commands, fires due timers and commits both, batch by batch.
///
/// Each iteration polls `commands` for at most the time until the earliest due timer of the owned partitions, so
/// a command that arrives (even one due sooner) wakes it at once and there is no fixed tick. It decodes what
/// arrived, fires what is due in (time, id) order per partition, and hands the lot to the `TransactionCoordinator`
/// as one batch. Only after the batch is durable in Kafka are the local stores written: a failed batch leaves them
/// as they were, and consumption rewinds to the offset each store reflects, so nothing is lost or applied twice.
///
/// Kafka targets fire inside the batch. HTTP targets are handed to `WebhookDeliveries` when due; a finished
/// request wakes the poll, and its outcome (delivered, retry at T, dead-lettered) goes into the next batch.
///
/// `@unchecked Sendable`: everything but `stopRequested` (an atomic), `status` and `metrics` (both thread-safe) is
/// used only by the thread inside `run`.
final class SchedulerEngine: @unchecked Sendable {
    private let configuration: KairosConfiguration
    private let logger: Logger
    private let decoder: CommandDecoder
    private let owner: PartitionOwner
    private let coordinator: TransactionCoordinator
    private let consumer: KafkaConsumer
    private let stopRequested: Atomic<Bool>
    /// At-least-once batches not settled yet (always empty in exactly-once mode).
    private var pipeline = CommitPipeline()
    /// The last batch fired as many schedules as a batch may.
    private var moreDue = false
    /// Writes the stores of large acknowledged batches, in order, while the engine builds the next ones.
    private let storeWriter = DispatchQueue(label: "kairos.store-writer")
    /// Schedules whose fired record Kafka refused for good, by partition and id: dead-lettered when tried again.
    private var undeliverable: [Int32: [String: KafkaError]] = [:]
    /// HTTP requests in flight and schedules waiting for room at their host.
    private let webhooks: WebhookDeliveries
    private let retryCapMillis: Int64
    private var random = SystemRandomNumberGenerator()
    /// What the engine does, for the admin API and readiness.
    let status = EngineStatus()
    let metrics = KairosMetrics()
    private var lastPublished = ContinuousClock.now - .seconds(10)
    private var publishedPartitions: Set<Int32> = []
    private var publishedServers: Set<String> = []

    private static let maxRecordsPerBatch = 10_000
    private static let maxFiresPerBatch = 10_000
    /// Batches with at least this many store changes are written on the writer thread.
    private static let backgroundWriteChanges = 1_000
    /// Upper bound on one poll so a stop request is noticed promptly; new commands end a poll at once.
    private static let maxIdleMilliseconds: Int64 = 200

    init(configuration: KairosConfiguration, kafka: KafkaConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        self.stopRequested = Atomic(false)
        decoder = CommandDecoder(
            policy: CommandPolicy(
                allowedTargets: configuration.allowedTargets,
                forbiddenTopics: [
                    configuration.commandsTopic, configuration.changelogTopic, configuration.eventsTopic,
                    configuration.dlqTopic,
                ],
                maxPayloadBytes: configuration.maxPayloadBytes,
                misfireGraceMillis: configuration.misfireGraceMilliseconds,
                httpHosts: HostPolicy(
                    patterns: configuration.allowedHTTPHosts, allowPrivate: configuration.httpAllowPrivate),
                defaultRetryMax: configuration.httpRetryMax,
                defaultRetryBackoffMillis: configuration.httpRetryBackoffMilliseconds))
        let owner = PartitionOwner(
            configuration: configuration, kafka: kafka, status: status, metrics: metrics, logger: logger)
        self.owner = owner
        var commandsKafka = kafka
        // A fetch returns at most this long after a command arrives on a quiet partition.
        commandsKafka.properties["fetch.wait.max.ms"] = kafka.properties["fetch.wait.max.ms"] ?? "50"
        var consumerConfiguration = ConsumerConfiguration(kafka: commandsKafka, groupID: configuration.groupID)
        consumerConfiguration.groupInstanceID = configuration.instanceID
        consumerConfiguration.isolationLevel = .readCommitted
        consumerConfiguration.autoOffsetReset = .earliest
        consumerConfiguration.sessionTimeoutMilliseconds = 10_000
        consumerConfiguration.heartbeatIntervalMilliseconds = 1_000
        let consumer = try KafkaConsumer(configuration: consumerConfiguration) { event in owner.handle(event) }
        self.consumer = consumer
        var settings = WebhookDispatcherSettings()
        settings.maxConcurrency = configuration.httpMaxConcurrency
        settings.maxPerHost = configuration.httpMaxPerHost
        settings.breakerFailures = configuration.httpBreakerFailures
        settings.breakerCoolDownMillis = configuration.httpBreakerCoolDownMilliseconds
        settings.timeoutMillis = configuration.httpTimeoutMilliseconds
        settings.hostPolicy = HostPolicy(
            patterns: configuration.allowedHTTPHosts, allowPrivate: configuration.httpAllowPrivate)
        // A finished request wakes the loop so its outcome is recorded without waiting for the next timer.
        webhooks = WebhookDeliveries(settings: settings) { consumer.wakeUp() }
        retryCapMillis = configuration.httpRetryBackoffMaxMilliseconds
        let transactionalID = "\(configuration.groupID)-\(configuration.instanceID ?? UUID().uuidString)"
        coordinator = try TransactionCoordinator(
            kafka: kafka, guarantee: configuration.deliveryGuarantee, transactionalID: transactionalID,
            commandsTopic: configuration.commandsTopic, changelogTopic: configuration.changelogTopic, logger: logger)
        // A partition is given up only once the batches in flight are settled, so its store is complete.
        owner.beforeRelease = { [unowned self] in settleAll() }
    }

    /// Asks `run` to return after the batch in progress; safe from any thread.
    func requestStop() {
        stopRequested.store(true, ordering: .releasing)
    }

    /// Runs until `requestStop`, then leaves the group and closes the stores.
    func run() throws {
        try consumer.subscribe([configuration.commandsTopic])
        logger.info(
            "scheduler running",
            metadata: [
                "group": "\(configuration.groupID)", "commands": "\(configuration.commandsTopic)",
                "guarantee": "\(configuration.deliveryGuarantee.rawValue)",
            ])
        status.update { $0.running = true }
        defer { shutdown() }
        do {
            while !stopRequested.load(ordering: .acquiring) {
                if let failure = owner.failure {
                    throw failure
                }
                try iterate()
                if ContinuousClock.now - lastPublished >= .seconds(1) {
                    publishStatus()
                }
            }
        } catch {
            status.update { $0.failure = "\(error)" }
            throw error
        }
    }

    private func shutdown() {
        settleAll()
        finishDeliveries()
        logger.info("scheduler stopping: leaving the group")
        do {
            try consumer.close()
        } catch {
            logger.warning("leaving the group failed", metadata: ["error": "\(error)"])
        }
        owner.releaseAll()
        coordinator.close()
        status.update { $0.running = false }
        logger.info("scheduler stopped")
    }

    private func iterate() throws {
        settleAcknowledged()
        while pipeline.isFull {
            settleAcknowledged(waitingForOldest: true)
        }
        let now = Self.nowMilliseconds()
        // Deliveries in flight or waiting for room, per partition. Computed once, before the poll: the poll can only
        // finish deliveries, and a finished one is recorded in this batch, which then skips its schedule anyway.
        let passedOver = owner.stores.keys.reduce(into: [Int32: Set<String>]()) { sets, partition in
            let ids = webhooks.passedOver(partition: partition)
            if !ids.isEmpty { sets[partition] = ids }
        }
        // After a full batch of firings more are most likely due: no need to look for the earliest.
        let earliest = try moreDue ? now : owner.stores.compactMap { partition, store in
            let passed = passedOver[partition] ?? []
            let fromStore =
                try indexSkip(partition, passed).map { try store.due(upTo: now, limit: 0, skipping: $0).nextDueTime }
                ?? store.nextDueTime
            let fromPipeline = pipeline.earliest(partition: partition) { passed.contains($0) }
            return [fromStore, fromPipeline].compactMap { $0 }.min()
        }.min()
        // An acknowledged batch in flight wakes the poll too (`send`), so its stores are written without delay.
        let wait = earliest.map { min(max($0 - now, 0), Self.maxIdleMilliseconds) } ?? Self.maxIdleMilliseconds
        let polled = try consumer.poll(maxRecords: Self.maxRecordsPerBatch, timeoutMilliseconds: Int32(wait))
        for error in polled.errors {
            logger.warning("consumer reported an error", metadata: ["error": "\(error)"])
        }
        var batch = OutputBatch()
        var latest: [Int32: [String: Schedule?]] = [:]
        for record in polled.records where owner.stores[record.partition] != nil {
            try apply(record, to: &batch, latest: &latest)
        }
        try recordWebhookOutcomes(into: &batch, latest: &latest)
        try fireDue(into: &batch, latest: latest, passedOver: passedOver)
        moreDue = batch.fired >= Self.maxFiresPerBatch
        guard !batch.isEmpty else { return }
        for (partition, next) in batch.nextCommandOffsets {
            batch.records.append(
                ChangelogRecord.progress(nextOffset: next, topic: configuration.changelogTopic, partition: partition))
        }
        switch configuration.deliveryGuarantee {
        case .exactlyOnce:
            let started = ContinuousClock.now
            do {
                let timings = try coordinator.commit(batch, consumer: consumer, replacement: deliveryFailed) {
                    changelogOffsets in
                    try writeStores(batch, changelogOffsets: changelogOffsets)
                }
                committed(batch, commands: polled.records.count, duration: ContinuousClock.now - started, timings)
            } catch {
                failed(error)
            }
        case .atLeastOnce:
            do {
                let sent = try coordinator.send(batch, replacement: deliveryFailed) { [consumer] in consumer.wakeUp() }
                pipeline.append(batch, sent: sent, commands: polled.records.count)
            } catch {
                failed(error)
            }
        }
    }

    /// Settles the at-least-once batches in flight whose acknowledgements are all in, oldest first: starts their
    /// store writes, and once a write is done commits the batch's offsets and drops it from the pipeline. With
    /// `waitingForOldest`, waits until the oldest batch is settled.
    private func settleAcknowledged(waitingForOldest: Bool = false) {
        for index in pipeline.entries.indices where pipeline.entries[index].write == nil {
            let entry = pipeline.entries[index]
            guard entry.sent.isAcknowledged || (waitingForOldest && index == 0) else { break }
            let timings: CommitTimings
            do {
                timings = try coordinator.acknowledged(entry.batch, entry.sent)
            } catch {
                failed(error)
                return
            }
            let previous = index > 0 ? pipeline.entries[index - 1].write : nil
            pipeline.writing(
                startWrite(entry.batch, changelogOffsets: entry.sent.tracker.changelogOffsets, after: previous),
                timings: timings, at: index)
        }
        var waiting = waitingForOldest
        while let oldest = pipeline.entries.first, let write = oldest.write, waiting || write.isFinished {
            waiting = false
            do {
                var timings = oldest.timings
                timings.store = try write.wait()
                try timings.measure(\.offsets) { try coordinator.commitOffsets(oldest.batch, consumer: consumer) }
                committed(
                    oldest.batch, commands: oldest.commands, duration: ContinuousClock.now - oldest.sent.started,
                    timings)
            } catch {
                failed(error)
                return
            }
            _ = pipeline.removeOldest()
        }
    }

    /// Starts writing the stores of an acknowledged batch: at once on this thread when it is small, else on the
    /// writer thread (in order, after `previous`), which wakes the poll when done.
    private func startWrite(_ batch: OutputBatch, changelogOffsets: [Int32: Int64], after previous: StoreWriteTicket?)
        -> StoreWriteTicket
    {
        let writes = storeWrites(batch, changelogOffsets: changelogOffsets)
        let ticket = StoreWriteTicket()
        @Sendable func write() throws {
            // A batch is built on the state the one before it leaves: never written without it.
            if previous?.failed == true {
                throw EngineError("not written: the store write of an earlier batch failed")
            }
            try ScheduleStore.applyAll(writes)
        }
        // Writes to a store happen in batch order: inline only once the writer thread has nothing left.
        if writes.reduce(0, { $0 + $1.changes.count }) < Self.backgroundWriteChanges, previous?.isFinished ?? true {
            ticket.run(write)
            return ticket
        }
        storeWriter.async { [consumer] in
            ticket.run(write)
            consumer.wakeUp()
        }
        return ticket
    }

    /// Settles every batch in flight (before a partition is given up, and at shutdown).
    private func settleAll() {
        while !pipeline.isEmpty {
            settleAcknowledged(waitingForOldest: true)
        }
    }

    private func committed(_ batch: OutputBatch, commands: Int, duration: Duration, _ timings: CommitTimings) {
        for firing in batch.deadLettered {
            undeliverable[firing.partition]?[firing.schedule.id] = nil
        }
        metrics.record(batch.tally)
        metrics.counter(KairosMetrics.Name.batches, [("result", "committed")]).increment()
        metrics.timer(KairosMetrics.Name.batchDuration).record(duration: duration)
        logger.debug(
            "batch committed",
            metadata: [
                "commands": "\(commands)", "fired": "\(batch.fired)", "rejected": "\(batch.rejected)",
                "records": "\(batch.records.count)", "commit": "\(duration)", "phases": "\(timings)",
            ])
    }

    /// After a failed batch: every later batch in flight was built on its state, so they are waited out and dropped,
    /// and the commands are read again from what the stores reflect.
    private func failed(_ error: any Error) {
        let dropped = pipeline.removeAll()
        for entry in dropped {
            try? entry.sent.tracker.waitForAll(timeout: .seconds(30))
        }
        // Store writes under way finish before the stores are read again.
        storeWriter.sync {}
        metrics.counter(KairosMetrics.Name.batches, [("result", "aborted")]).increment(by: 1 + dropped.count)
        if let refused = error as? UndeliverableFirings {
            for (firing, error) in refused.firings {
                undeliverable[firing.partition, default: [:]][firing.schedule.id] = error
            }
            logger.warning("fired records refused by Kafka; they go to the DLQ", metadata: ["error": "\(refused)"])
            rewind()
        } else {
            logger.warning(
                "batch failed; rewinding to the stored state",
                metadata: ["error": "\(error)", "dropped_batches": "\(dropped.count)"])
            rewind()
            Thread.sleep(forTimeInterval: 0.2)
        }
    }

    private func writeStores(_ batch: OutputBatch, changelogOffsets: [Int32: Int64]) throws {
        try ScheduleStore.applyAll(storeWrites(batch, changelogOffsets: changelogOffsets))
    }

    /// What `batch` changes in each store, with the checkpoint it brings the store to.
    private func storeWrites(_ batch: OutputBatch, changelogOffsets: [Int32: Int64]) -> [StoreWrite] {
        let partitions = Set(batch.changes.keys).union(batch.nextCommandOffsets.keys)
        return partitions.compactMap { partition in
            owner.stores[partition].map {
                StoreWrite(
                    store: $0, changes: batch.changes[partition] ?? [], changelogOffset: changelogOffsets[partition],
                    commandsOffset: batch.nextCommandOffsets[partition])
            }
        }
    }

    /// After a failed batch: read each partition's commands again from the offset its store reflects (the group's
    /// committed offset while the store has none).
    private func rewind() {
        for (partition, store) in owner.stores {
            do {
                let topicPartition = TopicPartition(topic: configuration.commandsTopic, partition: partition)
                let known = try store.commandsOffset ?? consumer.committed([topicPartition]).first?.offset
                let offset = known.flatMap { $0 >= 0 ? $0 : nil } ?? TopicPartitionOffset.beginning
                try consumer.seek([TopicPartitionOffset(topicPartition, offset: offset)])
            } catch {
                logger.error("rewind failed", metadata: ["partition": "\(partition)", "error": "\(error)"])
            }
        }
    }

    private func apply(
        _ record: KafkaConsumerRecord, to batch: inout OutputBatch, latest: inout [Int32: [String: Schedule?]]
    ) throws {
        let partition = record.partition
        batch.nextCommandOffsets[partition] = record.offset + 1
        let now = Self.nowMilliseconds()
        let command = CommandRecord(
            key: record.key, value: record.value,
            headers: record.headers.map { ScheduleHeader(name: $0.name, value: $0.value) },
            timestamp: record.timestamp ?? now, offset: record.offset)
        if let id = record.key.flatMap({ String(validating: $0, as: UTF8.self) }) {
            webhooks.commandArrived(id: id, partition: partition)
        }
        switch decoder.decode(command) {
        case .success(.schedule(let schedule)):
            let existing = try current(schedule.id, partition: partition, latest: latest)
            self.record(schedule, replacing: existing, partition: partition, into: &batch)
            batch.records.append(
                EventRecord(
                    kind: existing == nil ? .scheduled : .replaced, id: schedule.id, occurrence: schedule.occurrence,
                    scheduledFor: schedule.scheduledFor, at: now, partition: partition, detail: nil
                ).record(topic: configuration.eventsTopic))
            batch.tally.commandsApplied += 1
            latest[partition, default: [:]][schedule.id] = .some(schedule)
            undeliverable[partition]?[schedule.id] = nil  // a new version gets a fresh chance at delivery
        case .success(.cancel(let id)):
            batch.tally.commandsApplied += 1
            guard let existing = try current(id, partition: partition, latest: latest) else { return }
            batch.records.append(
                ChangelogRecord.tombstone(id: id, topic: configuration.changelogTopic, partition: partition))
            batch.records.append(
                EventRecord(
                    kind: .cancelled, id: id, occurrence: existing.occurrence, scheduledFor: existing.scheduledFor,
                    at: now, partition: partition, detail: nil
                ).record(topic: configuration.eventsTopic))
            batch.changes[partition, default: []].append(.delete(id: id, replacing: .of(existing)))
            latest[partition, default: [:]][id] = .some(nil)
        case .failure(let rejection):
            batch.rejected += 1
            batch.tally.commandsRejected += 1
            batch.records.append(deadLetter(record, reason: rejection.reason))
            let id = record.key.map { String(decoding: $0.prefix(256), as: UTF8.self) } ?? ""
            batch.records.append(
                EventRecord(
                    kind: .rejected, id: id, occurrence: nil, scheduledFor: nil, at: now, partition: partition,
                    detail: rejection.reason
                ).record(topic: configuration.eventsTopic))
            logger.notice(
                "command rejected",
                metadata: ["partition": "\(partition)", "offset": "\(record.offset)", "reason": "\(rejection.reason)"])
        }
    }

    /// The ids a scan of `partition`'s time index passes over: deliveries in flight or waiting (`passed`) and
    /// schedules whose newer state is in the pipeline. Nil when there are none.
    private func indexSkip(_ partition: Int32, _ passed: Set<String>) -> ((String) -> Bool)? {
        guard !passed.isEmpty || pipeline.holdsAny(partition: partition) else { return nil }
        let pipeline = pipeline
        return { passed.contains($0) || pipeline.holds($0, partition: partition) }
    }

    /// A schedule's state as this batch sees it: its own changes, then those of the batches in flight, then the store.
    private func current(_ id: String, partition: Int32, latest: [Int32: [String: Schedule?]]) throws -> Schedule? {
        if let known = latest[partition]?[id] { return known }
        if let inFlight = pipeline.state(of: id, partition: partition) { return inFlight }
        return try owner.stores[partition]?.schedule(id: id)
    }

    private func fireDue(
        into batch: inout OutputBatch, latest: [Int32: [String: Schedule?]], passedOver: [Int32: Set<String>]
    ) throws {
        let now = Self.nowMilliseconds()
        for partition in owner.ownedPartitions {
            guard let store = owner.stores[partition], batch.fired < Self.maxFiresPerBatch else { continue }
            let limit = Self.maxFiresPerBatch - batch.fired
            let passed = passedOver[partition] ?? []
            let due: [Schedule]
            if let skip = indexSkip(partition, passed) {
                // The store's entries for schedules changed by batches in flight are out of date: their states in
                // the pipeline decide.
                let stored = try store.due(upTo: now, limit: limit, skipping: skip).due
                let inFlight = pipeline.due(partition: partition, upTo: now) { passed.contains($0) }
                due =
                    inFlight.isEmpty
                    ? stored : Array((stored + inFlight).sorted { ($0.fireAt, $0.id) < ($1.fireAt, $1.id) }.prefix(limit))
            } else {
                due = try store.due(upTo: now, limit: limit)
            }
            for schedule in due {
                // A command in this batch changed the schedule: its new state decides, next iteration.
                if latest[partition]?[schedule.id] != nil { continue }
                switch schedule.target {
                case .kafka: fire(schedule, partition: partition, now: now, into: &batch)
                case .http(let target): send(schedule, target, partition: partition, now: now, into: &batch)
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
    private func dueOccurrence(
        of schedule: Schedule, partition: Int32, now: Int64, into batch: inout OutputBatch
    ) -> Occurrence? {
        let due = Occurrence(number: schedule.occurrence, instant: schedule.scheduledFor)
        guard let spec = schedule.recurrence, schedule.failedAttempts == 0,
            due.instant < now - configuration.misfireGraceMilliseconds
        else { return due }
        let recurrence: Recurrence
        do {
            recurrence = try spec.recurrence()
        } catch {
            logger.error("stored recurrence unreadable", metadata: ["id": "\(schedule.id)", "error": "\(error)"])
            end(schedule, partition: partition, into: &batch)
            return nil
        }
        guard let plan = recurrence.nextFiring(lastFired: schedule.previous, now: now, policy: spec.misfirePolicy)
        else {
            end(schedule, partition: partition, into: &batch)
            return nil
        }
        if plan.occurrence.instant > now {
            let moved = schedule.advanced(
                to: plan.occurrence, fireAt: schedule.dueTime(of: plan.occurrence), fired: nil)
            record(moved, replacing: schedule, partition: partition, into: &batch)
            return nil
        }
        return plan.occurrence
    }

    /// The schedule's state after occurrence `due` was delivered or dead-lettered: its next occurrence, or nil
    /// when nothing is left to fire.
    private func following(_ schedule: Schedule, after due: Occurrence) -> Schedule? {
        guard let spec = schedule.recurrence else { return nil }
        do {
            guard let next = try spec.recurrence().occurrence(after: due) else { return nil }
            return schedule.advanced(to: next, fireAt: schedule.dueTime(of: next), fired: due)
        } catch {
            logger.error("stored recurrence unreadable", metadata: ["id": "\(schedule.id)", "error": "\(error)"])
            return nil
        }
    }

    /// Records what follows an occurrence of `schedule` (as stored): its `next` state (see `following`), or the end
    /// of the schedule when there is none.
    private func moveOn(_ schedule: Schedule, to next: Schedule?, partition: Int32, into batch: inout OutputBatch)
        -> Schedule?
    {
        if let next {
            record(next, replacing: schedule, partition: partition, into: &batch)
        } else {
            end(schedule, partition: partition, into: &batch)
        }
        return next
    }

    /// Fires a due schedule with a Kafka target: a one-shot ends with its firing; a recurring schedule records its
    /// next occurrence in the same batch, so occurrence numbers stay exact across crashes and rebalances.
    private func fire(_ schedule: Schedule, partition: Int32, now: Int64, into batch: inout OutputBatch) {
        guard let due = dueOccurrence(of: schedule, partition: partition, now: now, into: &batch) else { return }
        let firing = Firing(partition: partition, schedule: schedule, occurrence: due, firedAt: now)
        let next = following(schedule, after: due)
        if let error = undeliverable[partition]?[schedule.id] {
            batch.records += deliveryFailed(firing, error)
            batch.deadLettered.append(firing)
            batch.tally.kafkaDeadLettered += 1
        } else {
            batch.tally.kafkaDelivered += 1
            batch.tally.lateness.append((target: "kafka", milliseconds: now - due.instant))
            let isLast = schedule.recurrence != nil && next == nil
            batch.firings[batch.records.count] = firing
            batch.records.append(firedRecord(firing))
            batch.records.append(
                EventRecord(
                    kind: .fired, id: schedule.id, occurrence: due.number, scheduledFor: due.instant, at: now,
                    partition: partition, detail: isLast ? "last occurrence" : nil
                ).record(topic: configuration.eventsTopic))
        }
        batch.fired += 1
        _ = moveOn(schedule, to: next, partition: partition, into: &batch)
    }

    /// Starts the HTTP request of a due schedule; its outcome is recorded when it finishes.
    private func send(
        _ schedule: Schedule, _ target: HTTPTarget, partition: Int32, now: Int64, into batch: inout OutputBatch
    ) {
        guard let due = dueOccurrence(of: schedule, partition: partition, now: now, into: &batch) else { return }
        switch webhooks.dispatch(schedule, target, occurrence: due, partition: partition) {
        case .started, .waitingForRoom:
            break
        case .circuitOpen(let retryAt):
            waitForBreaker(
                positioned(schedule, at: due), target, retryAt: retryAt, partition: partition, now: now, into: &batch)
        case .unsendable(let reason):
            deadLetterWebhook(
                schedule, target, occurrence: due, partition: partition, now: now, status: nil, reason: reason,
                into: &batch)
        }
    }

    /// `schedule` positioned at occurrence `due` (which the misfire rules may have moved past the stored one).
    private func positioned(_ schedule: Schedule, at due: Occurrence) -> Schedule {
        due.number == schedule.occurrence ? schedule : schedule.advanced(to: due, fireAt: schedule.fireAt, fired: nil)
    }

    /// Records the outcomes of finished HTTP attempts: delivered (the occurrence is done), failed and retried later
    /// (the attempt count and the retry time go to the changelog, so a retry survives crashes and rebalances), or
    /// dead-lettered (permanent failure or attempts exhausted). An attempt whose schedule changed or moved to
    /// another instance meanwhile is dropped: the schedule's current state decides.
    private func recordWebhookOutcomes(into batch: inout OutputBatch, latest: inout [Int32: [String: Schedule?]]) throws
    {
        let now = Self.nowMilliseconds()
        for (entry, completion) in webhooks.takeCompletions() {
            let partition = completion.job.partition
            if case .circuitOpen = completion.outcome {
            } else {
                let outcome: String
                switch completion.outcome {
                case .delivered: outcome = "success"
                case .failed(let failure): outcome = failure.retryable ? "retryable" : "failed"
                case .circuitOpen: outcome = "deferred"
                }
                metrics.timer(KairosMetrics.Name.httpDuration, [("outcome", outcome)]).record(
                    duration: completion.duration)
            }
            let id = entry.schedule.id
            guard owner.stores[partition] != nil, latest[partition]?[id] == nil,
                try current(id, partition: partition, latest: latest) == entry.schedule,
                case .http(let target) = entry.schedule.target
            else { continue }
            let schedule = positioned(entry.schedule, at: entry.occurrence)
            let due = entry.occurrence
            let attempt = schedule.failedAttempts + 1
            switch completion.outcome {
            case .delivered(let status):
                batch.fired += 1
                batch.tally.httpDelivered += 1
                if schedule.failedAttempts == 0 {
                    batch.tally.lateness.append((target: "http", milliseconds: completion.startedAt - due.instant))
                }
                let next = moveOn(
                    schedule, to: following(schedule, after: due), partition: partition, into: &batch)
                latest[partition, default: [:]][id] = .some(next)
                batch.records.append(
                    EventRecord(
                        kind: .fired, id: id, occurrence: due.number, scheduledFor: due.instant,
                        at: completion.startedAt, partition: partition,
                        detail: "HTTP \(status) on attempt \(attempt)"
                            + (schedule.recurrence != nil && next == nil ? "; last occurrence" : "")
                    ).record(topic: configuration.eventsTopic))
            case .failed(let failure):
                let maxAttempts = schedule.retryMax ?? configuration.httpRetryMax
                if failure.retryable && attempt < maxAttempts {
                    let policy = RetryPolicy(
                        baseMillis: schedule.retryBackoffMillis ?? configuration.httpRetryBackoffMilliseconds,
                        capMillis: retryCapMillis)
                    let retryAt =
                        now
                        + policy.delay(
                            afterAttempt: attempt, retryAfterMillis: failure.retryAfterMillis, using: &random)
                    let retried = schedule.retried(at: retryAt, error: failure.reason)
                    batch.tally.httpRetried += 1
                    record(retried, replacing: schedule, partition: partition, into: &batch)
                    latest[partition, default: [:]][id] = .some(retried)
                    batch.records.append(
                        EventRecord(
                            kind: .retrying, id: id, occurrence: due.number, scheduledFor: due.instant, at: now,
                            partition: partition,
                            detail: "attempt \(attempt) of \(maxAttempts) failed: \(failure.reason); "
                                + "next attempt at \(TimestampFormat.format(retryAt))"
                        ).record(topic: configuration.eventsTopic))
                    logger.info(
                        "webhook attempt failed; retrying",
                        metadata: [
                            "id": "\(id)", "attempt": "\(attempt)", "host": "\(target.host)",
                            "error": "\(failure.reason)", "retryAt": "\(retryAt)",
                        ])
                } else {
                    let reason =
                        failure.retryable
                        ? "delivery to \(target.url) failed after \(attempt) attempts: \(failure.reason)"
                        : "delivery to \(target.url) failed: \(failure.reason)"
                    let next = deadLetterWebhook(
                        schedule, target, occurrence: due, partition: partition, now: now, status: failure.status,
                        reason: reason, into: &batch)
                    batch.tally.httpDeadLettered += 1
                    latest[partition, default: [:]][id] = .some(next)
                }
            case .circuitOpen(let retryAt):
                let deferred = waitForBreaker(
                    schedule, target, retryAt: retryAt, partition: partition, now: now, into: &batch)
                latest[partition, default: [:]][id] = .some(deferred)
            }
        }
    }

    /// Moves a delivery whose host's circuit breaker is open to when the breaker lets a request through again,
    /// without counting an attempt.
    @discardableResult
    private func waitForBreaker(
        _ schedule: Schedule, _ target: HTTPTarget, retryAt: Int64, partition: Int32, now: Int64,
        into batch: inout OutputBatch
    ) -> Schedule {
        let reason = "circuit breaker open for host \(target.host) after repeated failures"
        let deferred = schedule.deferred(to: retryAt, reason: reason)
        batch.tally.httpDeferred += 1
        record(deferred, replacing: schedule, partition: partition, into: &batch)
        batch.records.append(
            EventRecord(
                kind: .retrying, id: schedule.id, occurrence: schedule.occurrence, scheduledFor: schedule.scheduledFor,
                at: now, partition: partition,
                detail: "\(reason); next attempt at \(TimestampFormat.format(retryAt))"
            ).record(topic: configuration.eventsTopic))
        return deferred
    }

    /// Sends a failed HTTP firing to the DLQ (with what a replay needs: the target, method and headers) and moves
    /// the schedule on; returns its next state.
    @discardableResult
    private func deadLetterWebhook(
        _ schedule: Schedule, _ target: HTTPTarget, occurrence due: Occurrence, partition: Int32, now: Int64,
        status: Int?, reason: String, into batch: inout OutputBatch
    ) -> Schedule? {
        var headers = schedule.headers.map { KafkaHeader(name: $0.name, value: $0.value) }
        headers.append(KafkaHeader("kairos-target", target.url))
        headers.append(KafkaHeader("kairos-http-method", target.method))
        for header in target.headers {
            headers.append(KafkaHeader(name: "kairos-http-header-" + header.name, value: header.value))
        }
        headers.append(KafkaHeader("kairos-error", reason))
        headers.append(KafkaHeader("kairos-error-kind", "delivery-failed"))
        if let status {
            headers.append(KafkaHeader("kairos-http-status", String(status)))
        }
        headers.append(KafkaHeader("kairos-attempts", String(schedule.failedAttempts + 1)))
        headers.append(KafkaHeader("kairos-id", schedule.id))
        headers.append(KafkaHeader("kairos-scheduled-for", String(due.instant)))
        headers.append(KafkaHeader("kairos-occurrence", String(due.number)))
        batch.records.append(
            KafkaProducerRecord(
                topic: configuration.dlqTopic, key: Array(schedule.id.utf8), value: schedule.payload, headers: headers))
        batch.records.append(
            EventRecord(
                kind: .deadLettered, id: schedule.id, occurrence: due.number, scheduledFor: due.instant, at: now,
                partition: partition, detail: reason
            ).record(topic: configuration.eventsTopic))
        logger.notice("webhook dead-lettered", metadata: ["id": "\(schedule.id)", "reason": "\(reason)"])
        return moveOn(schedule, to: following(schedule, after: due), partition: partition, into: &batch)
    }

    /// On shutdown: lets requests in flight finish within half the shutdown deadline and records their outcomes,
    /// so the next owner does not send them again.
    private func finishDeliveries() {
        defer { webhooks.shutdown() }
        guard webhooks.outstanding > 0 else { return }
        let budget = Duration.milliseconds(configuration.shutdownDeadlineMilliseconds / 2)
        if !webhooks.waitUntilIdle(timeout: budget) {
            logger.warning(
                "HTTP deliveries still running at shutdown; the next owner sends them again",
                metadata: ["outstanding": "\(webhooks.outstanding)"])
        }
        var batch = OutputBatch()
        var latest: [Int32: [String: Schedule?]] = [:]
        do {
            try recordWebhookOutcomes(into: &batch, latest: &latest)
            guard !batch.isEmpty else { return }
            _ = try coordinator.commit(batch, consumer: consumer, replacement: deliveryFailed) { changelogOffsets in
                try writeStores(batch, changelogOffsets: changelogOffsets)
            }
        } catch {
            logger.warning("recording HTTP outcomes at shutdown failed", metadata: ["error": "\(error)"])
        }
    }

    /// Publishes partition states and gauges (at most once a second).
    private func publishStatus() {
        lastPublished = ContinuousClock.now
        var partitions: [Int32: EngineStatus.Partition] = [:]
        for (partition, store) in owner.stores {
            var entry = EngineStatus.Partition(partition: partition, state: .serving)
            entry.pending = (try? store.approximateCount()) ?? 0
            entry.nextDue = store.nextDueTime
            entry.commandsOffset = try? store.commandsOffset
            entry.changelogOffset = try? store.changelogOffset
            entry.storeBytes = try? store.approximateBytes()
            let high = consumer.cachedHighWatermark(
                of: TopicPartition(topic: configuration.commandsTopic, partition: partition))
            if let high, let next = entry.commandsOffset {
                entry.commandsLag = max(0, high - next)
            }
            partitions[partition] = entry
            let label = [("partition", String(partition))]
            metrics.gauge(KairosMetrics.Name.pending, label).record(Int64(clamping: entry.pending))
            metrics.gauge(KairosMetrics.Name.commandsLag, label).record(entry.commandsLag ?? 0)
            metrics.gauge(KairosMetrics.Name.storeBytes, label).record(Int64(clamping: entry.storeBytes ?? 0))
        }
        for gone in publishedPartitions.subtracting(partitions.keys) {
            let label = [("partition", String(gone))]
            metrics.gauge(KairosMetrics.Name.pending, label).record(0)
            metrics.gauge(KairosMetrics.Name.commandsLag, label).record(0)
            metrics.gauge(KairosMetrics.Name.storeBytes, label).record(0)
        }
        publishedPartitions = Set(partitions.keys)
        metrics.gauge(KairosMetrics.Name.partitions).record(partitions.count)
        let breakers = webhooks.breakerStates
        for (server, state) in breakers {
            let value = state == "open" ? 2 : state == "half-open" ? 1 : 0
            metrics.gauge(KairosMetrics.Name.breaker, [("server", server)]).record(value)
        }
        publishedServers = Set(breakers.keys)
        let outstanding = webhooks.outstanding
        status.update { snapshot in
            // Partitions being restored are the owner's to report until they serve.
            for (partition, entry) in partitions {
                snapshot.partitions[partition] = entry
            }
            snapshot.breakers = breakers
            snapshot.httpOutstanding = outstanding
        }
    }

    /// Writes a schedule's new state (changelog and store). `stored` is its state in the store, read this batch.
    private func record(
        _ schedule: Schedule, replacing stored: Schedule?, partition: Int32, into batch: inout OutputBatch
    ) {
        // The changelog record and the store hold the same bytes: encoded once.
        let encoded = ScheduleCodec.encode(schedule)
        batch.records.append(
            ChangelogRecord.state(
                id: schedule.id, encoded: encoded, topic: configuration.changelogTopic, partition: partition))
        batch.changes[partition, default: []].append(.upsert(schedule, encoded: encoded, replacing: .of(stored)))
    }

    /// Removes a schedule that has nothing left to fire (`schedule` as the store holds it, read this batch).
    private func end(_ schedule: Schedule, partition: Int32, into batch: inout OutputBatch) {
        batch.records.append(
            ChangelogRecord.tombstone(id: schedule.id, topic: configuration.changelogTopic, partition: partition))
        batch.changes[partition, default: []].append(.delete(id: schedule.id, replacing: .of(schedule)))
    }

    private func firedRecord(_ firing: Firing) -> KafkaProducerRecord {
        let schedule = firing.schedule
        guard case .kafka(let topic) = schedule.target else {
            preconditionFailure("only Kafka targets are accepted by the decoder")
        }
        var headers = schedule.headers.map { KafkaHeader(name: $0.name, value: $0.value) }
        headers.append(KafkaHeader("kairos-id", schedule.id))
        headers.append(KafkaHeader("kairos-scheduled-for", String(firing.occurrence.instant)))
        headers.append(KafkaHeader("kairos-fired-at", String(firing.firedAt)))
        headers.append(KafkaHeader("kairos-occurrence", String(firing.occurrence.number)))
        return KafkaProducerRecord(
            topic: topic, partition: schedule.targetPartition, key: schedule.targetKey ?? Array(schedule.id.utf8),
            value: schedule.payload, headers: headers)
    }

    /// The dead letter and event of a firing whose record Kafka refused for good.
    private func deliveryFailed(_ firing: Firing, _ error: KafkaError) -> [KafkaProducerRecord] {
        let schedule = firing.schedule
        guard case .kafka(let topic) = schedule.target else { return [] }
        let reason = "delivery to topic '\(topic)' failed: \(error.message) (\(error.codeName))"
        var headers = schedule.headers.map { KafkaHeader(name: $0.name, value: $0.value) }
        // What a replay (`kairosctl dlq replay`) needs to make the command again.
        headers.append(KafkaHeader("kairos-target", "kafka:" + topic))
        if let key = schedule.targetKey {
            headers.append(KafkaHeader(name: "kairos-target-key", value: key))
        }
        if let partition = schedule.targetPartition {
            headers.append(KafkaHeader("kairos-target-partition", String(partition)))
        }
        headers.append(KafkaHeader("kairos-error", reason))
        headers.append(KafkaHeader("kairos-error-kind", "delivery-failed"))
        headers.append(KafkaHeader("kairos-id", schedule.id))
        headers.append(KafkaHeader("kairos-scheduled-for", String(firing.occurrence.instant)))
        headers.append(KafkaHeader("kairos-occurrence", String(firing.occurrence.number)))
        logger.notice("firing dead-lettered", metadata: ["id": "\(schedule.id)", "reason": "\(reason)"])
        return [
            KafkaProducerRecord(
                topic: configuration.dlqTopic, key: Array(schedule.id.utf8), value: schedule.payload, headers: headers),
            EventRecord(
                kind: .deadLettered, id: schedule.id, occurrence: firing.occurrence.number,
                scheduledFor: firing.occurrence.instant, at: firing.firedAt, partition: firing.partition, detail: reason
            ).record(topic: configuration.eventsTopic),
        ]
    }

    private func deadLetter(_ record: KafkaConsumerRecord, reason: String) -> KafkaProducerRecord {
        var headers = record.headers
        headers.append(KafkaHeader("kairos-error", reason))
        headers.append(KafkaHeader("kairos-error-kind", "rejected"))
        headers.append(KafkaHeader("kairos-source-topic", record.topic))
        headers.append(KafkaHeader("kairos-source-partition", String(record.partition)))
        headers.append(KafkaHeader("kairos-source-offset", String(record.offset)))
        return KafkaProducerRecord(
            topic: configuration.dlqTopic, key: record.key, value: record.value, headers: headers)
    }

    static func nowMilliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1_000).rounded(.down))
    }
}
