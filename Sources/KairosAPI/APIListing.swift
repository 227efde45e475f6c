import Foundation
import Hummingbird
import HummingbirdCore
import KairosControl
import KairosEngine
import KairosWire
import NIOCore
import NIOPosix
import ScheduleModel

extension APIServer {
    /// `GET /v1/schedules`: the schedules of every partition matching the filters, in (next due, id) order, a page at
    /// a time. Each instance lists the partitions it serves; the one asked gathers them.
    func list(_ request: Request, _ context: APIContext) async throws -> Response {
        let query = request.uri.queryParameters
        var filter = ScheduleReader.Query()
        if let status = query["status"] {
            guard let value = ScheduleReader.Query.Status(rawValue: String(status)) else {
                throw Problem.invalid("status", "is not one of scheduled, paused, retrying", status: .badRequest)
            }
            filter.status = value
        }
        filter.target = query["target"].map(String.init)
        filter.idPrefix = query["idPrefix"].map(String.init)
        filter.dueFrom = try Self.instant(request, "dueFrom")
        filter.dueTo = try Self.instant(request, "dueTo")
        let limit = try Self.integer(request, "limit", default: 50, in: 1...500)
        if let cursor = query["cursor"] {
            guard let position = Self.position(fromCursor: String(cursor)) else {
                throw Problem.invalid("cursor", "is not a cursor this API gave out", status: .badRequest)
            }
            filter.after = position
        }
        // One more than the page, to know whether another page follows.
        filter.limit = limit + 1
        let found: [ScheduleResource]
        if let asked = query["partitions"], request.headers[OwnerRouter.forwardedHeader] != nil {
            // Another instance gathers: list what it asked for, here.
            let partitions = asked.split(separator: ",").compactMap { Int32($0) }
            found = try operations.list(partitions: partitions, filter)
        } else {
            let (local, remote) = try router.owners(of: Array(0..<partitions))
            var gathered = try operations.list(partitions: local, filter)
            let authorization = request.headers[.authorization]
            for (base, partitions) in remote {
                let rest = Self.encode(query, without: ["partitions"])
                let list = partitions.map(String.init).joined(separator: ",")
                let asked = "\(request.uri.path)?\(rest.isEmpty ? "" : rest + "&")partitions=\(list)"
                let body = try await router.fetch(base, asked, authorization: authorization)
                gathered += try JSONDecoder().decode(ScheduleList.self, from: Data(body.readableBytesView)).schedules
            }
            found = gathered
        }
        let ordered = found.sorted { $0.position < $1.position }
        let page = Array(ordered.prefix(limit))
        let next = ordered.count > limit ? page.last.map { Self.cursor(for: $0.position) } : nil
        return JSONResponse.make(ScheduleList(schedules: page, nextCursor: next))
    }

    static func cursor(for position: ScheduleReader.Position) -> String {
        Data("\(position.dueAt):\(position.id)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func position(fromCursor cursor: String) -> ScheduleReader.Position? {
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
            let colon = text.firstIndex(of: ":"), let dueAt = Int64(text[..<colon])
        else { return nil }
        return ScheduleReader.Position(dueAt: dueAt, id: String(text[text.index(after: colon)...]))
    }

    /// A query string of `parameters` but `without`.
    static func encode(_ parameters: FlatDictionary<Substring, Substring>, without: Set<String>) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?")
        return parameters.filter { !without.contains(String($0.key)) }.map { key, value in
            "\(key)=\(String(value).addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        }.joined(separator: "&")
    }

    /// `GET /v1/dead-letters?kind=&idPrefix=&limit=`: the latest dead letters with why they are there.
    func deadLetters(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        var filter = DeadLetterFilter()
        if let kind = query["kind"] {
            guard let value = DeadLetterFilter.Kind(rawValue: String(kind)) else {
                throw Problem.invalid("kind", "is not one of rejected, delivery-failed", status: .badRequest)
            }
            filter.kind = value
        }
        filter.idPrefix = query["idPrefix"].map(String.init)
        let limit = try Self.integer(request, "limit", default: 50, in: 1...1_000)
        let connection = connection
        let selected = filter
        let list = try await onThreadPool {
            try DeadLetterListing(filter: selected, limit: limit).run(on: try connection.connect())
        }
        return JSONResponse.make(list)
    }

    /// `POST /v1/dead-letters/replay`: writes matching dead letters back as commands (those Kairos would reject
    /// again only with `force`).
    func replay(_ body: ReplayRequest, principal: Principal) async throws -> Response {
        var filter = DeadLetterFilter()
        if let kind = body.kind {
            guard let value = DeadLetterFilter.Kind(rawValue: kind) else {
                throw Problem.invalid("kind", "is not one of rejected, delivery-failed")
            }
            filter.kind = value
        }
        if let partition = body.partition, partition < 0 {
            throw Problem.invalid("partition", "must be 0 or more")
        }
        if let offset = body.offsetFrom, offset < 0 {
            throw Problem.invalid("offsetFrom", "must be 0 or more")
        }
        filter.idPrefix = body.idPrefix
        filter.partition = body.partition
        filter.offsetFrom = body.offsetFrom
        let replay = DeadLetterReplay(filter: filter, dryRun: body.dryRun ?? false, force: body.force ?? false)
        let report: ReplayReport
        do {
            report = try await replay.run(on: try connection.connect())
        } catch {
            throw Self.problem(error, kind: "replay-failed")
        }
        logger.notice(
            "audit",
            metadata: [
                "principal": "\(principal.name)", "role": "\(principal.role.rawValue)", "action": "dlq-replay",
                "id": "\(body.idPrefix ?? "*")", "outcome": "\(report.replayed) replayed of \(report.outcomes.count)",
            ])
        return JSONResponse.make(report)
    }

    /// Runs blocking Kafka work off the server's event loops.
    func onThreadPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        do {
            return try await NIOThreadPool.singleton.runIfActive(work)
        } catch let error as ControlError {
            throw Self.problem(error, kind: "kafka")
        }
    }

    /// A request the library refuses (a dlq partition that does not exist) is the caller's 422; anything else is
    /// Kafka failing us, a 502.
    static func problem(_ error: ControlError, kind: String) -> Problem {
        guard error.exitStatus == 2 else { return Problem(.badGateway, kind, error.message) }
        if error.message.hasPrefix("--partition ") {
            return Problem.invalid("partition", String(error.message.dropFirst("--partition ".count)))
        }
        return Problem(.unprocessableContent, "invalid-request", error.message)
    }
}

/// The body of `POST /v1/dead-letters/replay`.
struct ReplayRequest: Codable {
    /// The fields a request may have.
    static let fields: Set<String> = ["kind", "idPrefix", "partition", "offsetFrom", "dryRun", "force"]

    var kind: String?
    var idPrefix: String?
    var partition: Int32?
    var offsetFrom: Int64?
    var dryRun: Bool?
    var force: Bool?
}
