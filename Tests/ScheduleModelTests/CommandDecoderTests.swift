import ScheduleModel
import Testing

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
            record([("b", "2"), ("kairos-delay", "1m30s"), ("a", "1"), ("kairos-target", "kafka:orders.due"), ("b", "3")]))
        guard case .success(.schedule(let schedule)) = result else {
            Issue.record("expected a schedule, got \(result)")
            return
        }
        #expect(schedule.scheduledFor == 1_000_000 + 90_000)
        #expect(schedule.target == .kafka(topic: "orders.due"))
        #expect(schedule.headers.map(\.name) == ["b", "a", "b"])
        #expect(schedule.sourceOffset == 7)
        #expect(ScheduleCodec.encode(schedule) == ScheduleCodec.encode(try ScheduleCodec.decode(ScheduleCodec.encode(schedule))))
        #expect(try ScheduleCodec.decode(ScheduleCodec.encode(schedule)) == schedule)
    }

    @Test(arguments: [
        ("2026-11-22T15:00:00Z", Int64(1_795_359_600_000)),
        ("2026-11-22T17:00:00+02:00", Int64(1_795_359_600_000)),
        ("2026-11-22T15:00:00.25Z", Int64(1_795_359_600_250)),
        ("2024-02-29T00:00:00Z", Int64(1_709_164_800_000)),
        ("1795359600000", Int64(1_795_359_600_000)),
    ])
    func atAcceptsRFC3339AndEpochMilliseconds(text: String, expected: Int64) throws {
        #expect(try TimeText.instant(text).get() == expected)
    }

    @Test(arguments: ["250ms", "30s", "5m", "2h", "1d", "PT5M", "P1DT2H", "PT0.5S"])
    func durationsParse(text: String) {
        #expect((try? TimeText.duration(text).get()) != nil)
    }

    @Test func durationValues() throws {
        #expect(try TimeText.duration("1h30m").get() == 5_400_000)
        #expect(try TimeText.duration("PT0.5S").get() == 500)
        #expect(try TimeText.duration("P1DT2H").get() == 93_600_000)
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
        ("2026-13-01T00:00:00Z", "out of range"), ("2026-11-22 15:00", "THH:MM:SS"), ("2026-11-22T15:00:00", "zone"),
        ("yesterday", "RFC 3339"),
    ])
    func badInstantsSayWhatIsWrong(text: String, words: String) {
        guard case .failure(let rejection) = decoder.decode(record([("kairos-at", text), ("kairos-target", "audit")])) else {
            Issue.record("accepted \(text)")
            return
        }
        #expect(rejection.reason.contains(words), "\(rejection.reason)")
        #expect(rejection.reason.contains("kairos-at"))
    }

    @Test func tombstoneCancelsAndOversizedPayloadIsRejected() {
        #expect(decoder.decode(record(value: nil, [])) == .success(.cancel(id: "id-1")))
        guard case .failure(let rejection) = decoder.decode(record(value: [UInt8](repeating: 0, count: 65), [("kairos-target", "audit")]))
        else {
            Issue.record("oversized payload accepted")
            return
        }
        #expect(rejection.reason.contains("65 bytes"))
    }

    @Test func recurringAndHTTPAreRejectedAsNotServedYet() {
        for headers in [[("kairos-cron", "* * * * *"), ("kairos-target", "audit")],
                        [("kairos-every", "1h"), ("kairos-target", "audit")],
                        [("kairos-target", "https://hooks.example.com/x")]] {
            guard case .failure(let rejection) = decoder.decode(record(headers)) else {
                Issue.record("accepted \(headers)")
                continue
            }
            #expect(rejection.reason.contains("not served"), "\(rejection.reason)")
        }
    }
}
