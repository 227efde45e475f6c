import Foundation
import Hummingbird
import KairosControl
import KairosEngine
import KairosWire
import NIOCore
import ScheduleModel

extension APIServer {
    /// Every `/v1` route. The OpenAPI document is open; everything else authenticates first.
    func addRoutes(to router: Router<APIContext>) {
        router.get("v1/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        router.add(middleware: AuthenticationMiddleware(authenticator: authenticator))

        router.get("v1/schedules/:id") { request, context in
            await answer {
                _ = try context.require(.viewer)
                let id = try Self.id(context)
                return try await atOwner(of: id, request, context) { _ in try operations.get(id) }
            }
        }
        router.put("v1/schedules/:id") { request, context in
            await answer {
                let principal = try context.require(.operator)
                let id = try Self.id(context)
                var request = request
                let body = try await collect(&request)
                return try await atOwner(of: id, request, context, body: body) { body in
                    let spec = try Self.decode(ScheduleSpec.self, body)
                    let shape = try Self.decode(JSONValue.self, body)
                    if let unknown = ScheduleSpec.unknownField(in: shape) {
                        throw Problem.invalid(unknown, "is not a field of a schedule", status: .badRequest)
                    }
                    try Self.refuseNull(in: shape)
                    return try await operations.put(id, spec, principal: principal)
                }
            }
        }
        router.delete("v1/schedules/:id") { request, context in
            await answer {
                let principal = try context.require(.operator)
                let id = try Self.id(context)
                return try await atOwner(of: id, request, context) { _ in
                    try await operations.cancel(id, principal: principal)
                }
            }
        }
        for kind in ScheduleAction.Kind.allCases {
            router.post("v1/schedules/:id/\(kind.rawValue)") { request, context in
                await answer {
                    let principal = try context.require(.operator)
                    let id = try Self.id(context)
                    let key = request.headers[OwnerRouter.idempotencyKey]
                    if let key, key.isEmpty || key.utf8.count > 200 {
                        throw Problem.invalid("Idempotency-Key", "is 1 to 200 bytes", status: .badRequest)
                    }
                    return try await atOwner(of: id, request, context) { _ in
                        try await operations.act(kind, id, idempotencyKey: key, principal: principal)
                    }
                }
            }
        }
        router.get("v1/schedules/:id/events") { request, context in
            await answer {
                _ = try context.require(.viewer)
                let id = try Self.id(context)
                let limit = try Self.integer(request, "limit", default: 50, in: 1...1_000)
                let found = try await events.events(of: id, limit: limit)
                return JSONResponse.make(["events": found.map(EventView.init)])
            }
        }
        router.get("v1/schedules") { request, context in
            await answer {
                _ = try context.require(.viewer)
                return try await list(request, context)
            }
        }
        router.get("v1/preview") { request, _ in
            await answer { try Self.preview(request) }
        }
        router.get("v1/dead-letters") { request, context in
            await answer {
                _ = try context.require(.viewer)
                return try await deadLetters(request)
            }
        }
        router.post("v1/dead-letters/replay") { request, context in
            await answer {
                let principal = try context.require(.admin)
                var request = request
                let body = try await collect(&request)
                let replayRequest = try Self.decode(ReplayRequest.self, body)
                let shape = try Self.decode(JSONValue.self, body)
                if case .object(let members) = shape,
                    let unknown = members.keys.sorted().first(where: { !ReplayRequest.fields.contains($0) })
                {
                    throw Problem.invalid(unknown, "is not a field of a replay request", status: .badRequest)
                }
                try Self.refuseNull(in: shape)
                return try await replay(replayRequest, principal: principal)
            }
        }
    }

    /// Runs `body`, answering a thrown `Problem` as problem+json and anything else as a 500 that names it.
    func answer(_ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let problem as Problem {
            return problem.response
        } catch {
            logger.error("API request failed", metadata: ["error": "\(error)"])
            return Problem(.internalServerError, "internal", "\(error)").response
        }
    }

    /// Answers here when this instance serves `id`'s home partition, else passes the request on to the one that does.
    func atOwner(
        of id: String, _ request: Request, _ context: APIContext, body: ByteBuffer? = nil,
        _ handle: (ByteBuffer?) async throws -> Response
    ) async throws -> Response {
        let forwarded = request.headers[OwnerRouter.forwardedHeader] != nil
        switch try router.route(operations.partition(of: id), forwarded: forwarded) {
        case .local: return try await handle(body)
        case .remote(let base): return try await router.forward(request, body: body, to: base)
        }
    }

    /// The request body, at most `maxBodyBytes`.
    func collect(_ request: inout Request) async throws -> ByteBuffer {
        do {
            return try await request.collectBody(upTo: settings.maxBodyBytes)
        } catch {
            throw Problem(.contentTooLarge, "too-large", "the body is over \(settings.maxBodyBytes) bytes")
        }
    }

    static func id(_ context: APIContext) throws -> String {
        let raw = context.parameters.get("id") ?? ""
        let id = raw.removingPercentEncoding ?? raw
        guard !id.isEmpty, id.utf8.count <= 256 else {
            throw Problem.invalid("id", "a schedule id is 1 to 256 bytes of UTF-8", status: .badRequest)
        }
        return id
    }

    /// Decodes a JSON body, naming the field at fault.
    static func decode<T: Decodable>(_ type: T.Type, _ body: ByteBuffer?) throws -> T {
        let data = Data(body.map { Array($0.readableBytesView) } ?? [])
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw Problem.invalid(path(context.codingPath + [key]), "is required", status: .badRequest)
        } catch let DecodingError.typeMismatch(_, context) {
            throw Problem.invalid(path(context.codingPath), "has the wrong type: \(context.debugDescription)", status: .badRequest)
        } catch let DecodingError.valueNotFound(_, context) {
            throw Problem.invalid(path(context.codingPath), "must not be null", status: .badRequest)
        } catch let DecodingError.dataCorrupted(context) {
            throw Problem.invalid(
                context.codingPath.isEmpty ? "body" : path(context.codingPath), "is not valid JSON: \(context.debugDescription)",
                status: .badRequest)
        } catch {
            throw Problem.invalid("body", "is not valid JSON", status: .badRequest)
        }
    }

