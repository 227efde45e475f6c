import HTTPDelivery
import KairosWire
import Logging
import ScheduleModel

/// The engine's side of HTTP delivery: which due schedules have a request in flight or wait for room at their
/// host, so the delivery loop passes over them, and the finished attempts to record.
///
/// HTTP delivery is at least once (architecture invariant 5): the request is made first and its outcome (done,
/// retry at T, dead-lettered) is recorded through the changelog afterwards. Until then the schedule stays due in
/// the store; after a crash or a rebalance the next owner sends it again with the same `Idempotency-Key`.
///
/// Used only by the engine thread.
final class WebhookDeliveries {
    /// A request in flight: the schedule as it was stored when the request started, and the occurrence sent.
    struct InFlight {
        var schedule: Schedule
        var occurrence: Occurrence
    }

    /// What `dispatch` did.
    enum Dispatch {
        case started
        /// The host (or the dispatcher) is saturated; the schedule is passed over until it has room.
        case waitingForRoom
        /// The host's circuit breaker is open until then; no request was made.
        case circuitOpen(retryAt: Int64)
        /// The stored target cannot be sent (damaged state); the firing is dead-lettered with this reason.
        case unsendable(String)
    }

    private let dispatcher: WebhookDispatcher
    private var inFlight: [Int32: [String: InFlight]] = [:]
    /// Due schedules refused for lack of room, by server (`host:port`), then partition.
    private var waiting: [String: [Int32: Set<String>]] = [:]

    init(
        settings: WebhookDispatcherSettings, clock: any EngineClock = SystemClock(),
        logger: Logger = Logger(label: "kairos.http"), wakeUp: @escaping @Sendable () -> Void
    ) {
        dispatcher = WebhookDispatcher(settings: settings, logger: logger, now: clock.now, onCompletion: wakeUp)
    }

    /// Starts attempt `attempt` of delivering occurrence `occurrence` of `schedule`.
    func dispatch(
        _ schedule: Schedule, _ target: HTTPTarget, occurrence: Occurrence, attempt: Int, partition: Int32
    ) -> Dispatch {
        let url: HTTPURL
        do {
            url = try HTTPURL(parsing: target.url)
        } catch {
            return .unsendable("the stored URL '\(target.url)' cannot be sent: \(error.message)")
        }
        var headers = target.headers.map { (name: $0.name, value: String(decoding: $0.value ?? [], as: UTF8.self)) }
        headers += WebhookHeaders.of(id: schedule.id, occurrence: occurrence, attempt: attempt)
        let job = WebhookJob(
            partition: partition, scheduleID: schedule.id, occurrence: occurrence.number, url: url,
            method: target.method, headers: headers, body: schedule.payload)
        switch dispatcher.submit(job) {
        case .accepted:
            inFlight[partition, default: [:]][schedule.id] = InFlight(schedule: schedule, occurrence: occurrence)
            return .started
        case .hostBusy, .full:
            waiting[job.server, default: [:]][partition, default: []].insert(schedule.id)
            return .waitingForRoom
        case .circuitOpen(let retryAt):
            return .circuitOpen(retryAt: retryAt)
        }
    }

    /// Ids of `partition` the delivery loop passes over: in flight, or waiting for room at a saturated host.
    /// Hosts that have room again are released first.
    func passedOver(partition: Int32) -> Set<String> {
        var ids = Set<String>()
        if let running = inFlight[partition] {
            ids.formUnion(running.keys)
        }
        for (server, partitions) in waiting {
            guard let waitingIDs = partitions[partition] else { continue }
            if dispatcher.hasRoom(server: server) {
                waiting[server]?[partition] = nil
                if waiting[server]?.isEmpty == true { waiting[server] = nil }
            } else {
                ids.formUnion(waitingIDs)
            }
        }
        return ids
    }

    /// A command changed schedule `id`: it no longer waits for room under its old target.
    func commandArrived(id: String, partition: Int32) {
        for server in waiting.keys {
            waiting[server]?[partition]?.remove(id)
        }
    }

    /// Finished attempts, each with the in-flight record it ends (attempts whose record is gone are dropped).
    func takeCompletions() -> [(InFlight, WebhookCompletion)] {
        dispatcher.takeCompletions().compactMap { completion in
            let job = completion.job
            guard let entry = inFlight[job.partition]?.removeValue(forKey: job.scheduleID) else { return nil }
            return (entry, completion)
        }
    }

    /// Requests in flight or queued.
    var outstanding: Int { dispatcher.outstanding }

    /// Waits up to `timeout` for requests in flight to finish (shutdown); returns whether they all did.
    func waitUntilIdle(timeout: Duration) -> Bool {
        dispatcher.waitUntilIdle(timeout: timeout)
    }

    /// Circuit-breaker state by server (`host:port`).
    var breakerStates: [String: String] { dispatcher.breakerStates }

    func shutdown() {
        dispatcher.shutdownBlocking()
    }
}
