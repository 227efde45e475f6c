/// How the ``WebhookReceiver`` answers one request.
public enum WebhookResponse: Sendable {
    /// Answers with this status code, these extra headers and this body.
    /// `Content-Length` is always set by the receiver.
    case status(Int, headers: [(String, String)] = [], body: String = "")
    /// Waits this many milliseconds (without blocking the event loop), then answers as `then` says.
    indirect case delay(milliseconds: Int, then: WebhookResponse)
    /// Never answers; the connection stays open until the client gives up or the receiver shuts down.
    case hang
    /// Closes the TCP connection without answering.
    case closeConnection

    /// `200 OK` with an empty body.
    public static var ok: WebhookResponse { .status(200) }
}
