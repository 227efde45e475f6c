import Foundation

/// The wall clock the engine reads: what "due" and "late" are measured against. Injected, so that the parts that
/// decide by the time can be tested on a clock the test moves.
public protocol EngineClock: Sendable {
    /// Now, in epoch milliseconds UTC.
    func now() -> Int64
}

/// The system's wall clock.
public struct SystemClock: EngineClock {
    public init() {}

    public func now() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1_000).rounded(.down))
    }
}
