import Dispatch
import Foundation
public import ScheduleModel
import Synchronization

/// Limits of a `WebhookDispatcher`.
public struct WebhookDispatcherSettings: Sendable {
    /// Requests running at once, over all hosts.
    public var maxConcurrency = 256
    /// Requests running at once to one host (also its connection-pool size).
    public var maxPerHost = 32
    /// Jobs that may wait for a host beyond those running; more are refused with `.hostBusy`.
    public var maxQueuedPerHost = 1_024
    /// Jobs that may wait over all hosts; more are refused with `.full`.
    public var maxQueued = 8_192
    /// Consecutive failures that open a host's circuit breaker.
    public var breakerFailures = 5
    /// How long an open breaker stays open before it lets a probe through.
    public var breakerCoolDownMillis: Int64 = 30_000
    /// Per-request deadline (connect, send, answer).
    public var timeoutMillis: Int64 = 10_000
    public var hostPolicy = HostPolicy()

    public init() {}
}

/// Runs HTTP deliveries concurrently, within a global limit and a per-server (`host:port`) limit, so that one slow
/// or failing server neither stalls the engine nor takes the capacity other servers need. Each server has a
/// circuit breaker: after consecutive failures its jobs are handed back as `.circuitOpen`, without a request, until
/// the cool-down ends.
///
/// The engine submits jobs from its thread and collects completions with `takeCompletions`; `onCompletion` runs (on
/// any thread) whenever one is ready, to wake the engine.
public final class WebhookDispatcher: Sendable {
    /// What `submit` did with a job.
    public enum Admission: Sendable, Equatable {
        /// Queued or started; a completion will follow.
        case accepted
        /// The server has too many jobs waiting; submit again when `hasRoom(server:)`.
        case hostBusy
        /// Too many jobs wait overall; submit again when `hasRoom(server:)`.
        case full
        /// The host's breaker is open: no request is made before `retryAt` (epoch ms).
        case circuitOpen(retryAt: Int64)
    }

    private struct HostState {
        var running = 0
        var waiting: [WebhookJob] = []
        var breaker: CircuitBreaker
    }

    private struct State {
        var hosts: [String: HostState] = [:]
        var running = 0
        var waiting = 0
        var completions: [WebhookCompletion] = []
        var closed = false
    }

    private let settings: WebhookDispatcherSettings
    private let client: WebhookClient
    private let onCompletion: @Sendable () -> Void
    private let state = Mutex(State())

    public init(settings: WebhookDispatcherSettings, onCompletion: @escaping @Sendable () -> Void) {
        self.settings = settings
        self.onCompletion = onCompletion
        client = WebhookClient(
            timeoutMillis: settings.timeoutMillis, maxConnectionsPerHost: settings.maxPerHost,
            hostPolicy: settings.hostPolicy)
    }

    /// Queues `job`, or says why not.
    public func submit(_ job: WebhookJob) -> Admission {
        let now = Self.nowMilliseconds()
        let (admission, ready) = state.withLock { state -> (Admission, [WebhookJob]) in
            guard !state.closed else { return (.full, []) }
            var host =
                state.hosts[job.server]
                ?? HostState(
                    breaker: CircuitBreaker(
                        failureThreshold: settings.breakerFailures, coolDownMillis: settings.breakerCoolDownMillis))
            switch host.breaker.state {
            case .open(let until) where until > now:
                return (.circuitOpen(retryAt: until), [])
            case .halfOpen(probeInFlight: true):
                return (.circuitOpen(retryAt: now + CircuitBreaker.probeWaitMillis), [])
            default:
                break
            }
            guard host.waiting.count < settings.maxQueuedPerHost else { return (.hostBusy, []) }
            guard state.waiting < settings.maxQueued else { return (.full, []) }
            host.waiting.append(job)
            state.hosts[job.server] = host
            state.waiting += 1
            return (.accepted, startReady(&state, now: now))
        }
        launch(ready)
        if admission == .accepted {
            notifyIfCompleted()
        }
        return admission
    }

