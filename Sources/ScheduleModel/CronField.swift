/// One field of a cron expression, named as error messages and documentation name it.
public enum CronField: String, Sendable, Hashable, CaseIterable {
    case second = "second"
    case minute = "minute"
    case hour = "hour"
    case dayOfMonth = "day-of-month"
    case month = "month"
    case dayOfWeek = "day-of-week"
    case year = "year"

    /// Smallest plain value the field accepts.
    var minimum: Int {
        switch self {
        case .second, .minute, .hour, .dayOfWeek: return 0
        case .dayOfMonth, .month: return 1
        case .year: return CronExpression.firstYear
        }
    }

    /// Largest plain value the field accepts (day-of-week: 7, another name for Sunday).
    var maximum: Int {
        switch self {
        case .second, .minute: return 59
        case .hour: return 23
        case .dayOfMonth: return 31
        case .month: return 12
        case .dayOfWeek: return 7
        case .year: return CronExpression.lastYear
        }
    }
}
