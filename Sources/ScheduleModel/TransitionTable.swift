/// A sorted list of UTC-offset changes, with the lookups the time-zone code needs in both
/// directions (instant to offset, wall clock to instant). All times are in seconds.
struct TransitionTable: Sendable, Hashable {
    /// Instants (seconds since the epoch, UTC) at which the offset changes, ascending.
    private(set) var instants: [Int64] = []
    /// Offset (seconds east of UTC) in force from `instants[i]` on.
    private(set) var offsetsAfter: [Int32] = []
    /// Offset in force just before `instants[i]`.
    private(set) var offsetsBefore: [Int32] = []
    /// `instants[i] + min(before, after)`: the first wall-clock second affected by change i.
    private(set) var localStarts: [Int64] = []
    /// Offset before the first change.
    let initialOffset: Int32

    init(initialOffset: Int32) {
        self.initialOffset = initialOffset
    }

    var lastOffset: Int32 { offsetsAfter.last ?? initialOffset }
    var lastInstant: Int64? { instants.last }

    /// Appends a change; ignored unless later than the last one and actually changing the offset.
    mutating func append(instant: Int64, offset: Int32) {
        let before = lastOffset
        if let last = instants.last, instant <= last { return }
        guard offset != before else { return }
        instants.append(instant)
        offsetsAfter.append(offset)
        offsetsBefore.append(before)
        localStarts.append(instant + Int64(min(before, offset)))
    }

    /// Index of the last element of `array` that is `<= value`, or -1.
    @inline(__always)
    private static func lastIndex(in array: [Int64], notAfter value: Int64) -> Int {
        var low = 0
        var high = array.count
        while low < high {
            let mid = (low + high) >> 1
            if array[mid] <= value { low = mid + 1 } else { high = mid }
        }
        return low - 1
    }

    /// The offset in force at instant `t`.
    func offset(at t: Int64) -> Int32 {
        let k = TransitionTable.lastIndex(in: instants, notAfter: t)
        return k < 0 ? initialOffset : offsetsAfter[k]
    }

    /// The first change strictly after instant `t`, or nil.
    func nextInstant(after t: Int64) -> Int64? {
        let k = TransitionTable.lastIndex(in: instants, notAfter: t) + 1
        return k < instants.count ? instants[k] : nil
    }

    /// How wall-clock second `local` maps to instants.
    func resolve(local: Int64) -> (kind: LocalTimeKind, first: Int64, second: Int64) {
        let k = TransitionTable.lastIndex(in: localStarts, notAfter: local)
        if k < 0 { return (.unique, local - Int64(initialOffset), local - Int64(initialOffset)) }
        let before = Int64(offsetsBefore[k])
        let after = Int64(offsetsAfter[k])
        let t = instants[k]
        if local >= t + max(before, after) { return (.unique, local - after, local - after) }
        if after > before { return (.skipped, t, t) }
        return (.repeated, local - before, local - after)
    }

    /// The latest wall-clock second whose resolved instant (gap end, or first of a repeated
    /// pair) is at or before `t`; every later wall-clock second resolves after `t`.
    func latestWallClock(notAfter t: Int64) -> Int64 {
        let k = TransitionTable.lastIndex(in: instants, notAfter: t)
        if k < 0 { return t + Int64(initialOffset) }
        let before = Int64(offsetsBefore[k])
        let after = Int64(offsetsAfter[k])
        if before > after && t < instants[k] + (before - after) {
            // Second pass through a repeated hour: every repeated reading already resolved
            // (to its first pass), so the latest such reading is the last one repeated.
            return max(t + after, instants[k] + before - 1)
        }
        return t + after
    }
}

/// How a wall-clock reading relates to real instants in a zone.
enum LocalTimeKind: Sendable, Hashable {
    case unique, skipped, repeated
}
