public import Hummingbird

/// The request context of the API: who is asking, once authenticated.
public struct APIContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AuthenticationMiddleware`.
    public var principal: Principal?

    public init(source: Source) {
        coreContext = .init(source: source)
    }
}

/// Authenticates every request but the OpenAPI document's; refuses with 401 as problem+json.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let authenticator: Authenticator

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response)
        async throws -> Response
    {
        var context = context
        do {
            context.principal = try await authenticator.authenticate(request.headers[.authorization])
        } catch {
            return Problem(.unauthorized, "unauthorized", error.description).response
        }
        return try await next(request, context)
    }
}

extension APIContext {
    /// The principal, if it has at least `role`; else a 403 problem (401 if nobody authenticated).
    func require(_ role: Role) throws -> Principal {
        guard let principal else {
            throw Problem(.unauthorized, "unauthorized", "an Authorization: Bearer token is required")
        }
        guard principal.role >= role else {
            throw Problem(
                .forbidden, "forbidden",
                "\(principal.name) has role \(principal.role.rawValue); this needs \(role.rawValue)")
        }
        return principal
    }
}

/// Answers 405 (with `Allow`) for a method the document does not list on a path it does, instead of the router's 404.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = APIContext

    /// The methods of each path of the document; `*` stands for one path segment.
    static let methods: [(path: [String], allowed: [HTTPRequest.Method])] = [
        (["v1", "openapi.json"], [.get]),
        (["v1", "schedules"], [.get]),
        (["v1", "schedules", "*"], [.get, .put, .delete]),
        (["v1", "schedules", "*", "events"], [.get]),
        (["v1", "schedules", "*", "pause"], [.post]),
        (["v1", "schedules", "*", "resume"], [.post]),
        (["v1", "schedules", "*", "trigger"], [.post]),
        (["v1", "preview"], [.get]),
        (["v1", "dead-letters"], [.get]),
        (["v1", "dead-letters", "replay"], [.post]),
    ]

    /// The methods allowed on `path`, or nil for a path the API does not have.
    static func allowed(on path: String) -> [HTTPRequest.Method]? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var found: [HTTPRequest.Method]?
        for entry in methods where entry.path.count == segments.count {
            let matches = zip(entry.path, segments).allSatisfy { pattern, segment in pattern == "*" || pattern == segment }
            if matches { found = (found ?? []) + entry.allowed }
        }
        return found
    }

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response)
        async throws -> Response
    {
        if let allowed = Self.allowed(on: request.uri.path), !allowed.contains(request.method) {
            var response = Problem(
                .methodNotAllowed, "method-not-allowed",
                "\(request.method.rawValue) is not a method of \(request.uri.path); use "
                    + allowed.map(\.rawValue).joined(separator: ", ")
            ).response
            response.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
            return response
        }
        return try await next(request, context)
    }
}
