/// How one wall-clock reading in a zone maps onto instants.
public enum LocalTimeResolution: Sendable, Hashable {
    /// The reading occurs exactly once.
    case unique(EpochMillis)
    /// The reading does not exist (clocks jumped over it, e.g. a DST start); `gapEnd` is the
    /// instant the jump happened, i.e. the first instant after the gap.
    case skipped(gapEnd: EpochMillis)
    /// The reading occurs twice (clocks were turned back); `first` < `second`.
    case repeated(first: EpochMillis, second: EpochMillis)

    /// The instant Kairos uses for the reading: the only one, the end of the gap, or the
    /// first of two.
    public var instant: EpochMillis {
        switch self {
        case .unique(let t): return t
        case .skipped(let gapEnd): return gapEnd
        case .repeated(let first, _): return first
        }
    }
}
