/// How a cron expression is read: which numbers name the days of the week, and which fields it has.
///
/// - `unix` (the default): Vixie cron, and what most cron libraries accept. Days of the week 0-7, 0 and 7 Sunday;
///   5 fields, or 6 and 7 with seconds first and a year last; when day-of-month and day-of-week are both
///   restricted, a day matches if either does.
/// - `quartz`: Quartz, EventBridge and Chronos. Days of the week 1-7 from Sunday (`6L` is the last Friday, `2-6`
///   Monday to Friday, `1#2` the second Sunday, a lone `L` Saturday); seconds first, so 6 or 7 fields. Day names
///   (`MON-FRI`) and every other field mean the same as in `unix`.
///
/// In `quartz`, what a Unix reading would take differently is refused rather than guessed: day-of-week `0`
/// (Sunday in Unix cron, no day in Quartz), a 5-field expression (minutes first in Unix cron), and both
/// day-of-month and day-of-week restricted (Quartz wants one of them `?`; Unix cron would match either).
public enum CronDialect: String, Sendable, Hashable, CaseIterable {
    case unix
    case quartz

    /// The dialect named `text` (`unix` or `quartz`, any case), or a sentence listing them.
    public init(naming text: String) throws(ScheduleValueError) {
        guard let dialect = CronDialect(rawValue: text.lowercased()) else {
            throw ScheduleValueError("'\(text)' is not a cron dialect; use unix (the default) or quartz")
        }
        self = dialect
    }

    /// A Quartz day-of-week field in Unix numbering: each day number 1-7 becomes 0-6; names, `*`, `?`, steps and
    /// `#` week numbers are kept; a lone `L` is Saturday; `N/s` and `*/s` stop at Saturday, as Quartz counts them.
    /// Also returns the Quartz item each Unix item came from, for error messages.
    static func unixDayOfWeek(quartz field: String) throws(CronParseError) -> (field: String, items: [String: String]) {
        var items: [String] = []
        var origins: [String: String] = [:]
        for item in field.split(separator: ",", omittingEmptySubsequences: false) {
            let token = String(item)
            var body = Substring(item)
            var step: Substring?
            if let slash = item.firstIndex(of: "/") {
                body = item[..<slash]
                step = item[slash...]
            }
            func day(_ text: Substring) throws(CronParseError) -> String {
                guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return String(text) }
                guard text.count <= 2, let number = Int(text), (1...7).contains(number) else {
                    throw CronParseError(
                        field: .dayOfWeek, token: token,
                        problem: "is out of range 1-7; the Quartz dialect numbers the days 1 (SUN) to 7 (SAT)")
                }
                return String(number - 1)
            }
            var unix: String
            if let hash = body.firstIndex(of: "#") {
                unix = try day(body[..<hash]) + body[hash...]
            } else if body == "L" {
                unix = "6"
            } else if body.count > 1, body.hasSuffix("L") {
                unix = try day(body.dropLast()) + "L"
            } else if let dash = body.firstIndex(of: "-"), dash != body.startIndex {
                let (from, to) = (body[..<dash], body[body.index(after: dash)...])
                // A range ending on Sunday (1) ends the week (`7-1`, as `SAT-SUN`); others do not wrap.
                if let low = Int(from), let high = Int(to), low > high, high != 1, (1...7).contains(low) {
                    let list = (low == 7 ? "7" : "\(low)-7") + "," + (high == 1 ? "1" : "1-\(high)")
                    throw CronParseError(
                        field: .dayOfWeek, token: token,
                        problem: "is a range whose start is after its end; ranges do not wrap, write \(list) instead")
                }
                unix = try day(from) + "-" + day(to)
            } else if body == "*" && step != nil {
                unix = "0-6"
            } else {
                unix = try day(body)
                // `N/s` counts from N up to Saturday (Quartz's 7), not on to Unix cron's 7 (Sunday).
                if step != nil, body != "?" { unix += "-6" }
            }
            items.append(unix + (step.map(String.init) ?? ""))
            origins[items[items.count - 1]] = token
        }
        return (items.joined(separator: ","), origins)
    }
}
