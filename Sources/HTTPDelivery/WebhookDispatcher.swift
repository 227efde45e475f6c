import Dispatch
import Foundation
public import Logging
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
    /// When a host's circuit breaker opens and for how long.
    public var breaker = CircuitBreaker.Policy()
    /// Per-request deadline (connect, send, answer).
    public var timeoutMillis: Int64 = 10_000
    public var hostPolicy = HostPolicy()

    public init() {}
}

/// Runs HTTP deliveries concurrently, within a global limit and a per-server (`host:port`) limit, so that one slow
/// or failing server neither stalls the engine nor takes the capacity other servers need. Each server has a
/// circuit breaker (`CircuitBreaker`): while it is open, and for the share it holds back while half-open, jobs are
/// handed back as `.circuitOpen`, without a request. Every change of a breaker's state is logged.
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
        /// Breaker state changes not yet logged, by server.
        var transitions: [(server: String, transition: CircuitBreaker.Transition)] = []
    }

    private let settings: WebhookDispatcherSettings
    private let client: WebhookClient
    private let onCompletion: @Sendable () -> Void
    private let logger: Logger
    /// The wall clock (epoch ms): completions' start times, and the instants a held-back job may be retried at.
    private let now: @Sendable () -> Int64
    /// A monotonic clock (ms) for the breakers' windows and open periods, so that a step of the wall clock neither
    /// keeps a host's breaker open for the length of the step nor empties its window.
    private let monotonicNow: @Sendable () -> Int64
    private let state = Mutex(State())

    public init(
        settings: WebhookDispatcherSettings, logger: Logger = Logger(label: "kairos.http"),
        now: @escaping @Sendable () -> Int64 = WebhookDispatcher.nowMilliseconds,
        monotonicNow: @escaping @Sendable () -> Int64 = WebhookDispatcher.uptimeMilliseconds,
        onCompletion: @escaping @Sendable () -> Void
    ) {
        self.settings = settings
        self.logger = logger
        self.now = now
        self.monotonicNow = monotonicNow
        self.onCompletion = onCompletion
        client = WebhookClient(
            timeoutMillis: settings.timeoutMillis, maxConnectionsPerHost: settings.maxPerHost,
            hostPolicy: settings.hostPolicy)
    }

    /// Queues `job`, or says why not.
    public func submit(_ job: WebhookJob) -> Admission {
        let now = instant()
        let (admission, ready) = state.withLock { state -> (Admission, [WebhookJob]) in
            guard !state.closed else { return (.full, []) }
            var host = state.hosts[job.server] ?? HostState(breaker: CircuitBreaker(policy: settings.breaker))
            if case .open(let until) = host.breaker.state, until > now.monotonic {
                return (.circuitOpen(retryAt: now.wall(at: until)), [])
            }
            guard host.waiting.count < settings.maxQueuedPerHost else { return (.hostBusy, []) }
            guard state.waiting < settings.maxQueued else { return (.full, []) }
            host.waiting.append(job)
            state.hosts[job.server] = host
            state.waiting += 1
            return (.accepted, startReady(&state, now: now))
        }
        launch(ready)
        logTransitions()
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
    /// Jobs whose breaker refuses them (open, or held back while half-open) complete at once as `.circuitOpen`.
    private func startReady(_ state: inout State, now: Instant) -> [WebhookJob] {
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
                switch host.breaker.permit(now: now.monotonic) {
                case .allowed, .probe:
                    host.running += 1
                    state.running += 1
                    ready.append(job)
                case .rejected(let retryAt):
                    state.completions.append(
                        WebhookCompletion(
                            job: job, outcome: .circuitOpen(retryAt: now.wall(at: retryAt)), startedAt: now.wall,
                            duration: .zero))
                }
                state.transitions += host.breaker.takeTransitions().map { (server: name, transition: $0) }
                state.hosts[name] = host
            }
        }
        return ready
    }

    private func launch(_ jobs: [WebhookJob]) {
        for job in jobs {
            Task { [self] in
                let started = ContinuousClock.now
                let startedAt = now()
                let outcome = await client.deliver(job)
                finish(
                    WebhookCompletion(
                        job: job, outcome: outcome, startedAt: startedAt, duration: ContinuousClock.now - started))
            }
        }
    }

    private func finish(_ completion: WebhookCompletion) {
        let now = instant()
        let ready = state.withLock { state -> [WebhookJob] in
            state.running -= 1
            if var host = state.hosts[completion.job.server] {
                host.running -= 1
                if let outcome = Self.breakerOutcome(completion.outcome) {
                    host.breaker.record(outcome, now: now.monotonic)
                    state.transitions += host.breaker.takeTransitions().map {
                        (server: completion.job.server, transition: $0)
                    }
                }
                state.hosts[completion.job.server] = host
            }
            state.completions.append(completion)
            return state.closed ? [] : startReady(&state, now: now)
        }
        launch(ready)
        logTransitions()
        onCompletion()
    }

    /// How an attempt counts for its host's breaker: an answer that is not a retryable error is a success (a 4xx
    /// is the request's fault, not the host's); a retryable error with a status is an error answer; no status means
    /// no answer (timeout, refused or reset connection, name not resolved).
    static func breakerOutcome(_ outcome: WebhookOutcome) -> CircuitBreaker.Outcome? {
        switch outcome {
        case .delivered: .success
        case .failed(let failure) where !failure.retryable: .success
        case .failed(let failure): failure.status == nil ? .noAnswer : .errorAnswer
        case .circuitOpen: nil
        }
    }

    /// Logs the breaker state changes recorded so far, outside the lock.
    private func logTransitions() {
        let transitions = state.withLock { state in
            defer { state.transitions.removeAll() }
            return state.transitions
        }
        for (server, transition) in transitions {
            switch transition {
            case .opened(let rate, let attempts, let windowMillis, let openMillis, let trip):
                logger.warning(
                    "circuit breaker opened",
                    metadata: [
                        "server": "\(server)", "failureRate": "\(rate)%", "attempts": "\(attempts)",
                        "windowMs": "\(windowMillis)", "openMs": "\(openMillis)", "trip": "\(trip)",
                    ])
            case .halfOpened(let share, let nextOpenMillis):
                logger.notice(
                    "circuit breaker half-open",
                    metadata: ["server": "\(server)", "share": "1/\(share)", "nextOpenMs": "\(nextOpenMillis)"])
            case .widened(let share):
                logger.info(
                    "circuit breaker half-open share widened", metadata: ["server": "\(server)", "share": "1/\(share)"])
            case .closed(let nextOpenMillis):
                logger.notice(
                    "circuit breaker closed", metadata: ["server": "\(server)", "nextOpenMs": "\(nextOpenMillis)"])
            case .reopened(let successes, let failureWeight, let openMillis, let trip):
                logger.warning(
                    "circuit breaker reopened",
                    metadata: [
                        "server": "\(server)", "successes": "\(successes)", "failureWeight": "\(failureWeight)",
                        "openMs": "\(openMillis)", "trip": "\(trip)",
                    ])
            }
        }
    }

    private func notifyIfCompleted() {
        if state.withLock({ !$0.completions.isEmpty }) {
            onCompletion()
        }
    }

    /// A reading of both clocks.
    private struct Instant {
        var wall: Int64
        var monotonic: Int64

        /// The wall-clock instant of monotonic reading `monotonicMillis`.
        func wall(at monotonicMillis: Int64) -> Int64 { wall + (monotonicMillis - monotonic) }
    }

    private func instant() -> Instant { Instant(wall: now(), monotonic: monotonicNow()) }

    /// Milliseconds on the system's monotonic clock.
    public static func uptimeMilliseconds() -> Int64 {
        Int64(DispatchTime.now().uptimeNanoseconds / 1_000_000)
    }

    /// The system clock in epoch milliseconds.
    public static func nowMilliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1_000).rounded(.down))
    }
}
