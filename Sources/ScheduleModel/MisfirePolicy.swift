/// What to do with occurrences whose instant passed while nothing could fire them.
public enum MisfirePolicy: Sendable, Hashable {
    /// Default: fire the most recent missed occurrence once, late, and drop the older ones
    /// (never a burst), then continue with future occurrences.
    case fireOnce
    /// Fire the most recent missed occurrence late only if it is at most `graceMillis` old;
    /// otherwise skip it too and wait for the next future occurrence.
    case skip(graceMillis: Int64)
}
