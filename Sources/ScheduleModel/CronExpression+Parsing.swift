// The parsing half of `CronExpression`: fields, items, names, and the checks that refuse what can never fire.

extension CronExpression {
    /// Rejects a day-of-month that can never occur in any allowed month.
    func checkDaysCanOccur(domField: String) throws(CronParseError) {
        // With OR semantics the weekday part always matches somewhere; with a wildcard
        // day-of-month the weekday part decides and every weekday occurs in every month.
        guard daysCombineWithAnd, !(domField.hasPrefix("*") || domField == "?") else { return }
        for month in 1...12 where months & (1 << UInt16(month)) != 0 {
            let longest = month == 2 ? 29 : GregorianDate.daysInMonth(year: 2001, month: month)
            let inMonth = UInt32((UInt64(1) << UInt64(longest + 1)) - 2)
            let beforeLast = UInt32((UInt64(1) << UInt64(longest)) - 1)
            if daysOfMonth & inMonth != 0 || lastWeekdayOfMonth || nearestWeekdayDays & inMonth != 0
                || lastDayOffsets & beforeLast != 0 || nearestWeekdayBeforeLast & beforeLast != 0
            {
                return
            }
        }
        throw CronParseError(
            field: .dayOfMonth, token: domField,
            problem: "never occurs in the months allowed by the month field, so the expression can never fire")
    }

    private static let monthNames = [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ]
    private static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    /// A single value: a number or (month, day-of-week) a name.
    static func value(_ token: Substring, _ field: CronField, item: String) throws(CronParseError) -> Int {
        if field == .month, let index = monthNames.firstIndex(of: String(token)) { return index + 1 }
        if field == .dayOfWeek, let index = dayNames.firstIndex(of: String(token)) { return index }
        guard !token.isEmpty, token.allSatisfy({ $0.isASCII && $0.isNumber }), token.count <= 6, let number = Int(token)
        else {
            let names =
                field == .month ? " or a month name JAN-DEC" : field == .dayOfWeek ? " or a day name SUN-SAT" : ""
            throw CronParseError(field: field, token: item, problem: "is not a number\(names)")
        }
        guard number >= field.minimum, number <= field.maximum else {
            throw CronParseError(
                field: field, token: item, problem: "is out of range \(field.minimum)-\(field.maximum)")
        }
        return number
    }

