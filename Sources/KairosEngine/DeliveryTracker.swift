import Dispatch
import KafkaClient
import Synchronization

/// Counts delivery reports of one batch, remembers the highest changelog offset per partition and which records
/// (by batch index) failed.
final class DeliveryTracker: Sendable {
    private struct State {
        var outstanding = 0
        var changelogOffsets: [Int32: Int64] = [:]
        var failures: [Int: KafkaError] = [:]
        var otherFailure: KafkaError?
        /// Set by `seal`: every record is registered, and this runs when the last report is in.
        var sealed = false
        var onComplete: (@Sendable () -> Void)?
        /// When the last report came in, once sealed.
        var completedAt: ContinuousClock.Instant?
    }

    private let changelogTopic: String
    private let state = Mutex(State())
    private let done = DispatchSemaphore(value: 0)

    init(changelogTopic: String) {
        self.changelogTopic = changelogTopic
    }

    /// Registers one more record (`index` in the batch, nil for a substitute) and returns its delivery handler.
    func expect(index: Int?) -> KafkaProducer.DeliveryHandler {
        state.withLock { $0.outstanding += 1 }
        return { [self] result in
            let completed = state.withLock { state -> (@Sendable () -> Void)? in
                switch result {
                case .success(let report):
                    if report.topic == changelogTopic {
                        state.changelogOffsets[report.partition] = max(
                            state.changelogOffsets[report.partition] ?? report.offset, report.offset)
                    }
                case .failure(let error):
                    if let index {
                        state.failures[index] = error
                    } else {
                        state.otherFailure = state.otherFailure ?? error
                    }
                }
                state.outstanding -= 1
                guard state.sealed, state.outstanding == 0 else { return nil }
                state.completedAt = ContinuousClock.now
                return state.onComplete
            }
            done.signal()
            completed?()
        }
    }

    /// Marks every record registered; `onComplete` runs once all their reports are in (at once if they are).
    func seal(onComplete: @escaping @Sendable () -> Void) {
        let complete = state.withLock { state in
            state.sealed = true
            state.onComplete = onComplete
            if state.outstanding == 0 {
                state.completedAt = ContinuousClock.now
            }
            return state.outstanding == 0
        }
        if complete {
            onComplete()
        }
    }

    /// Whether every registered record has its report.
    var isComplete: Bool { state.withLock { $0.outstanding == 0 } }

    /// When the last report of a sealed tracker came in.
    var completedAt: ContinuousClock.Instant? { state.withLock { $0.completedAt } }

    /// Takes back a registration whose record the producer refused at once (its handler will never run).
    func forget(index: Int) {
        state.withLock { $0.outstanding -= 1 }
    }

    var changelogOffsets: [Int32: Int64] { state.withLock { $0.changelogOffsets } }

    /// Records that failed, by batch index, in index order.
    var failures: [(Int, KafkaError)] { state.withLock { $0.failures.sorted { $0.key < $1.key } } }

    /// Waits until every registered record has its report; throws a substitute record's failure.
    func waitForAll(timeout: Duration = .seconds(120)) throws {
        let deadline = ContinuousClock.now + timeout
        while state.withLock({ $0.outstanding }) > 0 {
            guard ContinuousClock.now < deadline else {
                throw EngineError("delivery reports did not arrive within \(timeout)")
            }
            _ = done.wait(timeout: .now() + .milliseconds(100))
        }
        if let error = state.withLock({ $0.otherFailure }) {
            throw error
        }
    }
}
