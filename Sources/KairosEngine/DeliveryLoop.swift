import Foundation
import KafkaClient
import Logging
import Synchronization

/// The delivery loop: one thread that reads commands, fires due timers and commits both, batch by batch.
///
/// Each iteration polls `commands` for at most the time until the earliest due timer of the owned partitions, so a
/// command that arrives (even one due sooner) wakes it at once and there is no fixed tick (invariant 6). It applies
/// what arrived (`CommandApplier`), records finished webhook attempts (`WebhookOutcomes`), fires what is due
/// (`DueFirings`), and hands the lot to the `BatchCommitter` as one batch. Only after the batch is durable in Kafka
/// are the local stores written: a failed batch leaves them as they were, and consumption rewinds to the offset
/// each store reflects, so nothing is lost or applied twice.
///
/// The rebalance handler (`PartitionOwner`) runs inside the poll, on this thread, so partitions come and go between
/// iterations. Everything here but `stopRequested` is used only by the loop's thread.
final class DeliveryLoop {
    private let settings: EngineSettings
    private let clock: any EngineClock
    private let logger: Logger
    private let consumer: KafkaConsumer
    private let owner: PartitionOwner
    private let view: ScheduleView
    private let committer: any BatchCommitter
    private let applier: CommandApplier
    private let outcomes: WebhookOutcomes
    private let firings: DueFirings
    private let deliveries: WebhookDeliveries
    private let refused: RefusedFirings
    private let publisher: StatusPublisher
    private let status: EngineStatus
    private let metrics: KairosMetrics
    private let stopRequested = Atomic(false)
    /// The last batch fired as many schedules as a batch may.
    private var moreDue = false
    private var clockSteps = WallClockSteps()

    /// Upper bound on one poll so a stop request is noticed promptly; new commands end a poll at once.
    static let maxIdleMilliseconds: Int64 = 200

    struct Parts {
        var consumer: KafkaConsumer
        var owner: PartitionOwner
        var view: ScheduleView
        var committer: any BatchCommitter
        var applier: CommandApplier
        var outcomes: WebhookOutcomes
        var firings: DueFirings
        var deliveries: WebhookDeliveries
        var refused: RefusedFirings
        var publisher: StatusPublisher
    }

    init(
        settings: EngineSettings, clock: any EngineClock, parts: Parts, status: EngineStatus, metrics: KairosMetrics,
        logger: Logger
    ) {
        self.settings = settings
        self.clock = clock
        self.logger = logger
        consumer = parts.consumer
        owner = parts.owner
        view = parts.view
        committer = parts.committer
        applier = parts.applier
        outcomes = parts.outcomes
        firings = parts.firings
        deliveries = parts.deliveries
        refused = parts.refused
        publisher = parts.publisher
        self.status = status
        self.metrics = metrics
    }

    /// Asks `run` to return after the batch in progress; safe from any thread.
    func requestStop() {
        stopRequested.store(true, ordering: .releasing)
        consumer.wakeUp()
    }

    /// Runs until `requestStop`, then leaves the group and closes the stores.
    func run() throws {
        try consumer.subscribe([settings.topics.commands])
        logger.info(
            "scheduler running",
            metadata: [
                "group": "\(settings.groupID)", "commands": "\(settings.topics.commands)",
                "guarantee": "\(settings.guarantee.rawValue)",
            ])
        status.update { $0.running = true }
        defer { shutdown() }
        do {
            while !stopRequested.load(ordering: .acquiring) {
                if let failure = owner.failure {
                    throw failure
                }
                try iterate()
                publisher.publishIfDue()
            }
        } catch {
            status.update { $0.failure = "\(error)" }
            throw error
        }
    }

    /// One iteration: settle, poll, apply, record, fire, commit.
    func iterate() throws {
        noticeClockStep()
        do {
            try committer.settle(waitingForRoom: true)
        } catch {
            failed(error)
        }
        // Deliveries in flight or waiting for room, per partition. Computed once, before the poll: the poll can only
        // finish deliveries, and a finished one is recorded in this batch, which then skips its schedule anyway.
        let passedOver = owner.stores.keys.reduce(into: [Int32: Set<String>]()) { sets, partition in
            let ids = deliveries.passedOver(partition: partition)
            if !ids.isEmpty { sets[partition] = ids }
        }
        let polled = try consumer.poll(
            maxRecords: settings.maxCommandsPerBatch, timeoutMilliseconds: try pollTimeout(passingOver: passedOver))
        for error in polled.errors {
            logger.warning("consumer reported an error", metadata: ["error": "\(error)"])
        }
        var batch = OutputBatch(topics: settings.topics)
        for record in polled.records where owner.stores[record.partition] != nil {
            try applier.apply(record, to: &batch)
        }
        try outcomes.recordCompletions(into: &batch)
        try firings.fire(into: &batch, passingOver: passedOver)
        moreDue = batch.fired >= settings.maxFiresPerBatch
        guard !batch.isEmpty else { return }
        batch.closeWithProgress()
        do {
            try committer.submit(batch, commands: polled.records.count)
        } catch {
            failed(error)
        }
    }

