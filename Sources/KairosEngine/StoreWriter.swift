import Dispatch
import Synchronization

/// Writes the stores of acknowledged at-least-once batches in batch order: small writes on the engine thread when
/// nothing is queued, large ones on a writer thread of their own while the engine builds the next batches. A write
/// is never done if the one before it failed, since a batch is built on the state the one before it leaves.
final class StoreWriter: Sendable {
    /// Batches with at least this many store changes are written on the writer thread.
    static let backgroundWriteChanges = 1_000

    private let queue = DispatchQueue(label: "kairos.store-writer")
    /// Runs when a background write finishes (the engine wakes its poll to settle the batch).
    private let finished: @Sendable () -> Void

    init(onBackgroundWriteFinished finished: @escaping @Sendable () -> Void) {
        self.finished = finished
    }

    /// Starts writing `writes`, after `previous` (the write of the batch before, if still tracked).
    func start(_ writes: [StoreWrite], after previous: StoreWriteTicket?) -> StoreWriteTicket {
        let ticket = StoreWriteTicket()
        @Sendable func write() throws {
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
        let finished = finished
        queue.async {
            ticket.run(write)
            finished()
        }
        return ticket
    }

    /// Waits for the writes under way (before the stores are read again after a failure).
    func drain() {
        queue.sync {}
    }
}

/// The store write of one acknowledged batch: run on the engine thread, or in order on a writer thread while the
/// engine builds the next batches.
final class StoreWriteTicket: Sendable {
    private struct State {
        var finished = false
        var failure: (any Error)?
        var duration = Duration.zero
    }

    private let state = Mutex(State())
    private let done = DispatchSemaphore(value: 0)

    /// Runs `write` and records how it went.
    func run(_ write: () throws -> Void) {
        let started = ContinuousClock.now
        var failure: (any Error)?
        do {
            try write()
        } catch {
            failure = error
        }
        let duration = ContinuousClock.now - started
        state.withLock { state in
            state.finished = true
            state.failure = failure
            state.duration = duration
        }
        done.signal()
    }

    var isFinished: Bool { state.withLock { $0.finished } }

    /// Whether the write finished with an error.
    var failed: Bool { state.withLock { $0.finished && $0.failure != nil } }

    /// Waits for the write; returns how long it took, or throws its error.
    func wait() throws -> Duration {
        while !isFinished {
            _ = done.wait(timeout: .now() + .milliseconds(100))
        }
        let (failure, duration) = state.withLock { ($0.failure, $0.duration) }
        if let failure { throw failure }
        return duration
    }
}
