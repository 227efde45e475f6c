import CoreMetrics
import Prometheus
import Synchronization

/// Kairos's metrics (swift-metrics, exported in Prometheus text format on `/metrics`). Every name is here.
///
/// Counters only count what is committed: the engine reports a batch's tallies after its commit succeeded.
public final class KairosMetrics: Sendable {
    public enum Name {
        public static let commands = "kairos_commands_total"
        public static let firings = "kairos_firings_total"
        public static let httpAttempts = "kairos_http_attempts_total"
        public static let lateness = "kairos_fire_lateness_seconds"
        public static let httpDuration = "kairos_http_request_duration_seconds"
        public static let dlq = "kairos_dlq_records_total"
        public static let restoreDuration = "kairos_restore_duration_seconds"
        public static let restoredRecords = "kairos_restored_records_total"
        public static let batches = "kairos_batches_total"
        public static let batchDuration = "kairos_batch_commit_seconds"
        public static let rebalances = "kairos_rebalances_total"
        public static let pending = "kairos_pending_schedules"
        public static let commandsLag = "kairos_commands_lag"
        public static let storeBytes = "kairos_store_size_bytes"
        public static let breaker = "kairos_http_breaker_state"
        public static let partitions = "kairos_partitions_owned"
        public static let ready = "kairos_ready"
    }

    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let gauges = Mutex<[String: CoreMetrics.Gauge]>([:])

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        let fine: [Duration] = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
        ]
        factory.durationHistogramBuckets = [
            Name.lateness: fine, Name.httpDuration: fine, Name.batchDuration: fine,
            Name.restoreDuration: [
                .milliseconds(10), .milliseconds(100), .seconds(1), .seconds(5), .seconds(30), .seconds(120),
                .seconds(600),
            ],
        ]
        self.factory = factory
    }

    /// The metrics in Prometheus text exposition format.
    public func render() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    func counter(_ name: String, _ dimensions: [(String, String)]) -> CoreMetrics.Counter {
        CoreMetrics.Counter(label: name, dimensions: dimensions, factory: factory)
    }

    func timer(_ name: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Timer {
        CoreMetrics.Timer(label: name, dimensions: dimensions, factory: factory)
    }

    /// A gauge, created once per name and dimensions.
    func gauge(_ name: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Gauge {
        let key = name + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        return gauges.withLock { gauges in
            if let gauge = gauges[key] { return gauge }
            let gauge = CoreMetrics.Gauge(label: name, dimensions: dimensions, factory: factory)
            gauges[key] = gauge
            return gauge
        }
    }

    /// Whether the instance is ready (`/ready`), as a 1/0 gauge.
    public func recordReadiness(_ ready: Bool) {
        gauge(Name.ready).record(ready ? 1 : 0)
    }

    /// What one committed batch did.
    struct Tally {
        var commandsApplied = 0
        var commandsRejected = 0
        var commandsForwarded = 0
        var kafkaDelivered = 0
        var kafkaDeadLettered = 0
        var httpDelivered = 0
        var httpDeadLettered = 0
        var httpRetried = 0
        var httpDeferred = 0
        /// Fired-at minus scheduled-for of each firing, by target kind.
        var lateness: [(target: String, milliseconds: Int64)] = []
    }

    func record(_ tally: Tally) {
        func add(_ name: String, _ dimensions: [(String, String)], _ value: Int) {
            if value > 0 { counter(name, dimensions).increment(by: value) }
        }
        add(Name.commands, [("result", "applied")], tally.commandsApplied)
        add(Name.commands, [("result", "rejected")], tally.commandsRejected)
        add(Name.commands, [("result", "forwarded")], tally.commandsForwarded)
        add(Name.dlq, [("kind", "rejected")], tally.commandsRejected)
        add(Name.firings, [("target", "kafka"), ("outcome", "delivered")], tally.kafkaDelivered)
        add(Name.firings, [("target", "kafka"), ("outcome", "dead_lettered")], tally.kafkaDeadLettered)
        add(Name.firings, [("target", "http"), ("outcome", "delivered")], tally.httpDelivered)
        add(Name.firings, [("target", "http"), ("outcome", "dead_lettered")], tally.httpDeadLettered)
        add(Name.dlq, [("kind", "delivery_failed")], tally.kafkaDeadLettered + tally.httpDeadLettered)
        add(Name.httpAttempts, [("outcome", "retry")], tally.httpRetried)
        add(Name.httpAttempts, [("outcome", "deferred")], tally.httpDeferred)
        // One timer per target, looked up once per batch rather than once per firing.
        var timers: [String: CoreMetrics.Timer] = [:]
        for (target, milliseconds) in tally.lateness {
            let latenessTimer = timers[target] ?? timer(Name.lateness, [("target", target)])
            timers[target] = latenessTimer
            latenessTimer.recordMilliseconds(max(0, milliseconds))
        }
    }
}
