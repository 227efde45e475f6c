import Foundation
public import Hummingbird
import NIOCore

/// An error answer as RFC 9457 problem details (`application/problem+json`): what went wrong in a sentence, and for
/// a bad request the fields at fault.
public struct Problem: Error, Sendable, Encodable {
    /// One field the request got wrong.
    public struct InvalidParameter: Sendable, Encodable, Hashable {
        /// The field, as a dotted path in the body (`payload.base64`) or the name of a path or query parameter.
        public var name: String
        public var reason: String
    }

    public var status: Int
    public var title: String
    public var detail: String
    /// Always a URI naming the kind of problem, relative to the API (`/problems/invalid-field`).
    public var type: String
    public var invalidParams: [InvalidParameter]?
    /// How long to wait before trying again (503), seconds; also sent as `Retry-After`.
    public var retryAfter: Int?

    enum CodingKeys: String, CodingKey {
        case status, title, detail, type
        case invalidParams = "invalid-params"
    }

    public init(
        _ status: HTTPResponse.Status, _ kind: String, _ detail: String, invalidParams: [InvalidParameter]? = nil,
        retryAfter: Int? = nil
    ) {
        self.status = status.code
        self.title = status.reasonPhrase
        self.detail = detail
        self.type = "/problems/\(kind)"
        self.invalidParams = invalidParams
        self.retryAfter = retryAfter
    }

    /// A request whose field `field` cannot be used.
    public static func invalid(_ field: String, _ reason: String, status: HTTPResponse.Status = .unprocessableContent)
        -> Problem
    {
        Problem(
            status, "invalid-field", "\(field): \(reason)",
            invalidParams: [InvalidParameter(name: field, reason: reason)])
    }

    public static func notFound(_ detail: String) -> Problem { Problem(.notFound, "not-found", detail) }

    public static func unavailable(_ detail: String, retryAfter: Int = 1) -> Problem {
        Problem(.serviceUnavailable, "unavailable", detail, retryAfter: retryAfter)
    }

    /// The answer.
    public var response: Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(self)) ?? Data()
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if status == 401 {
            headers[.wwwAuthenticate] = "Bearer"
        }
        if let retryAfter {
            headers[.retryAfter] = String(retryAfter)
        }
        return Response(
            status: HTTPResponse.Status(code: status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// JSON answers.
enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:])
        -> Response
    {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(value)) ?? Data("{}".utf8)
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
