#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A reader-writer lock over `pthread_rwlock_t`.
///
/// Many readers may hold it at once; a writer holds it alone. The database takes the read
/// side for every operation on its native handle and the write side to close it, so
/// operations run concurrently with each other but never with (or after) `close`.
final class ReadWriteLock: @unchecked Sendable {
    // @unchecked Sendable: the pthread lock lives at a stable heap address that is
    // allocated once in init and freed once in deinit; pthread_rwlock_* is thread-safe.
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>

    init() {
        lock = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)
        lock.initialize(to: pthread_rwlock_t())
        let status = pthread_rwlock_init(lock, nil)
        precondition(status == 0, "pthread_rwlock_init failed: \(status)")
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deinitialize(count: 1)
        lock.deallocate()
    }

    /// Runs `body` while holding the lock shared with other readers.
    func withReadLock<R>(_ body: () throws -> R) rethrows -> R {
        let status = pthread_rwlock_rdlock(lock)
        precondition(status == 0, "pthread_rwlock_rdlock failed: \(status)")
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }

    /// Runs `body` while holding the lock exclusively.
    func withWriteLock<R>(_ body: () throws -> R) rethrows -> R {
        let status = pthread_rwlock_wrlock(lock)
        precondition(status == 0, "pthread_rwlock_wrlock failed: \(status)")
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }
}
