import NIOCore
import NIOHTTP1

/// Reads HTTP requests from one connection, records them and answers as the script says.
final class WebhookHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let core: ReceiverCore
    private var head: HTTPRequestHead?
    private var receivedAt: Int64 = 0
    private var body: ByteBuffer?
    private var pendingAnswer: Scheduled<Void>?

    init(core: ReceiverCore) {
        self.core = core
    }

    func channelActive(context: ChannelHandlerContext) {
        if !core.register(context.channel) {
            context.close(promise: nil)
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        core.unregister(context.channel)
        pendingAnswer?.cancel()
        pendingAnswer = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            receivedAt = epochMillisecondsNow()
            body = core.recordBodies ? context.channel.allocator.buffer(capacity: 0) : nil
            if head.headers["expect"].contains(where: { $0.lowercased() == "100-continue" }) {
                let interim = HTTPResponseHead(version: head.version, status: .continue)
                context.writeAndFlush(wrapOutboundOut(.head(interim)), promise: nil)
            }
        case .body(var part):
            body?.writeBuffer(&part)
        case .end:
            guard let head else { return }
            self.head = nil
            let bytes = body.map { Array($0.readableBytesView) } ?? []
            body = nil
            let request = ReceivedRequest(
                method: head.method.rawValue,
                path: head.uri,
                headers: head.headers.map { (name: $0.name, value: $0.value) },
                body: bytes,
                receivedAt: receivedAt,
                completedAt: epochMillisecondsNow()
            )
            let response = core.record(request)
            answer(response, to: head, context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func answer(_ response: WebhookResponse, to request: HTTPRequestHead, context: ChannelHandlerContext) {
        switch response {
        case .status(let code, let extraHeaders, let text):
            var headers = HTTPHeaders()
            for (name, value) in extraHeaders where name.lowercased() != "content-length" {
                headers.add(name: name, value: value)
            }
            let buffer = context.channel.allocator.buffer(string: text)
            headers.replaceOrAdd(name: "Content-Length", value: String(buffer.readableBytes))
            let keepAlive =
                request.isKeepAlive
                && !headers["connection"].contains(where: { $0.lowercased() == "close" })
            if !keepAlive {
                headers.replaceOrAdd(name: "Connection", value: "close")
            }
            let responseHead = HTTPResponseHead(
                version: request.version,
                status: HTTPResponseStatus(statusCode: code),
                headers: headers
            )
            context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
            if buffer.readableBytes > 0 {
                context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            }
            let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if !keepAlive {
                written.assumeIsolated().whenComplete { _ in
                    context.close(promise: nil)
                }
            }
        case .delay(let milliseconds, let then):
            pendingAnswer = context.eventLoop.assumeIsolated().scheduleTask(
                in: .milliseconds(Int64(max(0, milliseconds)))
            ) { [self] in
                pendingAnswer = nil
                guard context.channel.isActive else { return }
                answer(then, to: request, context: context)
            }
        case .hang:
            break
        case .closeConnection:
            context.close(promise: nil)
        }
    }
}
