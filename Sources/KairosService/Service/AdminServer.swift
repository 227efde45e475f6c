import Foundation
import Hummingbird
import KafkaClient
import KairosEngine
import KairosSettings
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The instance's HTTP endpoints (Hummingbird):
///
/// - `GET /health`: liveness; 200 while the engine runs, 503 once it failed.
/// - `GET /ready`: 200 when every assigned partition is restored and the broker answers, else 503 with the reason.
/// - `GET /metrics`: Prometheus text format.
/// - `GET /admin/status`: JSON for `kairosctl status`: partitions, their state, pending schedules, next due time,
///   command lag, changelog position, HTTP circuit breakers.
///
/// With `KAIROS_ADMIN_TOKEN` set, `/admin/*` needs `Authorization: Bearer <token>` (and `/metrics` too with
/// `KAIROS_ADMIN_PROTECT_METRICS=true`); health and readiness stay open for probes.
enum AdminServer {
    static func makeApplication(
        configuration: KairosConfiguration, status: EngineStatus, metrics: KairosMetrics, broker: BrokerReachability,
        logger: Logger, onListening: @escaping @Sendable (String) -> Void
    ) throws -> some ApplicationProtocol {
        guard let (host, port) = configuration.adminAddress else {
            throw ConfigurationError("KAIROS_ADMIN_ADDRESS: the admin server is off")
        }
        let token = configuration.adminToken
        let router = Router()
        router.get("health") { _, _ -> Response in
            let snapshot = status.snapshot
            if let failure = snapshot.failure {
                return json(["status": "failed", "error": failure], status: .serviceUnavailable)
            }
            return json(["status": "ok"])
        }
        router.get("ready") { _, _ -> Response in
            let readiness = await Readiness.evaluate(status.snapshot, broker: broker)
            metrics.recordReadiness(readiness.ready)
            return json(readiness, status: readiness.ready ? .ok : .serviceUnavailable)
        }
        router.group("metrics")
            .add(middleware: BearerToken(token: configuration.adminProtectsMetrics ? token : nil))
            .get { _, _ -> Response in
                Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.render())))
            }
        router.group("admin")
            .add(middleware: BearerToken(token: token))
            .get("status") { _, _ -> Response in
                let snapshot = status.snapshot
                let readiness = await Readiness.evaluate(snapshot, broker: broker)
                return json(
                    StatusReport(
                        instance: configuration.instanceID, group: configuration.groupID,
                        guarantee: configuration.deliveryGuarantee.rawValue, ready: readiness.ready,
                        reason: readiness.reason,
                        partitions: snapshot.partitions.values.sorted { $0.partition < $1.partition },
                        http: .init(breakers: snapshot.breakers, outstanding: snapshot.httpOutstanding)))
            }
        var serverConfiguration = ApplicationConfiguration(address: .hostname(host, port: port))
        serverConfiguration.serverName = "kairos"
        return Application(
            router: router, configuration: serverConfiguration,
            onServerRunning: { channel in
                let bound = channel.localAddress?.port.map { "\(host):\($0)" } ?? "\(host):\(port)"
                onListening(bound)
            }, logger: logger)
    }

    /// `/admin/status`.
    struct StatusReport: Encodable {
        struct HTTP: Encodable {
            var breakers: [String: String]
            var outstanding: Int
        }

        var instance: String?
        var group: String
        var guarantee: String
        var ready: Bool
        var reason: String?
        var partitions: [EngineStatus.Partition]
        var http: HTTP
    }

    /// `/ready`.
    struct Readiness: Encodable {
        var ready: Bool
        var reason: String?
        var restoring: [Int32]
        var brokerReachable: Bool

        static func evaluate(_ snapshot: EngineStatus.Snapshot, broker: BrokerReachability) async -> Readiness {
            let restoring = snapshot.partitions.values.filter { $0.state == .restoring }.map(\.partition).sorted()
            let reachable = await broker.isReachable()
            var reason: String?
            if let failure = snapshot.failure {
                reason = "the engine failed: \(failure)"
            } else if !snapshot.running {
                reason = "the engine is not running"
            } else if !snapshot.joined {
                reason = "waiting for the consumer group to assign partitions"
            } else if !restoring.isEmpty {
                reason = restoringReason(Array(snapshot.partitions.values))
            } else if !reachable {
                reason = "the Kafka brokers do not answer"
            }
            return Readiness(ready: reason == nil, reason: reason, restoring: restoring, brokerReachable: reachable)
        }

        /// Which partitions are restoring, and which of them wait for a transaction open on their changelog.
        static func restoringReason(_ partitions: [EngineStatus.Partition]) -> String {
            let restoring = partitions.filter { $0.state == .restoring }.sorted { $0.partition < $1.partition }
            var text = "restoring partitions \(restoring.map { String($0.partition) }.joined(separator: ","))"
            for entry in restoring {
                guard let transaction = entry.openTransaction else { continue }
                text += "; partition \(entry.partition) waits for a transaction open on its changelog (stable offset "
                    + "\(transaction.stableOffset), high watermark \(transaction.highWatermark)) to end"
            }
            return text
        }
    }

    private static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Requires `Authorization: Bearer <token>` when a token is configured.
struct BearerToken<Context: RequestContext>: RouterMiddleware {
    let token: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard let token else { return try await next(request, context) }
        let given = request.headers[.authorization] ?? ""
        // Compared in full whatever the first difference, so the time taken tells nothing about the token.
        let expected = Array("Bearer \(token)".utf8)
        let actual = Array(given.utf8)
        var difference = UInt8(expected.count == actual.count ? 0 : 1)
        for index in 0..<min(expected.count, actual.count) {
            difference |= expected[index] ^ actual[index]
        }
        guard difference == 0 else {
            return Response(
                status: .unauthorized, headers: [.wwwAuthenticate: "Bearer"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "{\"error\":\"a bearer token is required\"}")))
        }
        return try await next(request, context)
    }
}

/// Whether the Kafka brokers answer a metadata request, checked at most once a second.
final class BrokerReachability: Sendable {
    private let admin: KafkaAdmin
    private let last = Mutex<(at: ContinuousClock.Instant, reachable: Bool)?>(nil)

    init(admin: KafkaAdmin) {
        self.admin = admin
    }

    func isReachable() async -> Bool {
        if let known = last.withLock({ $0 }), ContinuousClock.now - known.at < .seconds(1) {
            return known.reachable
        }
        let admin = admin
        let reachable =
            (try? await NIOThreadPool.singleton.runIfActive {
                (try? admin.metadata(timeoutMilliseconds: 2_000)) != nil
            }) ?? false
        last.withLock { $0 = (ContinuousClock.now, reachable) }
        return reachable
    }
}
