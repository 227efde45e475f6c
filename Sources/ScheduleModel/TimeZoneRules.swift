/// The UTC-offset history of one time zone, and the conversions between instants and
/// wall-clock readings in it.
///
/// Loaded from the system time-zone database (TZif files under `/usr/share/zoneinfo`),
/// reading each zone's file at most once per process; instants after the file's last
/// transition follow the file's POSIX TZ footer. Conversions never touch Foundation.
///
/// Wall clock to instant (``resolve(_:)`` / ``instant(for:)``):
/// - a reading that does not exist (a DST gap) maps to the instant the gap ends, e.g.
///   Europe/Berlin 2026-03-29 02:30 maps to 01:00Z (03:00 local);
/// - a reading that exists twice (clocks turned back) maps to the first of the two.
public struct TimeZoneRules: Sendable, Hashable, CustomStringConvertible {
    /// The name the zone was created with, e.g. `Europe/Berlin`, `UTC` or `+05:30`.
    public let identifier: String
    let table: TransitionTable
    let footer: POSIXTimeZoneRule?
    /// From this instant (seconds) on, offsets come from `footer` computed per year.
    let tableLimit: Int64

    /// The directory the zone files are read from.
    public static let databaseDirectory = "/usr/share/zoneinfo"

    /// Coordinated Universal Time.
    public static let utc = TimeZoneRules(identifier: "UTC", fixedOffsetSeconds: 0)

    /// A zone whose offset never changes, `seconds` east of UTC.
    public init(identifier: String, fixedOffsetSeconds seconds: Int) {
        self.identifier = identifier
        self.table = TransitionTable(initialOffset: Int32(clamping: seconds))
        self.footer = nil
        self.tableLimit = Int64.max
    }

    /// A zone from the contents of a TZif file (version 1-4).
    public init(identifier: String, tzif bytes: [UInt8]) throws(TimeZoneError) {
        let parsed: TZifParser.Parsed
        do {
            parsed = try TZifParser.parse(bytes)
        } catch {
            throw .malformedData(zone: identifier, reason: error.reason)
        }
        var table = parsed.table
        let footer = parsed.footer.isEmpty ? nil : POSIXTimeZoneRule(parsed.footer)
        var limit = Int64.max
        if let rule = footer {
            if rule.daylightOffset != nil {
                // Precompute the footer's transitions up to 2200 so lookups stay a binary search.
                let lastYear = table.lastInstant.map { LocalDateTime(localSeconds: $0).date.year } ?? 1970
                // A table that already reaches past 2200 needs nothing from the footer before then.
                let firstYear = max(1970, lastYear)
                for year in firstYear..<max(firstYear, TimeZoneRules.precomputedUntilYear) {
                    for (instant, offset) in rule.transitions(inYear: year) where instant > (table.lastInstant ?? Int64.min) {
                        table.append(instant: instant, offset: Int32(offset))
                    }
                }
                limit = GregorianDate(year: TimeZoneRules.precomputedUntilYear, month: 1, day: 1).secondsSinceEpoch - 86_400
            } else if let last = table.lastInstant {
                table.append(instant: last + 1, offset: Int32(rule.standardOffset))
            } else {
                // Without transitions the footer gives the offset at every instant (RFC 8536, 3.3).
                table = TransitionTable(initialOffset: Int32(rule.standardOffset))
            }
        }
        self.identifier = identifier
        self.table = table
        self.footer = footer
        self.tableLimit = limit
    }

    static let precomputedUntilYear = 2200

    /// The zone named `identifier`: an IANA name from the system database (`Europe/Berlin`),
    /// `UTC`, or a fixed offset `+HH:MM` / `-HH:MM` / `UTC+HH:MM`. Each zone's file is read
    /// once per process and then served from a thread-safe cache.
    public static func named(_ identifier: String) throws(TimeZoneError) -> TimeZoneRules {
        if identifier == "UTC" || identifier == "Etc/UTC" || identifier == "Z" {
            return TimeZoneRules(identifier: identifier, fixedOffsetSeconds: 0)
        }
        if let offset = fixedOffset(identifier) {
            return TimeZoneRules(identifier: identifier, fixedOffsetSeconds: offset)
        }
        return try TimeZoneCache.shared.rules(named: identifier)
    }

