/// An instant in time: milliseconds since 1970-01-01T00:00:00Z (UTC), ignoring leap seconds.
///
/// Every instant the schedule model accepts or returns is expressed in this unit.
public typealias EpochMillis = Int64
