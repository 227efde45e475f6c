import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock time in milliseconds since the Unix epoch.
func epochMillisecondsNow() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
}

/// The state shared by the receiver and all its connection handlers.
final class ReceiverCore: Sendable {
    private struct Script {
        var responses: [WebhookResponse]
        var answered = 0
    }

    private struct State {
        var scripts: [String: Script] = [:]
        var requests: [ReceivedRequest] = []
        var count = 0
        var channels: [ObjectIdentifier: any Channel] = [:]
        var isShutDown = false
    }

    let recordBodies: Bool
    private let state = Mutex(State())

    init(recordBodies: Bool) {
        self.recordBodies = recordBodies
    }

    func setScript(_ pathPrefix: String, _ responses: [WebhookResponse]) {
        state.withLock { $0.scripts[pathPrefix] = Script(responses: responses) }
    }

    /// Records a completed request and picks how to answer it.
    func record(_ request: ReceivedRequest) -> WebhookResponse {
        state.withLock { state in
            state.requests.append(request)
            state.count += 1
            var best: String?
            for prefix in state.scripts.keys where request.path.hasPrefix(prefix) {
                if let current = best, current.utf8.count >= prefix.utf8.count { continue }
                best = prefix
            }
            guard let prefix = best, var script = state.scripts[prefix], !script.responses.isEmpty else {
                return .status(200)
            }
            let response = script.responses[min(script.answered, script.responses.count - 1)]
            script.answered += 1
            state.scripts[prefix] = script
            return response
        }
    }

    func requests(_ pathPrefix: String) -> [ReceivedRequest] {
        state.withLock { state in
            pathPrefix.isEmpty ? state.requests : state.requests.filter { $0.path.hasPrefix(pathPrefix) }
        }
    }

    func removeAllRequests() {
        state.withLock { $0.requests.removeAll() }
    }

    var count: Int {
        state.withLock { $0.count }
    }

    /// Tracks an open connection; returns `false` when the receiver is already shut down.
    func register(_ channel: any Channel) -> Bool {
        state.withLock { state in
            guard !state.isShutDown else { return false }
            state.channels[ObjectIdentifier(channel)] = channel
            return true
        }
    }

    func unregister(_ channel: any Channel) {
        _ = state.withLock { $0.channels.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    var isShutDown: Bool {
        state.withLock { $0.isShutDown }
    }

    /// Marks the receiver shut down; returns the open connections, or `nil` if it was already shut down.
    func beginShutdown() -> [any Channel]? {
        state.withLock { state in
            guard !state.isShutDown else { return nil }
            state.isShutDown = true
            let open = Array(state.channels.values)
            state.channels.removeAll()
            return open
        }
    }
}
