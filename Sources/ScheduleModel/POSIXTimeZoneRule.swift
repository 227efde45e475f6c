/// The POSIX TZ string from a TZif footer (e.g. `CET-1CEST,M3.5.0,M10.5.0/3`), which gives
/// the rule for instants after the last transition listed in the file.
struct POSIXTimeZoneRule: Sendable, Hashable {
    /// Date of a transition inside a year.
    enum TransitionDate: Sendable, Hashable {
        /// `Jn`: day 1-365, February 29 never counted.
        case julianNoLeap(Int)
        /// `n`: zero-based day 0-365, February 29 counted.
        case zeroBasedDay(Int)
        /// `Mm.w.d`: weekday d (0 = Sunday) of week w (1-4, 5 = last) of month m.
        case monthWeekDay(month: Int, week: Int, weekday: Int)

        func date(inYear year: Int) -> GregorianDate {
            switch self {
            case .julianNoLeap(let n):
                let jan1 = GregorianDate(year: year, month: 1, day: 1).daysSinceEpoch
                let leapShift = GregorianDate.isLeapYear(year) && n >= 60 ? 1 : 0
                return GregorianDate(daysSinceEpoch: jan1 + n - 1 + leapShift)
            case .zeroBasedDay(let n):
                return GregorianDate(daysSinceEpoch: GregorianDate(year: year, month: 1, day: 1).daysSinceEpoch + n)
            case .monthWeekDay(let month, let week, let weekday):
                let first = GregorianDate(year: year, month: month, day: 1)
                let firstWeekday = first.weekday
                var day = 1 + (weekday - firstWeekday + 7) % 7 + (week - 1) * 7
                let length = GregorianDate.daysInMonth(year: year, month: month)
                while day > length { day -= 7 }
                return GregorianDate(year: year, month: month, day: day)
            }
        }
    }

    /// UTC offset (seconds east) of standard time.
    let standardOffset: Int
    /// UTC offset of daylight time; nil when the zone has no daylight time.
    let daylightOffset: Int?
    let start: TransitionDate
    /// Seconds after local midnight (standard time) at which daylight time starts.
    let startTime: Int
    let end: TransitionDate
    /// Seconds after local midnight (daylight time) at which daylight time ends.
    let endTime: Int

    /// The two transitions of `year` as (instant in seconds, offset after), in time order;
    /// empty without daylight time.
    func transitions(inYear year: Int) -> [(Int64, Int)] {
        guard let dst = daylightOffset else { return [] }
        let startLocal = Int64(start.date(inYear: year).daysSinceEpoch) * 86_400 + Int64(startTime)
        let endLocal = Int64(end.date(inYear: year).daysSinceEpoch) * 86_400 + Int64(endTime)
        let startUTC = startLocal - Int64(standardOffset)
        let endUTC = endLocal - Int64(dst)
        return startUTC <= endUTC ? [(startUTC, dst), (endUTC, standardOffset)] : [(endUTC, standardOffset), (startUTC, dst)]
    }

    /// Parses a footer; nil when it is empty or not understood.
    init?(_ text: String) {
        var s = Substring(text)
        func name() -> Bool {
            if s.first == "<" {
                guard let close = s.firstIndex(of: ">") else { return false }
                s = s[s.index(after: close)...]
                return true
            }
            let letters = s.prefix(while: { $0.isLetter })
            guard letters.count >= 3 else { return false }
            s = s.dropFirst(letters.count)
            return true
        }
        // [+-]hh[:mm[:ss]] -> seconds, sign as written. Hours go up to 167 (RFC 8536, 3.3.1, allows that much for
        // transition times; offsets are smaller), minutes and seconds up to 59.
        func time() -> Int? {
            var sign = 1
            if s.first == "+" { s = s.dropFirst() } else if s.first == "-" { sign = -1; s = s.dropFirst() }
            var parts: [Int] = []
            while parts.count < 3 {
                let digits = s.prefix(while: { $0.isASCII && $0.isNumber })
                guard !digits.isEmpty, digits.count <= 3, let value = Int(digits), value <= (parts.isEmpty ? 167 : 59)
                else { return nil }
                parts.append(value)
                s = s.dropFirst(digits.count)
                guard s.first == ":" else { break }
                s = s.dropFirst()
            }
            let seconds = parts[0] * 3600 + (parts.count > 1 ? parts[1] * 60 : 0) + (parts.count > 2 ? parts[2] : 0)
            return sign * seconds
        }
        func number() -> Int? {
            let digits = s.prefix(while: { $0.isASCII && $0.isNumber })
            s = s.dropFirst(digits.count)
            return Int(digits)
        }
        func date() -> TransitionDate? {
            if s.first == "J" {
                s = s.dropFirst()
                guard let n = number(), (1...365).contains(n) else { return nil }
                return .julianNoLeap(n)
            }
            if s.first == "M" {
                s = s.dropFirst()
                guard let m = number(), s.first == "." else { return nil }
                s = s.dropFirst()
                guard let w = number(), s.first == "." else { return nil }
                s = s.dropFirst()
                guard let d = number(), (1...12).contains(m), (1...5).contains(w), (0...6).contains(d) else { return nil }
                return .monthWeekDay(month: m, week: w, weekday: d)
            }
            guard let n = number(), (0...365).contains(n) else { return nil }
            return .zeroBasedDay(n)
        }
        guard name(), let std = time() else { return nil }
        standardOffset = -std
        if s.isEmpty {
            daylightOffset = nil
            start = .zeroBasedDay(0)
            end = .zeroBasedDay(0)
            startTime = 0
            endTime = 0
            return
        }
        guard name() else { return nil }
        if s.first != "," && !s.isEmpty {
            guard let dst = time() else { return nil }
            daylightOffset = -dst
        } else {
            daylightOffset = -std + 3600
        }
        guard s.first == "," else { return nil }  // a rule-less DST zone cannot be evaluated
        s = s.dropFirst()
        guard let startDate = date() else { return nil }
        var startAt = 7200
        if s.first == "/" {
            s = s.dropFirst()
            guard let t = time() else { return nil }
            startAt = t
        }
        guard s.first == "," else { return nil }
        s = s.dropFirst()
        guard let endDate = date() else { return nil }
        var endAt = 7200
        if s.first == "/" {
            s = s.dropFirst()
            guard let t = time() else { return nil }
            endAt = t
        }
        guard s.isEmpty else { return nil }
        start = startDate
        end = endDate
        startTime = startAt
        endTime = endAt
    }
}