    /// Whether `server` (`host:port`) and the dispatcher as a whole have worked through half of their waiting jobs,
    /// so that jobs refused with `.hostBusy` or `.full` are worth submitting again.
    public func hasRoom(server: String) -> Bool {
        state.withLock { state in
            state.waiting <= settings.maxQueued / 2
                && (state.hosts[server]?.waiting.count ?? 0) <= settings.maxQueuedPerHost / 2
        }
    }

    /// Completions since the last call, in the order they finished.
    public func takeCompletions() -> [WebhookCompletion] {
        state.withLock { state in
            defer { state.completions.removeAll(keepingCapacity: true) }
            return state.completions
        }
    }

    /// Jobs accepted and not yet taken back as completions.
    public var outstanding: Int {
        state.withLock { $0.running + $0.waiting }
    }

    /// Breaker state per server (`host:port`) ("closed", "open", "half-open").
    public var breakerStates: [String: String] {
        state.withLock { $0.hosts.mapValues(\.breaker.stateName) }
    }

    /// Waits (blocking the calling thread, which must not be a Swift concurrency thread) until no job runs or
    /// waits, or `timeout` passes; returns whether it got there.
    public func waitUntilIdle(timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while state.withLock({ $0.running + $0.waiting }) > 0 {
            guard ContinuousClock.now < deadline else { return false }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return true
    }

    /// Refuses new jobs, drops waiting ones and closes the connections (running requests fail).
    public func shutdown() async {
        state.withLock { state in
            state.closed = true
            for key in state.hosts.keys {
                state.hosts[key]?.waiting.removeAll()
            }
            state.waiting = 0
        }
        await client.shutdown()
    }

    /// `shutdown()` for a thread outside Swift concurrency (the engine's): blocks until it is done or 10 s passed.
    public func shutdownBlocking() {
        let done = DispatchSemaphore(value: 0)
        Task {
            await shutdown()
            done.signal()
        }
        _ = done.wait(timeout: .now() + 10)
    }

    /// Moves waiting jobs into free slots: hosts in turn, each up to its limit, until the global limit is reached.
    /// Jobs whose breaker refuses them complete at once as `.circuitOpen`.
    private func startReady(_ state: inout State, now: Int64) -> [WebhookJob] {
        var ready: [WebhookJob] = []
        var progress = true
        while progress && state.running < settings.maxConcurrency && state.waiting > 0 {
            progress = false
            for name in state.hosts.keys {
                guard state.running < settings.maxConcurrency, var host = state.hosts[name], !host.waiting.isEmpty,
                    host.running < settings.maxPerHost
                else { continue }
                let job = host.waiting.removeFirst()
                state.waiting -= 1
                progress = true
                switch host.breaker.permit(now: now) {
                case .allowed, .probe:
                    host.running += 1
                    state.running += 1
                    ready.append(job)
                case .rejected(let retryAt):
                    state.completions.append(
                        WebhookCompletion(
                            job: job, outcome: .circuitOpen(retryAt: retryAt), startedAt: now, duration: .zero))
                }
                state.hosts[name] = host
            }
        }
        return ready
    }

    private func launch(_ jobs: [WebhookJob]) {
        for job in jobs {
            Task { [self] in
                let started = ContinuousClock.now
                let startedAt = Self.nowMilliseconds()
                let outcome = await client.deliver(job)
                finish(
                    WebhookCompletion(
                        job: job, outcome: outcome, startedAt: startedAt, duration: ContinuousClock.now - started))
            }
        }
    }

    private func finish(_ completion: WebhookCompletion) {
        let now = Self.nowMilliseconds()
        let ready = state.withLock { state -> [WebhookJob] in
            state.running -= 1
            if var host = state.hosts[completion.job.server] {
                host.running -= 1
                switch completion.outcome {
                case .delivered: host.breaker.record(success: true, now: now)
                case .failed(let failure): host.breaker.record(success: !failure.retryable, now: now)
                case .circuitOpen: break
                }
                state.hosts[completion.job.server] = host
            }
            state.completions.append(completion)
            return state.closed ? [] : startReady(&state, now: now)
        }
        launch(ready)
        onCompletion()
    }

    private func notifyIfCompleted() {
        if state.withLock({ !$0.completions.isEmpty }) {
            onCompletion()
        }
    }

    static func nowMilliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1_000).rounded(.down))
    }
}
