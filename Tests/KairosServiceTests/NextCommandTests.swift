import KairosService
import KairosWire
import ScheduleModel
import Testing

@Suite struct NextCommandTests {
    @Test func printsTheNextInstantsInUTCAcrossADSTChange() throws {
        let lines = try NextCommand.lines(
            arguments: ["--cron", "0 9 * * MON-FRI", "--tz", "Europe/Paris", "--after", "2026-03-27T00:00:00Z", "--count", "3"],
            now: 0
        ).get()
        #expect(lines == ["2026-03-27T08:00:00.000Z", "2026-03-30T07:00:00.000Z", "2026-03-31T07:00:00.000Z"])
    }

    @Test func cronStartsStrictlyAfterTheAfterInstant() throws {
        let onAMinute = try NextCommand.lines(
            arguments: ["--cron", "* * * * *", "--after", "2020-01-01T00:00:00Z", "--count", "2"], now: 0
        ).get()
        #expect(onAMinute == ["2020-01-01T00:01:00.000Z", "2020-01-01T00:02:00.000Z"])
        let withSeconds = try NextCommand.lines(
            arguments: ["--cron", "*/30 * * * * *", "--after", "2020-01-01T00:00:30Z", "--count", "1"], now: 0
        ).get()
        #expect(withSeconds == ["2020-01-01T00:01:00.000Z"])
    }

    @Test func weekdayRangeEndingOnSundayIsAccepted() throws {
        // 2026-01-03 is a Saturday.
        let lines = try NextCommand.lines(
            arguments: ["--cron", "0 9 * * SAT-SUN", "--after", "2026-01-01T00:00:00Z", "--count", "3"], now: 0
        ).get()
        #expect(lines == ["2026-01-03T09:00:00.000Z", "2026-01-04T09:00:00.000Z", "2026-01-10T09:00:00.000Z"])
    }

    @Test func theQuartzDialectNumbersTheDaysFromSunday() throws {
        let arguments = ["--cron", "0 15 10 ? * 6L", "--after", "2026-01-01T00:00:00Z", "--count", "2"]
        let quartz = try NextCommand.lines(arguments: arguments + ["--dialect", "quartz"], now: 0).get()
        #expect(quartz == ["2026-01-30T10:15:00.000Z", "2026-02-27T10:15:00.000Z"])  // last Fridays
        let unix = try NextCommand.lines(arguments: arguments, now: 0).get()
        #expect(unix == ["2026-01-31T10:15:00.000Z", "2026-02-28T10:15:00.000Z"])  // last Saturdays
        guard case .failure(let error) = NextCommand.lines(arguments: arguments + ["--dialect", "cronie"], now: 0) else {
            Issue.record("an unknown dialect was accepted")
            return
        }
        #expect("\(error)".contains("'cronie' is not a cron dialect; use unix (the default) or quartz"), "\(error)")
    }

    @Test func exclusionsAreLeftOut() throws {
        // 2026-12-24 is a Thursday; the 25th is excluded, then the weekend.
        let lines = try NextCommand.lines(
            arguments: [
                "--cron", "0 9 * * *", "--exclude", "2026-12-25", "--exclude-cron", "* * * * SAT,SUN", "--after",
                "2026-12-24T00:00:00Z", "--count", "3",
            ], now: 0
        ).get()
        #expect(lines == ["2026-12-24T09:00:00.000Z", "2026-12-28T09:00:00.000Z", "2026-12-29T09:00:00.000Z"])
    }

    @Test func monthlyStepsClampToTheMonthEndWithoutDrifting() throws {
        let lines = try NextCommand.lines(
            arguments: ["--every", "1mo", "--after", "2026-01-31T10:00:00Z", "--count", "3"], now: 0
        ).get()
        #expect(lines == ["2026-02-28T10:00:00.000Z", "2026-03-31T10:00:00.000Z", "2026-04-30T10:00:00.000Z"])
    }

    @Test(arguments: [["--cron", "0 0 30 2 *"], ["--cron", "* * * * *", "--tz", "Nowhere/City"], ["--every", "soon"]])
    func refusesWhatTheSchedulerRefusesWithTheSameMessage(arguments: [String]) {
        guard case .failure(let error) = NextCommand.lines(arguments: arguments, now: 1_800_000_000_000) else {
            Issue.record("accepted \(arguments)")
            return
        }
        var headers = [ScheduleHeader(name: arguments[0] == "--cron" ? "kairos-cron" : "kairos-every", value: Array(arguments[1].utf8))]
        if arguments.count > 2 {
            headers.append(ScheduleHeader(name: "kairos-tz", value: Array(arguments[3].utf8)))
        }
        headers.append(ScheduleHeader(name: "kairos-target", value: Array("t".utf8)))
        let decoded = CommandDecoder(policy: CommandPolicy()).decode(
            CommandRecord(key: [65], value: [], headers: headers, timestamp: 1_800_000_000_000, offset: 0))
        guard case .failure(let rejection) = decoded else {
            Issue.record("the decoder accepted \(arguments)")
            return
        }
        #expect(error.description == rejection.reason)
    }
}