    /// The plain values of a comma list (`*`, `N`, `A-B`, steps); special tokens are refused.
    static func parseValues(_ text: String, _ field: CronField) throws(CronParseError) -> [Int] {
        var result: [Int] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            result += try parseItem(item, field)
        }
        return result
    }

    static func parseItem(_ item: Substring, _ field: CronField) throws(CronParseError) -> [Int] {
        let token = String(item)
        guard !item.isEmpty else {
            throw CronParseError(field: field, token: token, problem: "is empty (check for a stray comma)")
        }
        var body = item
        var step = 1
        if let slash = item.firstIndex(of: "/") {
            body = item[..<slash]
            let stepText = item[item.index(after: slash)...]
            guard !stepText.isEmpty, stepText.count <= 6, stepText.allSatisfy({ $0.isASCII && $0.isNumber }),
                let s = Int(stepText)
            else {
                throw CronParseError(
                    field: field, token: token, problem: "has step '\(stepText)', which is not a number")
            }
            guard s >= 1 else {
                throw CronParseError(field: field, token: token, problem: "has step 0; steps start at 1")
            }
            step = s
        }
        let low: Int
        let high: Int
        if body == "*" || (body == "?" && (field == .dayOfMonth || field == .dayOfWeek)) {
            guard body == "*" || step == 1 else {
                throw CronParseError(field: field, token: token, problem: "puts a step on '?'")
            }
            low = field.minimum
            high = field == .dayOfWeek ? 6 : field.maximum
            if field == .dayOfWeek && step > 1 {
                return Array(stride(from: 0, through: 7, by: step)).map { $0 % 7 }
            }
        } else if body == "?" {
            throw CronParseError(
                field: field, token: token, problem: "uses '?', which only day-of-month and day-of-week accept")
        } else if let dash = body.firstIndex(of: "-"), dash != body.startIndex {
            low = try value(body[..<dash], field, item: token)
            let end = try value(body[body.index(after: dash)...], field, item: token)
            // Sunday is 0 and 7: a range ending on it (`MON-SUN`, `5-0`) ends on 7.
            high = field == .dayOfWeek && end == 0 && low > 0 ? 7 : end
            guard low <= high else {
                let problem = "is a range whose start is after its end"
                guard field != .year else { throw CronParseError(field: field, token: token, problem: problem) }
                let list = wrappedRangeReplacement(
                    low: low, high: high, step: step, field, names: body.contains(where: \.isLetter))
                throw CronParseError(
                    field: field, token: token, problem: "\(problem); ranges do not wrap, write \(list) instead")
            }
        } else {
            low = try value(body, field, item: token)
            high = item.contains("/") ? field.maximum : low
        }
        return stride(from: low, through: high, by: step).map { field == .dayOfWeek ? $0 % 7 : $0 }
    }

    /// The list that a range running past the field's end and around to its start (`FRI-MON`, `NOV-MAR`, `22-2`)
    /// would mean in cron dialects that accept one: `FRI-SAT,SUN-MON`, `NOV-DEC,JAN-MAR`, `22-23,0-2`; with a step,
    /// the values it counts (`22-3/2`: `22,0,2`). Names when the range was written with names.
    static func wrappedRangeReplacement(low: Int, high: Int, step: Int, _ field: CronField, names: Bool) -> String {
        let top = field == .dayOfWeek ? 6 : field.maximum
        func text(_ value: Int) -> String {
            guard names else { return String(value) }
            return field == .month ? monthNames[value - 1] : field == .dayOfWeek ? dayNames[value] : String(value)
        }
        guard step == 1 else {
            let span = top - field.minimum + 1
            return stride(from: low, through: high + span, by: step)
                .map { text($0 > top ? $0 - span : $0) }.joined(separator: ",")
        }
        func run(_ from: Int, _ to: Int) -> String { from == to ? text(from) : "\(text(from))-\(text(to))" }
        // Day-of-week 7 is Sunday, the week's start: `7-2` is `0-2`.
        if field == .dayOfWeek && low == 7 { return run(0, high) }
        return run(low, top) + "," + run(field.minimum, high)
    }

    static func parsePlain(_ text: String, _ field: CronField) throws(CronParseError) -> UInt64 {
        var bits: UInt64 = 0
        for value in try parseValues(text, field) { bits |= 1 << UInt64(value) }
        return bits
    }

    static func parseDayOfMonth(_ text: String) throws(CronParseError) -> (
        plain: UInt32, lastOffsets: UInt32, nearestWeekdays: UInt32, nearestWeekdaysBeforeLast: UInt32,
        lastWeekday: Bool
    ) {
        var plain: UInt32 = 0
        var lastOffsets: UInt32 = 0
        var nearest: UInt32 = 0
        var nearestBeforeLast: UInt32 = 0
        var lastWeekday = false
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let token = String(item)
            if item == "L" {
                lastOffsets |= 1
            } else if item == "LW" || item == "WL" {
                lastWeekday = true
            } else if item.hasPrefix("L-") {
                let weekday = item.hasSuffix("W")
                let n = item.dropFirst(2).dropLast(weekday ? 1 : 0)
                guard !n.isEmpty, n.count <= 2, n.allSatisfy({ $0.isASCII && $0.isNumber }), let offset = Int(n),
                    offset <= 30
                else {
                    throw CronParseError(
                        field: .dayOfMonth, token: token, problem: "is not 'L-N' or 'L-NW' with N from 0 to 30")
                }
                if weekday {
                    nearestBeforeLast |= 1 << UInt32(offset)
                } else {
                    lastOffsets |= 1 << UInt32(offset)
                }
            } else if item.hasSuffix("W") {
                let day = try value(item.dropLast(), .dayOfMonth, item: token)
                nearest |= 1 << UInt32(day)
            } else if item.contains("L") || item.contains("W") || item.contains("#") {
                throw CronParseError(
                    field: .dayOfMonth, token: token,
                    problem: "is not valid; day-of-month accepts L, L-N, L-NW, NW and LW as special values")
            } else {
                for day in try parseItem(item, .dayOfMonth) { plain |= 1 << UInt32(day) }
            }
        }
        return (plain, lastOffsets, nearest, nearestBeforeLast, lastWeekday)
    }

    static func parseDayOfWeek(_ text: String) throws(CronParseError) -> (plain: UInt8, last: UInt8, nth: UInt64) {
        var plain: UInt8 = 0
        var last: UInt8 = 0
        var nth: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let token = String(item)
            if let hash = item.firstIndex(of: "#") {
                let weekday = try value(item[..<hash], .dayOfWeek, item: token) % 7
                let k = item[item.index(after: hash)...]
                guard k.count == 1, let n = Int(k), (1...5).contains(n) else {
                    throw CronParseError(
                        field: .dayOfWeek, token: token, problem: "has '#\(k)'; the week number after '#' must be 1-5")
                }
                nth |= 1 << UInt64((n - 1) * 7 + weekday)
            } else if item.count > 1, item.hasSuffix("L") {
                let weekday = try value(item.dropLast(), .dayOfWeek, item: token) % 7
                last |= 1 << UInt8(weekday)
            } else if item.contains("L") || item.contains("W") && !dayNames.contains(where: { item.contains($0) }) {
                throw CronParseError(
                    field: .dayOfWeek, token: token,
                    problem: "is not valid; day-of-week accepts NL (last weekday N) and N#K as special values")
            } else {
                for weekday in try parseItem(item, .dayOfWeek) { plain |= 1 << UInt8(weekday) }
            }
        }
        return (plain, last, nth)
    }
}
