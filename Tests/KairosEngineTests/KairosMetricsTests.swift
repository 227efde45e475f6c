@testable import KairosEngine
import Testing
import TestThreads

@Suite(.ownThreads) struct KairosMetricsTests {
    /// The sample lines of `text` (no comments), each as "name{labels} value".
    func samples(_ text: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
    }

    /// The value of the sample `series` (name and labels as rendered), if there is one.
    func value(_ series: String, in text: String) -> String? {
        samples(text).first { $0.hasPrefix(series + " ") }.map { String($0.dropFirst(series.count + 1)) }
    }

    @Test func aRecordedTallyShowsUpUnderItsNamesAndLabels() {
        let metrics = KairosMetrics()
        var tally = KairosMetrics.Tally()
        tally.commandsApplied = 3
        tally.commandsRejected = 2
        tally.kafkaDelivered = 4
        tally.kafkaDeadLettered = 1
        tally.httpDelivered = 6
        tally.httpDeadLettered = 2
        tally.httpRetried = 7
        tally.httpDeferred = 5
        metrics.record(tally)
        let text = metrics.render()

        #expect(value(#"kairos_commands_total{result="applied"}"#, in: text) == "3")
        #expect(value(#"kairos_commands_total{result="rejected"}"#, in: text) == "2")
        #expect(value(#"kairos_dlq_records_total{kind="rejected"}"#, in: text) == "2")
        #expect(value(#"kairos_firings_total{target="kafka",outcome="delivered"}"#, in: text) == "4")
        #expect(value(#"kairos_firings_total{target="kafka",outcome="dead_lettered"}"#, in: text) == "1")
        #expect(value(#"kairos_firings_total{target="http",outcome="delivered"}"#, in: text) == "6")
        #expect(value(#"kairos_firings_total{target="http",outcome="dead_lettered"}"#, in: text) == "2")
        #expect(value(#"kairos_dlq_records_total{kind="delivery_failed"}"#, in: text) == "3")
        #expect(value(#"kairos_http_attempts_total{outcome="retry"}"#, in: text) == "7")
        #expect(value(#"kairos_http_attempts_total{outcome="deferred"}"#, in: text) == "5")
    }

    @Test func talliesAddUpAndZeroCountsAreNotWritten() {
        let metrics = KairosMetrics()
        var tally = KairosMetrics.Tally()
        tally.commandsApplied = 2
        metrics.record(tally)
        #expect(!metrics.render().contains(KairosMetrics.Name.firings))
        #expect(!metrics.render().contains(#"result="rejected""#))
        tally.commandsApplied = 5
        metrics.record(tally)
        #expect(value(#"kairos_commands_total{result="applied"}"#, in: metrics.render()) == "7")
    }

    @Test func latenessIsATimerPerTargetInSecondsAndNeverNegative() {
        let metrics = KairosMetrics()
        var tally = KairosMetrics.Tally()
        tally.lateness = [("kafka", 1_500), ("kafka", 500), ("http", -200)]
        metrics.record(tally)
        let text = metrics.render()
        #expect(value(#"kairos_fire_lateness_seconds_count{target="kafka"}"#, in: text) == "2")
        #expect(value(#"kairos_fire_lateness_seconds_sum{target="kafka"}"#, in: text).flatMap(Double.init) == 2.0)
        #expect(value(#"kairos_fire_lateness_seconds_count{target="http"}"#, in: text) == "1")
        #expect(value(#"kairos_fire_lateness_seconds_sum{target="http"}"#, in: text).flatMap(Double.init) == 0)
        // The fine buckets: 1.5 s is over 1 s and within 2.5 s.
        #expect(value(#"kairos_fire_lateness_seconds_bucket{target="kafka",le="1.0"}"#, in: text) == "1")
        #expect(value(#"kairos_fire_lateness_seconds_bucket{target="kafka",le="2.5"}"#, in: text) == "2")
    }

    @Test func readinessIsAOneOrZeroGauge() {
        let metrics = KairosMetrics()
        metrics.recordReadiness(true)
        #expect(value("kairos_ready", in: metrics.render()).flatMap(Double.init) == 1)
        metrics.recordReadiness(false)
        #expect(value("kairos_ready", in: metrics.render()).flatMap(Double.init) == 0)
    }

    @Test func aGaugeIsMadeOncePerNameAndDimensions() {
        let metrics = KairosMetrics()
        let first = metrics.gauge(KairosMetrics.Name.pending, [("partition", "0")])
        #expect(metrics.gauge(KairosMetrics.Name.pending, [("partition", "0")]) === first)
        #expect(metrics.gauge(KairosMetrics.Name.pending, [("partition", "1")]) !== first)
        first.record(12)
        metrics.gauge(KairosMetrics.Name.pending, [("partition", "1")]).record(3)
        let text = metrics.render()
        #expect(value(#"kairos_pending_schedules{partition="0"}"#, in: text).flatMap(Double.init) == 12)
        #expect(value(#"kairos_pending_schedules{partition="1"}"#, in: text).flatMap(Double.init) == 3)
    }
}
