import Foundation
public import KafkaClient
public import Logging

/// The scheduler engine of one instance: its parts wired together, and the thread its delivery loop runs on.
///
/// Kafka is the only coordination service. The instance joins the consumer group of `commands`; for each partition
/// it is assigned, `PartitionOwner` restores the store from the changelog (`ChangelogRestorer`) before anything of
/// that partition is read or fired; the `DeliveryLoop` then applies its commands (`CommandApplier`), fires what is due
/// (`DueFirings`, and `WebhookOutcomes` for HTTP targets), and commits each batch (`BatchCommitter`: one transaction
/// exactly once, a pipeline of acknowledged batches at least once), reading schedules through `ScheduleView`.
/// `docs/architecture.md` draws the parts, their threads and the invariants they keep.
public final class SchedulerEngine: Sendable {
    /// What the engine is doing, for the admin API and readiness.
    public let status = EngineStatus()
    public let metrics = KairosMetrics()
    /// Reads of the schedules this instance serves, and where their commands are applied up to.
    public let reader: ScheduleReader
    private let loop: LoopBox

    /// Builds the engine; nothing connects until `run`.
    public init(
        settings: EngineSettings, kafka: KafkaConfiguration, clock: any EngineClock = SystemClock(), logger: Logger
    ) throws {
        let owner = PartitionOwner(settings: settings, kafka: kafka, status: status, metrics: metrics, logger: logger)
        reader = owner.reader
        var consumerConfiguration = ConsumerConfiguration(kafka: kafka, groupID: settings.groupID)
        consumerConfiguration.groupInstanceID = settings.instanceID
        consumerConfiguration.isolationLevel = .readCommitted
        consumerConfiguration.autoOffsetReset = .earliest
        consumerConfiguration.sessionTimeoutMilliseconds = settings.sessionTimeoutMilliseconds
        consumerConfiguration.heartbeatIntervalMilliseconds = 1_000
        // A fetch returns at most this long after a command arrives on a quiet partition.
        consumerConfiguration.fetchWaitMaxMilliseconds = 50
        let consumer = try KafkaConsumer(configuration: consumerConfiguration) { event in owner.handle(event) }
        let refused = RefusedFirings()
        // A finished request wakes the loop so its outcome is recorded without waiting for the next timer.
        let deliveries = WebhookDeliveries(settings: settings.webhooks, clock: clock, logger: logger) {
            consumer.wakeUp()
        }
        let inFlight = CommitPipeline()
        let view = ScheduleView(owner: owner, inFlight: inFlight)
        let outcomes = WebhookOutcomes(
            settings: settings, clock: clock, view: view, owner: owner, deliveries: deliveries, metrics: metrics,
            logger: logger)
        let firings = DueFirings(
            settings: settings, clock: clock, view: view, owner: owner, webhooks: outcomes, refused: refused,
            logger: logger)
        let producer = try BatchProducer(kafka: kafka, settings: settings, logger: logger) { firing, error in
            firings.deadLetterRecords(of: firing, refusedWith: error)
        }
        let reporter = CommitReporter(
            metrics: metrics, refused: refused, logger: logger, applied: owner.reader.appliedOffsets)
        let committer: any BatchCommitter =
            switch settings.guarantee {
            case .exactlyOnce:
                TransactionalCommitter(producer: producer, consumer: consumer, owner: owner, reporter: reporter)
            case .atLeastOnce:
                PipelinedCommitter(
                    inFlight: inFlight, producer: producer, consumer: consumer, owner: owner, reporter: reporter)
            }
        let parts = DeliveryLoop.Parts(
            consumer: consumer, owner: owner, view: view, committer: committer,
            applier: CommandApplier(
                settings: settings, clock: clock, view: view, deliveries: deliveries, refused: refused, logger: logger),
            outcomes: outcomes, firings: firings, deliveries: deliveries, refused: refused,
            publisher: StatusPublisher(
                owner: owner, consumer: consumer, commandsTopic: settings.topics.commands, deliveries: deliveries,
                status: status, metrics: metrics))
        let loop = DeliveryLoop(
            settings: settings, clock: clock, parts: parts, status: status, metrics: metrics, logger: logger)
        // A partition is given up only once the batches in flight are settled, so its store is complete.
        owner.beforeRelease = { [unowned loop] in loop.settleAll() }
        self.loop = LoopBox(loop)
    }

    /// Runs the delivery loop on a thread of its own (it blocks in librdkafka and RocksDB) until `requestStop`; then
    /// it settles what is in flight, leaves the group and closes the stores. Throws what stopped it otherwise.
    public func run() async throws {
        let loop = loop
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let thread = Thread {
                do {
                    try loop.loop.run()
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = "kairos-engine"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Asks `run` to return after the batch in progress; safe from any thread.
    public func requestStop() {
        loop.loop.requestStop()
    }
}

/// The delivery loop, handed to the thread that runs it.
///
/// `@unchecked Sendable`: the loop is used only by the thread `run` starts, apart from `requestStop`, which touches
/// only its atomic flag and the consumer's thread-safe wake-up.
private final class LoopBox: @unchecked Sendable {
    let loop: DeliveryLoop
    init(_ loop: DeliveryLoop) { self.loop = loop }
}
