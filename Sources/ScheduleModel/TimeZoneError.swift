/// Why a time zone could not be used.
public enum TimeZoneError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No zone of that name exists in the system time-zone database.
    case unknownZone(String)
    /// The name is not an IANA zone name (e.g. contains `..` or other characters).
    case invalidName(String)
    /// The zone's TZif data could not be read or understood.
    case malformedData(zone: String, reason: String)

    /// One sentence naming the zone and the problem.
    public var description: String {
        switch self {
        case .unknownZone(let name):
            return "Unknown time zone '\(name)': it is not in the system time-zone database; use an IANA name such as Europe/Berlin, UTC, or a fixed offset such as +02:00."
        case .invalidName(let name):
            return "Invalid time zone name '\(name)': use an IANA name such as America/New_York, UTC, or a fixed offset such as -05:00."
        case .malformedData(let zone, let reason):
            return "The time-zone data for '\(zone)' could not be read: \(reason)."
        }
    }
}
