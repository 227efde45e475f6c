import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
public import ScheduleModel
import Synchronization

/// Makes one HTTP request per delivery over pooled connections (HTTP/1.1, or HTTP/2 when TLS negotiates it) and
/// says how it ended. Never throws: every failure is a `WebhookFailure`.
///
/// SSRF guard: the host must still be allowed when the request is made, and unless private addresses are allowed
/// a host name is resolved first and every address class but global is refused. Plain-HTTP requests then go to the
/// address that was checked (the `Host` header keeps the name), so a second DNS answer cannot point elsewhere; HTTPS
/// requests are pinned by certificate validation, which a host re-pointed at an internal server fails. Redirects
/// are not followed (a 3xx is a permanent failure), so they cannot lead past the allowlist either.
public final class WebhookClient: Sendable {
    private let client: HTTPClient
    private let timeoutMillis: Int64
    private let hostPolicy: HostPolicy
    private let isShutDown = Mutex(false)

    /// Bytes of a failed answer's body kept for the error message.
    static let bodySnippetBytes = 200

    public init(timeoutMillis: Int64, maxConnectionsPerHost: Int, hostPolicy: HostPolicy) {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: HTTPClient.Configuration.Timeout(
                connect: .milliseconds(min(timeoutMillis, 10_000)), read: .milliseconds(timeoutMillis)),
            decompression: .disabled)
        configuration.connectionPool = HTTPClient.Configuration.ConnectionPool(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: maxConnectionsPerHost)
        configuration.httpVersion = .automatic
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.timeoutMillis = timeoutMillis
        self.hostPolicy = hostPolicy
    }

    /// Closes pooled connections; requests after this fail.
    public func shutdown() async {
        isShutDown.withLock { $0 = true }
        try? await client.shutdown()
    }

    deinit {
        // A client must be shut down before it goes away; one dropped on an error path is shut down here (the task
        // keeps it alive until then).
        if !isShutDown.withLock({ $0 }) {
            let client = client
            Task { try? await client.shutdown() }
        }
    }

    /// Makes the request of `job` and classifies the answer (see the wire contract).
    public func deliver(_ job: WebhookJob) async -> WebhookOutcome {
        if let refusal = hostPolicy.refusal(host: job.url.host) {
            return .failed(WebhookFailure(status: nil, reason: refusal, retryable: false))
        }
        var urlText = job.url.text()
        var pinned = false
        if !hostPolicy.allowPrivate, AddressClass.of(job.url.host) == nil {
            let address: String
            do {
                address = try await Self.resolve(job.url.host, port: job.url.effectivePort)
            } catch {
                return .failed(
                    WebhookFailure(
                        status: nil, reason: "could not resolve '\(job.url.host)': \(error)", retryable: true))
            }
            if let refusal = hostPolicy.refusal(resolvedAddress: address, host: job.url.host) {
                return .failed(WebhookFailure(status: nil, reason: refusal, retryable: false))
            }
            if job.url.scheme == "http" {
                urlText = job.url.text(host: address)
                pinned = true
            }
        }
        var request = HTTPClientRequest(url: urlText)
        request.method = HTTPMethod(rawValue: job.method)
        for header in job.headers {
            request.headers.add(name: header.name, value: header.value)
        }
        if pinned {
            request.headers.replaceOrAdd(name: "Host", value: job.url.hostHeader)
        }
        if !job.body.isEmpty || ["POST", "PUT", "PATCH"].contains(job.method) {
            request.body = .bytes(ByteBuffer(bytes: job.body))
        }
        do {
            let response = try await client.execute(request, timeout: .milliseconds(timeoutMillis))
            var snippet: [UInt8] = []
            for try await chunk in response.body where snippet.count < Self.bodySnippetBytes {
                snippet += chunk.readableBytesView.prefix(Self.bodySnippetBytes - snippet.count)
            }
            let status = Int(response.status.code)
            switch ResponseClass(status: status) {
            case .success:
                return .delivered(status: status)
            case .retryable, .permanent:
                let retryAfter = response.headers.first(name: "retry-after").flatMap {
                    RetryPolicy.retryAfterMillis($0, nowMillis: Self.nowMilliseconds())
                }
                var reason = "HTTP \(status) \(response.status.reasonPhrase)"
                let body = String(decoding: snippet, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                if !body.isEmpty {
                    reason += ": " + body.replacingOccurrences(of: "\n", with: " ")
                }
                return .failed(
                    WebhookFailure(
                        status: status, reason: reason, retryable: ResponseClass(status: status) == .retryable,
                        retryAfterMillis: retryAfter))
            }
        } catch {
            return .failed(WebhookFailure(status: nil, reason: describe(error), retryable: true))
        }
    }

    private func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout:
                return "no answer within \(timeoutMillis) ms"
            case .remoteConnectionClosed:
                return "the server closed the connection without answering"
            default:
                return "\(error)"
            }
        }
        if let error = error as? NIOConnectionError {
            let causes = error.connectionErrors.map { "\($0.error)" }
            return "could not connect to \(error.host):\(error.port)" + (causes.isEmpty ? "" : ": \(causes[0])")
        }
        return "\(error)"
    }

    /// The first address of `host` (getaddrinfo, on NIO's blocking-I/O thread pool).
    private static func resolve(_ host: String, port: Int) async throws -> String {
        let address = try await NIOThreadPool.singleton.runIfActive {
            try SocketAddress.makeAddressResolvingHost(host, port: port)
        }
        guard let ip = address.ipAddress else {
            throw HTTPURLError("'\(host)' resolved to a non-IP address")
        }
        return ip
    }

    static func nowMilliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1_000).rounded(.down))
    }
}
