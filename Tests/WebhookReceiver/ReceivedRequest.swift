/// One HTTP request as the ``WebhookReceiver`` received it.
public struct ReceivedRequest: Sendable {
    /// The request method, e.g. `"POST"`.
    public var method: String
    /// The request target as received: path plus query string (the URI).
    public var path: String
    /// The request headers in the order they arrived.
    public var headers: [(name: String, value: String)]
    /// The request body. Empty when the receiver was started with `recordBodies: false`.
    public var body: [UInt8]
    /// Wall-clock time, in milliseconds since the Unix epoch, at which the request head arrived.
    public var receivedAt: Int64
    /// Wall-clock time, in milliseconds since the Unix epoch, at which the complete body had arrived.
    public var completedAt: Int64

    /// Creates a request record.
    public init(
        method: String,
        path: String,
        headers: [(name: String, value: String)],
        body: [UInt8],
        receivedAt: Int64,
        completedAt: Int64
    ) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.receivedAt = receivedAt
        self.completedAt = completedAt
    }

    /// The value of the first header called `name` (compared case-insensitively), or `nil` if there is none.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// Every value of the headers called `name` (compared case-insensitively), in order.
    public func headers(_ name: String) -> [String] {
        let wanted = name.lowercased()
        return headers.filter { $0.name.lowercased() == wanted }.map(\.value)
    }

    /// The body decoded as UTF-8 (invalid sequences are replaced).
    public var bodyString: String {
        String(decoding: body, as: UTF8.self)
    }
}