    /// Refuses a member given as `null` (a field is left out, not nulled), but where null is a value: anything in
    /// `payload.json` and a header's `value` (a Kafka header without a value).
    static func refuseNull(in value: JSONValue, at path: String = "") throws {
        switch value {
        case .object(let members):
            for key in members.keys.sorted() {
                let child = path.isEmpty ? key : "\(path).\(key)"
                guard child != "payload.json", let member = members[key] else { continue }
                if case .null = member {
                    if key == "value" && path.hasSuffix("]") { continue }
                    throw Problem.invalid(child, "must not be null; leave the field out instead", status: .badRequest)
                }
                try refuseNull(in: member, at: child)
            }
        case .array(let items):
            for (index, item) in items.enumerated() {
                let child = "\(path)[\(index)]"
                if case .null = item {
                    throw Problem.invalid(child, "must not be null", status: .badRequest)
                }
                try refuseNull(in: item, at: child)
            }
        default:
            break
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            .replacingOccurrences(of: ".[", with: "[")
    }

    static func integer(_ request: Request, _ name: String, default fallback: Int, in range: ClosedRange<Int>) throws
        -> Int
    {
        guard let text = request.uri.queryParameters[Substring(name)] else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw Problem.invalid(name, "is not a whole number in \(range.lowerBound)...\(range.upperBound)", status: .badRequest)
        }
        return value
    }

    static func instant(_ request: Request, _ name: String) throws -> Int64? {
        guard let text = request.uri.queryParameters[Substring(name)] else { return nil }
        do {
            return try TimestampFormat.parse(String(text))
        } catch {
            throw Problem.invalid(name, error.message, status: .badRequest)
        }
    }

    /// `GET /v1/preview?cron=|every=&dialect=&tz=&exclude=&excludeCron=&after=&count=`: the next fire times, decided as a command would be.
    static func preview(_ request: Request) throws -> Response {
        let query = request.uri.queryParameters
        var spec = ScheduleSpec(target: "preview")
        // A `+` in a query is a space to form encoders; a cron expression never holds a `+` of its own.
        spec.cron = query["cron"].map { $0.replacingOccurrences(of: "+", with: " ") }
        spec.every = query["every"].map(String.init)
        spec.dialect = query["dialect"].map(String.init)
        spec.exclude = query["exclude"].map { $0.split(separator: ",").map(String.init) }
        spec.excludeCron = query["excludeCron"].map { $0.replacingOccurrences(of: "+", with: " ") }
        spec.tz = query["tz"].map(String.init)
        guard (spec.cron == nil) != (spec.every == nil) else {
            throw Problem.invalid("cron", "give exactly one of cron and every", status: .badRequest)
        }
        let after = try instant(request, "after") ?? Int64(Date().timeIntervalSince1970 * 1_000)
        let count = try integer(request, "count", default: 10, in: 1...1_000)
        let schedule: Schedule
        do {
            schedule = try spec.validated(id: "preview", timestamp: after, policy: CommandPolicy()).1
        } catch {
            throw Problem.invalid(error.field, error.reason)
        }
        let resource = ScheduleResource(schedule, partition: 0)
        let rules = try? TimeZoneRules.named(resource.zone)
        return JSONResponse.make(
            PreviewAnswer(
                zone: resource.zone,
                fireTimes: ScheduleResource.fireTimes(of: schedule, count: count, rules: rules)))
    }
}

struct PreviewAnswer: Codable {
    var zone: String
    var fireTimes: [ScheduleResource.FireTime]
}

/// An event as the API shows it.
struct EventView: Codable {
    var type: String
    var occurrence: Int64?
    var scheduledFor: Int64?
    var at: Int64
    var partition: Int32
    var detail: String?

    init(_ event: EventRecord) {
        type = event.kind.rawValue
        occurrence = event.occurrence
        scheduledFor = event.scheduledFor
        at = event.at
        partition = event.partition
        detail = event.detail
    }
}