    /// Logs a step of the wall clock since the previous iteration, and what it means for the firings.
    private func noticeClockStep() {
        let monotonic = Int64(DispatchTime.now().uptimeNanoseconds / 1_000_000)
        guard let step = clockSteps.step(wall: clock.now(), monotonic: monotonic) else { return }
        logger.warning(
            step < 0
                ? "wall clock stepped back; schedules fire when it reaches their time again"
                : "wall clock stepped forward; what fell due in the skipped time fires now, under the misfire rules",
            metadata: ["stepMs": "\(step)"])
    }

    /// How long the poll may wait: until the earliest due timer, at most `maxIdleMilliseconds`. An acknowledged
    /// batch in flight and a finished webhook wake the poll too.
    private func pollTimeout(passingOver passedOver: [Int32: Set<String>]) throws -> Int32 {
        // After a full batch of firings more are most likely due: no need to look for the earliest.
        if moreDue { return 0 }
        let now = clock.now()
        let earliest = try owner.stores.keys.compactMap { partition in
            try view.earliestDue(partition: partition, passingOver: passedOver[partition] ?? [])
        }.min()
        let wait = earliest.map { min(max($0 - now, 0), Self.maxIdleMilliseconds) } ?? Self.maxIdleMilliseconds
        return Int32(wait)
    }

    /// Settles every batch in flight (before a partition is given up).
    func settleAll() {
        do {
            try committer.settleAll()
        } catch {
            failed(error)
        }
    }

    /// After a failed batch: every later batch in flight was built on its state, so they are waited out and dropped,
    /// and the commands are read again from what the stores reflect.
    private func failed(_ error: any Error) {
        let dropped = committer.abandon()
        metrics.counter(KairosMetrics.Name.batches, [("result", "aborted")]).increment(by: 1 + dropped)
        if let undeliverable = error as? UndeliverableFirings {
            refused.note(undeliverable)
            logger.warning(
                "fired records refused by Kafka; they go to the DLQ", metadata: ["error": "\(undeliverable)"])
            rewind()
        } else {
            logger.warning(
                "batch failed; rewinding to the stored state",
                metadata: ["error": "\(error)", "dropped_batches": "\(dropped)"])
            rewind()
            Thread.sleep(forTimeInterval: 0.2)
        }
    }

    /// After a failed batch: reads each partition's commands again from the offset its store reflects (the group's
    /// committed offset while the store has none).
    private func rewind() {
        for (partition, store) in owner.stores {
            do {
                let topicPartition = TopicPartition(topic: settings.topics.commands, partition: partition)
                let known = try store.commandsOffset ?? consumer.committed([topicPartition]).first?.offset
                let offset = known.flatMap { $0 >= 0 ? $0 : nil } ?? TopicPartitionOffset.beginning
                try consumer.seek([TopicPartitionOffset(topicPartition, offset: offset)])
            } catch {
                logger.error("rewind failed", metadata: ["partition": "\(partition)", "error": "\(error)"])
            }
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
        committer.close()
        status.update { $0.running = false }
        logger.info("scheduler stopped")
    }

    /// On shutdown: lets requests in flight finish within half the shutdown deadline and records their outcomes, in
    /// one last batch committed like any other, so the next owner does not send them again.
    private func finishDeliveries() {
        defer { deliveries.shutdown() }
        guard deliveries.outstanding > 0 else { return }
        let budget = Duration.milliseconds(settings.shutdownDeadlineMilliseconds / 2)
        if !deliveries.waitUntilIdle(timeout: budget) {
            logger.warning(
                "HTTP deliveries still running at shutdown; the next owner sends them again",
                metadata: ["outstanding": "\(deliveries.outstanding)"])
        }
        var batch = OutputBatch(topics: settings.topics)
        do {
            try outcomes.recordCompletions(into: &batch)
            guard !batch.isEmpty else { return }
            try committer.submit(batch, commands: 0)
            try committer.settleAll()
        } catch {
            logger.warning("recording HTTP outcomes at shutdown failed", metadata: ["error": "\(error)"])
        }
    }
}
