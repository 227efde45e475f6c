import ScheduleModel
import Testing

@testable import KairosWire

@Suite struct CommandDecoderTests {
    let decoder = CommandDecoder(
        policy: CommandPolicy(
            allowedTargets: ["orders.*", "audit", "*.fired"], forbiddenTopics: ["kairos.changelog"],
            maxPayloadBytes: 64))

    func record(
        key: String? = "id-1", value: [UInt8]? = [1, 2], _ headers: [(String, String)], timestamp: Int64 = 1_000_000
    ) -> CommandRecord {
        CommandRecord(
            key: key.map { Array($0.utf8) }, value: value,
            headers: headers.map { ScheduleHeader(name: $0.0, value: Array($0.1.utf8)) }, timestamp: timestamp,
            offset: 7)
    }

    @Test func delayCountsFromTheRecordTimestampAndKeepsPassThroughHeadersInOrder() throws {
        let result = decoder.decode(
            record([
                ("b", "2"), ("kairos-delay", "1m30s"), ("a", "1"), ("kairos-target", "kafka:orders.due"), ("b", "3"),
            ]))
        guard case .success(.schedule(let schedule)) = result else {
            Issue.record("expected a schedule, got \(result)")
            return
        }
        #expect(schedule.scheduledFor == 1_000_000 + 90_000)
        #expect(schedule.target == .kafka(topic: "orders.due"))
        #expect(schedule.headers.map(\.name) == ["b", "a", "b"])
        #expect(schedule.sourceOffset == 7)
        #expect(
            ScheduleCodec.encode(schedule)
                == ScheduleCodec.encode(try ScheduleCodec.decode(ScheduleCodec.encode(schedule))))
        #expect(try ScheduleCodec.decode(ScheduleCodec.encode(schedule)) == schedule)
    }

    @Test(arguments: [
        ("2026-11-22T15:00:00Z", Int64(1_795_359_600_000)),
        ("2026-11-22T17:00:00+02:00", Int64(1_795_359_600_000)),
        ("2026-11-22T15:00:00.25Z", Int64(1_795_359_600_250)),
        ("1795359600000", Int64(1_795_359_600_000)),
    ])
    func atAcceptsRFC3339AndEpochMilliseconds(text: String, expected: Int64) {
        let result = decoder.decode(record([("kairos-at", text), ("kairos-target", "audit")]))
        guard case .success(.schedule(let schedule)) = result else {
            Issue.record("rejected \(text): \(result)")
            return
        }
        #expect(schedule.scheduledFor == expected)
    }

    @Test(arguments: [
        ("250ms", Int64(250)), ("1h30m", Int64(5_400_000)), ("PT0.5S", Int64(500)), ("1d", Int64(86_400_000)),
    ])
    func delaysAreExactDurations(text: String, milliseconds: Int64) {
        let result = decoder.decode(record([("kairos-delay", text), ("kairos-target", "audit")], timestamp: 0))
        guard case .success(.schedule(let schedule)) = result else {
            Issue.record("rejected \(text): \(result)")
            return
        }
        #expect(schedule.scheduledFor == milliseconds)
    }

    // Found by scripts/fuzz (command-decoder): each of these trapped on an overflow instead of being rejected.
    @Test(arguments: [
        (Int64.max, [("kairos-delay", "5m")], "the record's timestamp"),
        (Int64.min, [("kairos-cron", "* * * * *")], "the record's timestamp"),
        (Int64.max, [("kairos-every", "1h")], "the record's timestamp"),
        (1_000_000, [("kairos-delay", "9000000000000000000ms")], "header 'kairos-delay'"),
        (1_000_000, [("kairos-cron", "* * * * *"), ("kairos-start", "-9223372036854775808")], "header 'kairos-start'"),
        (1_000_000, [("kairos-at", "9223372036854775807")], "header 'kairos-at'"),
    ])
    func instantsOutOfRangeAreRejected(timestamp: Int64, headers: [(String, String)], reason: String) {
        let result = decoder.decode(record(headers + [("kairos-target", "audit")], timestamp: timestamp))
        guard case .failure(let rejection) = result else {
            Issue.record("accepted \(headers) at \(timestamp): \(result)")
            return
        }
        #expect(rejection.reason.hasPrefix(reason))
    }

    @Test func aDelayInMonthsHasNoFixedLengthAndIsRejected() {
        guard
            case .failure(let rejection) = decoder.decode(
                record([("kairos-delay", "1mo"), ("kairos-target", "audit")]))
        else {
            Issue.record("accepted a delay of one month")
            return
        }
        #expect(rejection.reason.contains("kairos-delay"))
    }

    @Test(arguments: [
        ([("kairos-target", "orders.x")], true), ([("kairos-target", "audit")], true),
        ([("kairos-target", "billing.fired")], true), ([("kairos-target", "auditing")], false),
        ([("kairos-target", "payments")], false), ([("kairos-target", "kairos.changelog")], false),
        ([("kairos-target", "__transaction_state")], false),
    ])
    func targetsFollowTheAllowlistAndNeverReachInternalTopics(headers: [(String, String)], allowed: Bool) {
        let result = decoder.decode(record(headers))
        if case .success = result {
            #expect(allowed)
        } else {
            #expect(!allowed)
        }
    }

    @Test(arguments: [
        ("2026-13-01T00:00:00Z", "month 13"), ("2026-02-30T00:00:00Z", "day 30"), ("2026-11-22T15:00:00", "UTC offset"),
        ("yesterday", "RFC 3339"),
    ])
    func badInstantsSayWhatIsWrong(text: String, words: String) {
        guard case .failure(let rejection) = decoder.decode(record([("kairos-at", text), ("kairos-target", "audit")]))
        else {
            Issue.record("accepted \(text)")
            return
        }
        #expect(rejection.reason.contains(words), "\(rejection.reason)")
        #expect(rejection.reason.contains("kairos-at"))
    }

    @Test func tombstoneCancelsAndOversizedPayloadIsRejected() {
        #expect(decoder.decode(record(value: nil, [])) == .success(.cancel(id: "id-1")))
        guard
            case .failure(let rejection) = decoder.decode(
                record(value: [UInt8](repeating: 0, count: 65), [("kairos-target", "audit")]))
        else {
            Issue.record("oversized payload accepted")
            return
        }
        #expect(rejection.reason.contains("65 bytes"))
    }

    var httpDecoder: CommandDecoder {
        CommandDecoder(
            policy: CommandPolicy(
                httpHosts: HostPolicy(patterns: ["*.example.com", "127.0.0.1"]), defaultRetryMax: 4,
                defaultRetryBackoffMillis: 250))
    }

    @Test func httpTargetKeepsMethodHeadersInOrderAndRetryDefaults() throws {
        let result = httpDecoder.decode(
            record([
                ("kairos-target", "https://Hooks.Example.com:8443/v1/hook?x=1"), ("kairos-http-method", "put"),
                ("kairos-http-header-x-b", "2"), ("kairos-http-header-authorization", "Bearer t"), ("other", "o"),
            ]))
        guard case .success(.schedule(let schedule)) = result, case .http(let http) = schedule.target else {
            Issue.record("expected an HTTP schedule, got \(result)")
            return
        }
        #expect(http.url == "https://Hooks.Example.com:8443/v1/hook?x=1")
        #expect(http.host == "hooks.example.com")
        #expect(http.method == "PUT")
        #expect(http.headers.map(\.name) == ["x-b", "authorization"])
        #expect(http.headers.map { String(decoding: $0.value ?? [], as: UTF8.self) } == ["2", "Bearer t"])
        #expect(schedule.retryMax == 4)
        #expect(schedule.retryBackoffMillis == 250)
        #expect(try ScheduleCodec.decode(ScheduleCodec.encode(schedule)) == schedule)
    }

    @Test func retryHeadersOverrideTheDefaults() throws {
        let result = httpDecoder.decode(
            record([
                ("kairos-target", "http://a.example.com:9/x"), ("kairos-retry-max", "9"),
                ("kairos-retry-backoff", "2s"),
            ]))
        guard case .success(.schedule(let schedule)) = result else {
            Issue.record("expected a schedule, got \(result)")
            return
        }
        #expect(schedule.retryMax == 9)
        #expect(schedule.retryBackoffMillis == 2_000)
    }

    @Test(arguments: [
        ("https://hooks.other.com/x", "KAIROS_ALLOWED_HTTP_HOSTS"),
        ("http://10.0.0.1/x", "KAIROS_ALLOWED_HTTP_HOSTS"),
        ("http://user:pw@a.example.com/x", "credentials"),
        ("https://a.example.com/x#frag", "fragment"),
        ("https://a.example.com:99999/x", "port"),
        ("ftp://a.example.com/x", "not a valid topic name"),
    ])
    func refusedURLsSayWhy(url: String, expected: String) {
        guard case .failure(let rejection) = httpDecoder.decode(record([("kairos-target", url)])) else {
            Issue.record("accepted \(url)")
            return
        }
        #expect(rejection.reason.contains(expected), "\(rejection.reason)")
    }

    @Test func privateAddressesAreRefusedEvenWhenListed() {
        let decoder = CommandDecoder(policy: CommandPolicy(httpHosts: HostPolicy(patterns: ["*"])))
        guard case .failure(let rejection) = decoder.decode(record([("kairos-target", "http://192.168.1.4/x")])) else {
            Issue.record("accepted a private address")
            return
        }
        #expect(rejection.reason.contains("KAIROS_HTTP_ALLOW_PRIVATE"), "\(rejection.reason)")
        let open = CommandDecoder(policy: CommandPolicy(httpHosts: HostPolicy(patterns: ["*"], allowPrivate: true)))
        guard case .success = open.decode(record([("kairos-target", "http://192.168.1.4/x")])) else {
            Issue.record("refused a private address with allowPrivate")
            return
        }
    }

    @Test(arguments: [
        ([("kairos-http-method", "CONNECT")], "kairos-http-method"),
        ([("kairos-http-header-host", "evil")], "sets 'host' itself"),
        ([("kairos-http-header-idempotency-key", "k")], "sets 'idempotency-key' itself"),
        ([("kairos-http-header-x", "a\r\nb: c")], "line break"),
        ([("kairos-http-header-bad name", "v")], "not a valid HTTP header name"),
        ([("kairos-target-partition", "1")], "Kafka targets only"),
        ([("kairos-retry-max", "0")], "kairos-retry-max"),
        ([("kairos-retry-backoff", "1mo")], "kairos-retry-backoff"),
    ])
    func badHTTPHeadersAreRejected(headers: [(String, String)], expected: String) {
        let result = httpDecoder.decode(record([("kairos-target", "https://a.example.com/x")] + headers))
        guard case .failure(let rejection) = result else {
            Issue.record("accepted \(headers)")
            return
        }
        #expect(rejection.reason.contains(expected), "\(rejection.reason)")
    }

    @Test func httpHeadersOnAKafkaTargetAreRejected() {
        let result = decoder.decode(record([("kairos-target", "orders.x"), ("kairos-http-method", "PUT")]))
        guard case .failure(let rejection) = result else {
            Issue.record("accepted kairos-http-method on a Kafka target")
            return
        }
        #expect(rejection.reason.contains("HTTP targets only"), "\(rejection.reason)")
    }

    /// The record timestamp is the creation instant: an occurrence exactly then is not after it, so the schedule
    /// starts at the next one; `kairos-start` is inclusive, so an occurrence exactly at it is the first.
    @Test func cronCreatedExactlyOnAnOccurrenceStartsAtTheNextOneUnlessItIsTheStart() throws {
        let onTheHour = try TimestampFormat.parse("2026-01-01T10:00:00Z")
        let created = decoder.decode(record([("kairos-cron", "0 * * * *"), ("kairos-target", "audit")], timestamp: onTheHour))
        guard case .success(.schedule(let schedule)) = created else {
            Issue.record("rejected: \(created)")
            return
        }
        #expect(schedule.scheduledFor == (try TimestampFormat.parse("2026-01-01T11:00:00Z")))
        #expect(schedule.occurrence == 1)
        let started = decoder.decode(
            record(
                [("kairos-cron", "0 * * * *"), ("kairos-start", "2026-01-01T10:00:00Z"), ("kairos-target", "audit")],
                timestamp: onTheHour))
        guard case .success(.schedule(let fromStart)) = started else {
            Issue.record("rejected: \(started)")
            return
        }
        #expect(fromStart.scheduledFor == onTheHour)
        #expect(fromStart.occurrence == 1)
    }

    @Test func aQuartzCronNumbersTheDaysFromSundayAndIsStoredSo() throws {
        let created = decoder.decode(
            record(
                [("kairos-cron", "0 15 10 ? * 6L"), ("kairos-cron-dialect", "quartz"), ("kairos-target", "audit")],
                timestamp: try TimestampFormat.parse("2026-01-01T00:00:00Z")))
        guard case .success(.schedule(let schedule)) = created else {
            Issue.record("rejected: \(created)")
            return
        }
        // The last Friday; in the Unix dialect 6L is the last Saturday, the 31st.
        #expect(schedule.scheduledFor == (try TimestampFormat.parse("2026-01-30T10:15:00Z")))
        #expect(schedule.recurrence?.kind == .quartzCron)
        let restored = try ScheduleCodec.decode(ScheduleCodec.encode(schedule))
        #expect(restored == schedule)
        #expect(try restored.recurrence?.recurrence().firstOccurrence()?.instant == schedule.scheduledFor)
    }

    @Test(arguments: [
        ([("kairos-cron", "0 0 12 ? * 6"), ("kairos-cron-dialect", "spring")],
         "header 'kairos-cron-dialect': 'spring' is not a cron dialect; use unix (the default) or quartz"),
        ([("kairos-every", "1h"), ("kairos-cron-dialect", "quartz")],
         "header 'kairos-cron-dialect': 'quartz' applies to kairos-cron schedules only; this command has 'kairos-every'"),
        ([("kairos-cron-dialect", "unix")],
         "header 'kairos-cron-dialect': 'unix' applies to kairos-cron schedules only; this command has no kairos-cron"),
        ([("kairos-cron", "0 0 12 ? * 0"), ("kairos-cron-dialect", "quartz")],
         "header 'kairos-cron': cron field day-of-week: '0' is out of range 1-7; the Quartz dialect numbers the days 1 (SUN) to 7 (SAT)"),
    ])
    func aCronDialectIsCheckedAndAppliesToCronOnly(headers: [(String, String)], reason: String) {
        guard case .failure(let rejection) = decoder.decode(record(headers + [("kairos-target", "audit")])) else {
            Issue.record("accepted \(headers)")
            return
        }
        #expect(rejection.reason == reason)
    }

    @Test func exclusionsAreKeptWithTheScheduleAndStoredInTheNewestVersionOnlyWhenUsed() throws {
        let created = decoder.decode(
            record(
                [
                    ("kairos-every", "1d"), ("kairos-start", "2026-12-24T09:00:00Z"),
                    ("kairos-exclude", "2026-12-24,--01-01"), ("kairos-exclude-cron", "* * * * SAT,SUN"),
                    ("kairos-target", "audit"),
                ]))
        guard case .success(.schedule(let schedule)) = created else {
            Issue.record("rejected: \(created)")
            return
        }
        // The 24th is excluded: occurrence 2, the 25th (a Friday), comes first.
        #expect(schedule.occurrence == 2)
        #expect(schedule.recurrence?.excludedDates == "2026-12-24,--01-01")
        let bytes = ScheduleCodec.encode(schedule)
        #expect(bytes.first == 5)
        #expect(try ScheduleCodec.decode(bytes) == schedule)
        var plain = schedule
        plain.recurrence?.excludedDates = nil
        plain.recurrence?.excludedCron = nil
        #expect(ScheduleCodec.encode(plain).first == 3, "a schedule without exclusions stays readable by older versions")
    }

    @Test(arguments: [
        ([("kairos-every", "1d"), ("kairos-exclude", "2026-02-30")],
         "header 'kairos-exclude': '2026-02-30' is not a date YYYY-MM-DD, a range YYYY-MM-DD..YYYY-MM-DD or a yearly date --MM-DD."),
        ([("kairos-every", "1d"), ("kairos-exclude-cron", "0 25 * * *")],
         "header 'kairos-exclude-cron': cron field hour: '25' is out of range 0-23"),
        ([("kairos-delay", "1m"), ("kairos-exclude", "2026-12-25")],
         "header 'kairos-exclude' applies to kairos-cron and kairos-every schedules only"),
    ])
    func badExclusionsAreRefusedNamingTheirHeader(headers: [(String, String)], reason: String) {
        guard case .failure(let rejection) = decoder.decode(record(headers + [("kairos-target", "audit")])) else {
            Issue.record("accepted \(headers)")
            return
        }
        #expect(rejection.reason == reason)
    }

    @Test func cronInAZoneStartsAtItsFirstOccurrenceAfterTheRecordTimestamp() throws {
        // 2026-03-27T00:00:00Z is a Friday; 09:00 Paris is 08:00Z before the DST change on the 29th.
        let timestamp = try TimestampFormat.parse("2026-03-27T00:00:00Z")
        let result = decoder.decode(
            record(
                [("kairos-cron", "0 9 * * MON-FRI"), ("kairos-tz", "Europe/Paris"), ("kairos-target", "audit")],
                timestamp: timestamp))
        guard case .success(.schedule(let schedule)) = result else {
            Issue.record("rejected: \(result)")
            return
        }
        #expect(schedule.scheduledFor == (try TimestampFormat.parse("2026-03-27T08:00:00Z")))
        #expect(schedule.occurrence == 1)
        #expect(schedule.fireAt == schedule.scheduledFor)
        #expect(schedule.recurrence?.zone == "Europe/Paris")
        #expect(try ScheduleCodec.decode(ScheduleCodec.encode(schedule)) == schedule)
    }

    @Test func everyWithStartLimitSkipAndWindowIsKeptWhole() throws {
        let result = decoder.decode(
            record([
                ("kairos-every", "15m"), ("kairos-start", "2026-12-01T00:00:00Z"), ("kairos-limit", "4"),
                ("kairos-misfire", "skip"), ("kairos-window", "30s"), ("kairos-target", "audit"),
            ]))
        guard case .success(.schedule(let schedule)) = result, let spec = schedule.recurrence else {
            Issue.record("rejected: \(result)")
            return
        }
        #expect(schedule.scheduledFor == (try TimestampFormat.parse("2026-12-01T00:00:00Z")))
        #expect(spec.limit == 4 && spec.misfireGraceMillis == 60_000)
        #expect(schedule.windowMillis == 30_000)
        #expect(schedule.fireAt >= schedule.scheduledFor && schedule.fireAt < schedule.scheduledFor + 30_000)
        #expect(try ScheduleCodec.decode(ScheduleCodec.encode(schedule)) == schedule)
    }

    @Test(arguments: [
        ([("kairos-cron", "0 0 30 2 *")], "kairos-cron"),
        ([("kairos-cron", "0 61 * * *")], "hour"),
        ([("kairos-cron", "* * * * *"), ("kairos-tz", "Mars/Olympus")], "kairos-tz"),
        ([("kairos-every", "1h"), ("kairos-limit", "0")], "kairos-limit"),
        ([("kairos-every", "1h"), ("kairos-misfire", "later")], "kairos-misfire"),
        (
            [("kairos-every", "1h"), ("kairos-start", "2026-12-02T00:00:00Z"), ("kairos-end", "2026-12-01T00:00:00Z")],
            "before the start"
        ),
        ([("kairos-delay", "1s"), ("kairos-tz", "Europe/Paris")], "kairos-tz"),
        ([("kairos-at", "1700000000000"), ("kairos-limit", "3")], "kairos-limit"),
        ([("kairos-cron", "* * * * *"), ("kairos-window", "soon")], "kairos-window"),
    ])
    func recurringMistakesNameTheirHeader(headers: [(String, String)], words: String) {
        guard case .failure(let rejection) = decoder.decode(record(headers + [("kairos-target", "audit")])) else {
            Issue.record("accepted \(headers)")
            return
        }
        #expect(rejection.reason.contains(words), "\(rejection.reason)")
    }
}
