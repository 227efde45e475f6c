import KafkaClient
import KairosWire
import ScheduleModel
import Testing

@Suite struct ScheduleCommandTests {
    let policy = CommandPolicy.permissive(topics: KairosTopics(prefix: "kairos"))

    @Test func everyFieldBecomesItsHeaderAndTheDecoderReadsItBack() throws {
        var command = ScheduleCommand(id: "weekly", target: "reports.due", when: .cron("0 9 * * MON"))
        command.zone = "Europe/Paris"
        command.start = "2030-01-01T00:00:00Z"
        command.end = "2031-01-01T00:00:00Z"
        command.limit = 10
        command.window = "5m"
        command.misfire = "skip"
        command.targetKey = Array("report".utf8)
        command.targetPartition = 3
        command.passThroughHeaders = [ScheduleHeader(name: "trace", value: Array("t".utf8))]
        command.payload = [1, 2, 3]
        #expect(
            command.headers.map(\.name) == [
                "kairos-cron", "kairos-tz", "kairos-start", "kairos-end", "kairos-limit", "kairos-window",
                "kairos-misfire", "kairos-target", "kairos-target-key", "kairos-target-partition", "trace",
            ])
        let schedule = try command.validated(timestamp: 1_800_000_000_000, policy: policy).get()
        #expect(schedule.id == "weekly" && schedule.target == .kafka(topic: "reports.due"))
        #expect(schedule.targetKey == Array("report".utf8) && schedule.targetPartition == 3)
        #expect(schedule.payload == [1, 2, 3] && schedule.headers == command.passThroughHeaders)
        let spec = try #require(schedule.recurrence)
        #expect(spec.kind == .cron && spec.expression == "0 9 * * MON" && spec.zone == "Europe/Paris")
        #expect(spec.limit == 10 && spec.misfireGraceMillis != nil)
        #expect(spec.start == 1_893_456_000_000 && spec.end == 1_924_992_000_000)
        #expect(schedule.windowMillis == 300_000)
        let record = command.record(topic: "kairos.commands", timestamp: 42)
        #expect(record.key == Array("weekly".utf8) && record.value == [1, 2, 3] && record.timestamp == 42)
    }

    @Test func webhookHeadersAreWrittenInLowerCase() throws {
        var command = ScheduleCommand(id: "hook", target: "https://api.example.com/x", when: .delay("30s"))
        command.httpMethod = "PATCH"
        command.httpHeaders = [ScheduleHeader(name: "X-Tenant", value: Array("acme".utf8))]
        command.retryMax = 3
        command.retryBackoff = "2s"
        #expect(command.headers.contains { $0.name == "kairos-http-header-x-tenant" })
        let schedule = try command.validated(timestamp: 1_000, policy: policy).get()
        guard case .http(let target) = schedule.target else {
            Issue.record("not a webhook")
            return
        }
        #expect(
            target.method == "PATCH" && target.headers == [ScheduleHeader(name: "x-tenant", value: Array("acme".utf8))])
        #expect(schedule.scheduledFor == 31_000 && schedule.retryMax == 3 && schedule.retryBackoffMillis == 2_000)
    }

    @Test(arguments: [
        (ScheduleCommand.When.now, Int64(5_000)), (.at("2030-01-01T00:00:00Z"), 1_893_456_000_000),
        (.at("1893456000001"), 1_893_456_000_001), (.delay("250ms"), 5_250),
    ])
    func oneShotTimes(when: ScheduleCommand.When, fires: Int64) throws {
        let schedule = try ScheduleCommand(id: "one", target: "t", when: when).validated(
            timestamp: 5_000, policy: policy
        )
        .get()
        #expect(schedule.scheduledFor == fires && schedule.recurrence == nil)
    }

    @Test func whatTheDecoderRefusesIsRefusedWithItsReason() {
        var command = ScheduleCommand(id: "x", target: "kairos.changelog")
        guard case .failure(let own) = command.validated(timestamp: 0, policy: policy) else {
            Issue.record("an internal topic was accepted")
            return
        }
        #expect(own.reason.contains("Kairos's own topics"))
        command.target = "t"
        command.when = .every("soon")
        guard case .failure(let interval) = command.validated(timestamp: 0, policy: policy) else {
            Issue.record("a bad interval was accepted")
            return
        }
        #expect(interval.reason.contains("kairos-every"))
    }

    @Test func aCancelIsATombstone() {
        let record = ScheduleCancellation(id: "gone").record(topic: "kairos.commands", timestamp: 3)
        #expect(record.key == Array("gone".utf8) && record.value == nil && record.headers.isEmpty)
    }
}
