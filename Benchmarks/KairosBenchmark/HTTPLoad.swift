import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// What `count` requests sent by `concurrency` callers at once did: requests/s and latency percentiles (ms).
struct HTTPLoadResult {
    var perSecond: Double
    var p50: Double
    var p99: Double
    var failures: Int
    var firstFailure: String?

    var text: String {
        String(format: "%.0f requests/s, p50 %.1f ms, p99 %.1f ms", perSecond, p50, p99)
            + (failures == 0 ? "" : " (\(failures) failed: \(firstFailure ?? ""))")
    }
}

/// Sends `count` requests, `concurrency` at a time, each built by `request(index)`; an answer other than `expected`
/// counts as a failure.
func measureHTTPLoad(
    count: Int, concurrency: Int, expected: UInt = 200, _ request: @escaping @Sendable (Int) -> HTTPClientRequest
) async throws -> HTTPLoadResult {
    // As many connections as callers: the pool's default of 8 per host would queue the rest inside the client.
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = concurrency
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    let next = NextIndex()
    let started = Date()
    let outcomes = try await withThrowingTaskGroup(of: ([Double], [String]).self) { group in
        for _ in 0..<concurrency {
            group.addTask {
                var latencies: [Double] = []
                var failures: [String] = []
                while true {
                    let index = next.take()
                    guard index < count else { break }
                    let sent = Date()
                    do {
                        let response = try await client.execute(request(index), timeout: .seconds(30))
                        let body = try await response.body.collect(upTo: 1 << 20)
                        if response.status.code != expected {
                            failures.append("\(response.status.code) \(String(buffer: body).prefix(200))")
                        }
                    } catch {
                        failures.append("\(error)")
                    }
                    latencies.append(Date().timeIntervalSince(sent) * 1_000)
                }
                return (latencies, failures)
            }
        }
        var all: ([Double], [String]) = ([], [])
        for try await (latencies, failures) in group {
            all.0 += latencies
            all.1 += failures
        }
        return all
    }
    let seconds = Date().timeIntervalSince(started)
    try await client.shutdown()
    let sorted = outcomes.0.sorted()
    func percentile(_ p: Double) -> Double {
        sorted.isEmpty ? -1 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }
    return HTTPLoadResult(
        perSecond: Double(count) / seconds, p50: percentile(0.5), p99: percentile(0.99), failures: outcomes.1.count,
        firstFailure: outcomes.1.first)
}

/// A PUT to `url` of a one-shot schedule due at `dueAt`, as a client of the API sends it.
func schedulePUT(url: String, dueAt: Int64) -> HTTPClientRequest {
    var request = HTTPClientRequest(url: url)
    request.method = .PUT
    request.headers.add(name: "Content-Type", value: "application/json")
    request.body = .bytes(ByteBuffer(string: scheduleBody(dueAt: dueAt)))
    return request
}

/// The body of `schedulePUT`: a Kafka target, a time, a 100-byte text payload.
func scheduleBody(dueAt: Int64) -> String {
    #"{"target":"bench.never","at":\#(dueAt),"payload":{"text":"\#(String(repeating: "a", count: 100))"}}"#
}

/// Hands out 0, 1, 2, ... to concurrent callers.
final class NextIndex: Sendable {
    private let value = Atomic<Int>(0)
    func take() -> Int { value.wrappingAdd(1, ordering: .relaxed).oldValue }
}
