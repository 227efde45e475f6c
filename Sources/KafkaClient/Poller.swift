import Foundation
import Synchronization

/// Serves a handle's callbacks (delivery reports, logs) on a thread of its own until stopped.
final class Poller: Sendable {
    private final class State: Sendable {
        let stopped = Atomic<Bool>(false)
        let finished = DispatchSemaphore(value: 0)
    }

    private let state = State()

    init(handle: RDKafkaHandle) {
        let thread = Thread { [state] in
            while !state.stopped.load(ordering: .acquiring) {
                handle.poll(timeoutMilliseconds: 50)
            }
            state.finished.signal()
        }
        thread.name = "kafka-poller"
        thread.start()
    }

    /// Stops the thread and waits for it; safe to call more than once.
    func stop() {
        if !state.stopped.exchange(true, ordering: .acquiringAndReleasing) {
            state.finished.wait()
        }
    }
}
