public import Testing
import Foundation

/// Runs a suite's tests on threads of their own instead of the shared pool of Swift concurrency.
///
/// That pool has one thread per core. A test that blocks (a Kafka poll, RocksDB, a wait for a condition, a
/// subprocess) holds one of them for as long as it blocks, and with two cores two such tests stall every other
/// test, including the tasks the blocked tests wait for. Under `.ownThreads` the suite's tests, and the tasks
/// they start (child tasks, `Task {}`), run each job on a new thread, so a blocked test holds only its own.
/// `Task.detached` still runs on the shared pool.
public struct OwnThreads: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { false }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await withTaskExecutorPreference(ThreadPerJobExecutor.shared) { try await function() }
    }
}

extension Trait where Self == OwnThreads {
    /// Runs the suite's tests on threads of their own (see `OwnThreads`).
    public static var ownThreads: OwnThreads { OwnThreads() }
}

/// A task executor that runs every job it is given on a new thread.
final class ThreadPerJobExecutor: TaskExecutor {
    static let shared = ThreadPerJobExecutor()

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        let thread = Thread { job.runSynchronously(on: executor) }
        thread.name = "test"
        thread.stackSize = 8 << 20
        thread.start()
    }
}
