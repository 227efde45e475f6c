import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import KairosEngine
import NIOCore
import NIOHTTP1

/// Sends a request about an id to the instance that serves its home partition, when that is not this one (any
/// instance answers for any id). The instance is found in the `InstanceDirectory`; the request goes on as it came
/// (method, path, query, body, `Authorization`), marked so that it is never passed on twice.
final class OwnerRouter: Sendable {
    /// Marks a request passed on by another instance (its name).
    static let forwardedHeader = HTTPField.Name("Kairos-Forwarded-By")!

    enum Route {
        /// This instance serves the partition.
        case local
        /// That instance does (its API base URL).
        case remote(String)
    }

    private let reader: ScheduleReader
    private let directory: InstanceDirectory
    private let client: HTTPClient

    init(reader: ScheduleReader, directory: InstanceDirectory) {
        self.reader = reader
        self.directory = directory
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(2), read: .seconds(30))
        configuration.redirectConfiguration = .disallow
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Where requests about `partition` are answered; a 503 problem when nobody is known to serve it.
    func route(_ partition: Int32, forwarded: Bool) throws -> Route {
        if reader.partitions.contains(partition) { return .local }
        guard !forwarded, let owner = directory.owner(of: partition), owner.instance != directory.instance else {
            throw Problem.unavailable(
                "no instance serves partition \(partition) right now (a rebalance or restore is under way)")
        }
        return .remote(owner.api)
    }

    /// Passes `request` (whose body is `body`) on to `base` and answers with its answer.
    func forward(_ request: Request, body: ByteBuffer?, to base: String) async throws -> Response {
        var forwarded = HTTPClientRequest(url: base + request.uri.description)
        forwarded.method = HTTPMethod(rawValue: request.method.rawValue)
        for field in request.headers where Self.passedOn.contains(field.name) {
            forwarded.headers.add(name: field.name.rawName, value: field.value)
        }
        forwarded.headers.add(name: Self.forwardedHeader.rawName, value: directory.instance)
        if let body {
            forwarded.body = .bytes(body)
        }
        let answer: HTTPClientResponse
        do {
            answer = try await client.execute(forwarded, timeout: .seconds(30))
        } catch {
            throw Problem.unavailable("the instance serving this id (\(base)) did not answer: \(error)")
        }
        let bytes = try await answer.body.collect(upTo: 64 << 20)
        var headers = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name), Self.passedBack.contains(field) {
                headers.append(HTTPField(name: field, value: value))
            }
        }
        return Response(
            status: HTTPResponse.Status(code: Int(answer.status.code)), headers: headers,
            body: ResponseBody(byteBuffer: bytes))
    }

    /// `GET base + pathAndQuery` as this instance, with the caller's `authorization`; the body of a 200 answer.
    func fetch(_ base: String, _ pathAndQuery: String, authorization: String?) async throws -> ByteBuffer {
        var request = HTTPClientRequest(url: base + pathAndQuery)
        if let authorization {
            request.headers.add(name: "Authorization", value: authorization)
        }
        request.headers.add(name: Self.forwardedHeader.rawName, value: directory.instance)
        let answer: HTTPClientResponse
        do {
            answer = try await client.execute(request, timeout: .seconds(30))
        } catch {
            throw Problem.unavailable("the instance at \(base) did not answer: \(error)")
        }
        let body = try await answer.body.collect(upTo: 64 << 20)
        guard answer.status == .ok else {
            throw Problem.unavailable("the instance at \(base) answered \(answer.status.code) to \(pathAndQuery)")
        }
        return body
    }

    /// The live instances of the directory and which partitions nobody serves, for a listing over all partitions.
    func owners(of partitions: [Int32]) throws -> (local: [Int32], remote: [String: [Int32]]) {
        let served = Set(reader.partitions)
        var local: [Int32] = []
        var remote: [String: [Int32]] = [:]
        var unserved: [Int32] = []
        for partition in partitions {
            if served.contains(partition) {
                local.append(partition)
            } else if let owner = directory.owner(of: partition), owner.instance != directory.instance {
                remote[owner.api, default: []].append(partition)
            } else {
                unserved.append(partition)
            }
        }
        guard unserved.isEmpty else {
            throw Problem.unavailable(
                "no instance serves partitions \(unserved.map(String.init).joined(separator: ",")) right now (a "
                    + "rebalance or restore is under way)")
        }
        return (local, remote)
    }

    private static let passedOn: Set<HTTPField.Name> = [.authorization, .contentType, .accept, idempotencyKey]
    private static let passedBack: Set<HTTPField.Name> = [.contentType, .retryAfter, .wwwAuthenticate]
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!

    func shutdown() async {
        try? await client.shutdown()
    }
}
