/// A wall-clock reading (date and time of day, whole seconds) with no time zone attached.
///
/// It maps one-to-one onto "local seconds": seconds since 1970-01-01T00:00:00 as read on
/// a clock in some zone. A ``TimeZoneRules`` value turns it into an instant.
public struct LocalDateTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The calendar date.
    public var date: GregorianDate
    /// Hour of the day, 0-23.
    public var hour: Int
    /// Minute, 0-59.
    public var minute: Int
    /// Second, 0-59.
    public var second: Int

    /// A wall-clock reading from its parts; the caller guarantees they are in range.
    public init(date: GregorianDate, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        self.date = date
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// A wall-clock reading from its parts; the caller guarantees they are in range.
    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        self.init(date: GregorianDate(year: year, month: month, day: day), hour: hour, minute: minute, second: second)
    }

    /// The reading `localSeconds` seconds after local 1970-01-01T00:00:00.
    public init(localSeconds: Int64) {
        let days = localSeconds >= 0 ? localSeconds / 86_400 : (localSeconds - 86_399) / 86_400
        let secondOfDay = Int(localSeconds - days * 86_400)
        self.init(
            date: GregorianDate(daysSinceEpoch: Int(days)),
            hour: secondOfDay / 3600, minute: secondOfDay / 60 % 60, second: secondOfDay % 60)
    }

    /// Seconds since local 1970-01-01T00:00:00.
    public var localSeconds: Int64 {
        Int64(date.daysSinceEpoch) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    /// `YYYY-MM-DDTHH:MM:SS`.
    public var description: String {
        "\(date)T\(GregorianDate.pad(hour, 2)):\(GregorianDate.pad(minute, 2)):\(GregorianDate.pad(second, 2))"
    }

    /// Orders readings chronologically.
    public static func < (lhs: LocalDateTime, rhs: LocalDateTime) -> Bool {
        lhs.localSeconds < rhs.localSeconds
    }
}
