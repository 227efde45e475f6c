import NIOCore
import NIOHTTP1
import NIOPosix

/// A real HTTP/1.1 server on 127.0.0.1 that records every request it receives and answers as a test tells it.
///
/// Persistent (keep-alive) connections, pipelined requests and many concurrent connections are supported;
/// bodies of any size are accepted. Every response carries `Content-Length`.
///
/// ```swift
/// let receiver = try await WebhookReceiver.start()
/// receiver.respond(to: "/hook", with: [.status(500), .status(200)])
/// // ... deliver to "\(receiver.baseURL)/hook" ...
/// let received = await receiver.waitForRequests("/hook", count: 2, timeout: .seconds(5))
/// try await receiver.shutdown()
/// ```
public final class WebhookReceiver: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let serverChannel: any Channel
    private let core: ReceiverCore

    /// The TCP port the receiver listens on.
    public let port: Int

    /// `"http://127.0.0.1:PORT"`, without a trailing slash.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Whether request bodies are stored (the `recordBodies` argument of ``start(port:threads:recordBodies:)``).
    public var recordsBodies: Bool { core.recordBodies }

    private init(group: MultiThreadedEventLoopGroup, serverChannel: any Channel, core: ReceiverCore, port: Int) {
        self.group = group
        self.serverChannel = serverChannel
        self.core = core
        self.port = port
    }

    deinit {
        // A receiver dropped without `shutdown()` must not leak its threads.
        if core.beginShutdown() != nil {
            serverChannel.close(promise: nil)
            group.shutdownGracefully { _ in }
        }
    }

    /// Starts listening on 127.0.0.1 at `port` (0 = any free port) with `threads` event-loop threads (default 1).
    ///
    /// - Parameter recordBodies: When `false`, request bodies are read and discarded: every request is still
    ///   recorded (method, path, headers, timestamps) but with an empty `body`, which keeps memory low when a
    ///   benchmark sends hundreds of thousands of requests. Use ``removeAllRequests()`` to drop the records
    ///   themselves; ``count`` keeps counting.
    public static func start(port: Int = 0, threads: Int = 1, recordBodies: Bool = true) async throws
        -> WebhookReceiver
    {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
        let core = ReceiverCore(recordBodies: recordBodies)
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(ChannelOptions.backlog, value: 1024)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(WebhookHandler(core: core))
                    }
                }
                .bind(host: "127.0.0.1", port: port)
                .get()
            guard let boundPort = channel.localAddress?.port else {
                try? await channel.close()
                throw ChannelError.unknownLocalAddress
            }
            return WebhookReceiver(group: group, serverChannel: channel, core: core, port: boundPort)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Sets how requests whose path starts with `pathPrefix` are answered: the first such request gets
    /// `responses[0]`, the second `responses[1]`, and so on; once the list runs out its last entry repeats.
    ///
    /// The longest matching prefix wins. Paths no prefix matches (or a prefix with an empty list) are
    /// answered `200` with an empty body. Calling this again for the same prefix replaces its script and
    /// starts counting from the first response again.
    public func respond(to pathPrefix: String, with responses: [WebhookResponse]) {
        core.setScript(pathPrefix, responses)
    }

    /// Every request received so far whose path starts with `pathPrefix` (`""` = all), in arrival order.
    ///
    /// A request counts as received once its whole body has arrived; the order is that of completion.
    public func requests(_ pathPrefix: String = "") -> [ReceivedRequest] {
        core.requests(pathPrefix)
    }

    /// The number of requests received since start, on all paths (not reset by ``removeAllRequests()``).
    public var count: Int { core.count }

    /// Forgets the requests recorded so far (``count`` is not reset); for long benchmarks.
    public func removeAllRequests() {
        core.removeAllRequests()
    }

    /// Waits until at least `count` requests whose path starts with `pathPrefix` were received, or until
    /// `timeout` passes (or the task is cancelled), and returns those requests; fewer than `count` on timeout.
    public func waitForRequests(_ pathPrefix: String = "", count: Int, timeout: Duration) async -> [ReceivedRequest] {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            let received = core.requests(pathPrefix)
            if received.count >= count || clock.now >= deadline || Task.isCancelled {
                return received
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Stops listening, closes every open connection (including hanging ones) and stops the event-loop
    /// threads. Calling it again does nothing.
    public func shutdown() async throws {
        guard let open = core.beginShutdown() else { return }
        try? await serverChannel.close()
        for channel in open {
            try? await channel.close()
        }
        try await group.shutdownGracefully()
    }
}