    /// `+HH:MM`, `-HH:MM`, `+HH`, optionally prefixed by `UTC` or `GMT`: seconds east of UTC.
    static func fixedOffset(_ text: String) -> Int? {
        var s = Substring(text)
        if s.hasPrefix("UTC") || s.hasPrefix("GMT") { s = s.dropFirst(3) }
        guard let signChar = s.first, signChar == "+" || signChar == "-" else { return nil }
        s = s.dropFirst()
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2, parts.allSatisfy({ !$0.isEmpty && $0.count <= 2 && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let hours = Int(parts[0]), hours <= 18
        else { return nil }
        let minutes = parts.count == 2 ? Int(parts[1]) ?? 60 : 0
        guard minutes < 60 else { return nil }
        return (signChar == "-" ? -1 : 1) * (hours * 3600 + minutes * 60)
    }

    /// Seconds east of UTC in force at `instant`.
    public func offsetSeconds(at instant: EpochMillis) -> Int {
        Int(offset(atSeconds: TimeZoneRules.floorSeconds(instant)))
    }

    /// The wall-clock reading at `instant` (milliseconds dropped).
    public func localDateTime(at instant: EpochMillis) -> LocalDateTime {
        let seconds = TimeZoneRules.floorSeconds(instant)
        return LocalDateTime(localSeconds: seconds + Int64(offset(atSeconds: seconds)))
    }

    /// How the wall-clock reading `local` maps onto instants.
    public func resolve(_ local: LocalDateTime) -> LocalTimeResolution {
        let r = resolve(localSeconds: local.localSeconds)
        switch r.kind {
        case .unique: return .unique(r.first * 1000)
        case .skipped: return .skipped(gapEnd: r.first * 1000)
        case .repeated: return .repeated(first: r.first * 1000, second: r.second * 1000)
        }
    }

    /// The instant Kairos uses for `local`: see ``LocalTimeResolution/instant``.
    public func instant(for local: LocalDateTime) -> EpochMillis {
        resolve(localSeconds: local.localSeconds).first * 1000
    }

    /// The zone's name.
    public var description: String { identifier }

    // MARK: - Seconds-based internals (hot path)

    static func floorSeconds(_ millis: Int64) -> Int64 {
        millis >= 0 ? millis / 1000 : (millis - 999) / 1000
    }

    func offset(atSeconds t: Int64) -> Int32 {
        t < tableLimit ? table.offset(at: t) : footerTable(aroundSeconds: t).offset(at: t)
    }

    /// Wall-clock seconds to (kind, first instant or gap end, second instant), in seconds.
    func resolve(localSeconds local: Int64) -> (kind: LocalTimeKind, first: Int64, second: Int64) {
        local < tableLimit ? table.resolve(local: local) : footerTable(aroundSeconds: local).resolve(local: local)
    }

    /// The first instant (seconds) strictly after `t` at which the offset changes, or nil when it never does.
    func nextTransition(afterSeconds t: Int64) -> Int64? {
        if t < tableLimit, let next = table.nextInstant(after: t) { return next }
        guard footer?.daylightOffset != nil else { return nil }
        // The footer's table for the years around a time covers the year after it, which has a change.
        return footerTable(aroundSeconds: max(t, tableLimit)).nextInstant(after: t)
    }

    /// The latest wall-clock second that resolves at or before instant `t` (seconds).
    func latestWallClock(notAfterSeconds t: Int64) -> Int64 {
        t < tableLimit ? table.latestWallClock(notAfter: t) : footerTable(aroundSeconds: t).latestWallClock(notAfter: t)
    }

    /// Far-future transitions computed from the footer for the years around `t`.
    private func footerTable(aroundSeconds t: Int64) -> TransitionTable {
        guard let rule = footer else { return table }
        let year = LocalDateTime(localSeconds: t).date.year
        let previous = rule.transitions(inYear: year - 2)
        var result = TransitionTable(initialOffset: Int32(previous.last?.1 ?? rule.standardOffset))
        for y in (year - 1)...(year + 1) {
            for (instant, offset) in rule.transitions(inYear: y) {
                result.append(instant: instant, offset: Int32(offset))
            }
        }
        return result
    }
}

extension GregorianDate {
    var secondsSinceEpoch: Int64 { Int64(daysSinceEpoch) * 86_400 }
}
