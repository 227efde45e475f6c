import Crypto
import Foundation
import JWTKit

/// Who made a request.
public struct Principal: Sendable, Hashable {
    /// For the audit log: a configured token's name, or the JWT's `sub`.
    public var name: String
    public var role: Role
}

/// Checks `Authorization: Bearer <token>`: a configured token (compared by its SHA-256, in constant time) or a JSON
/// Web Token signed with the configured key, carrying a role claim and not expired.
public struct Authenticator: Sendable {
    /// Why a request is refused.
    public enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        case missing
        case malformed
        case unknownToken
        case invalidJWT(String)

        public var description: String {
            switch self {
            case .missing: "an Authorization: Bearer token is required"
            case .malformed: "the Authorization header is not 'Bearer <token>'"
            case .unknownToken: "the token is not valid"
            case .invalidJWT(let reason): "the token is not valid: \(reason)"
            }
        }
    }

    private let tokens: [APIToken]
    private let jwt: JWTSettings
    private let keys: JWTKeyCollection?

    public init(tokens: [APIToken], jwt: JWTSettings) async throws {
        self.tokens = tokens
        self.jwt = jwt
        guard jwt.isConfigured else {
            keys = nil
            return
        }
        let keys = JWTKeyCollection()
        if let secret = jwt.hmacSecret {
            await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        }
        if let pem = jwt.publicKeyPEM {
            if let rsa = try? Insecure.RSA.PublicKey(pem: pem) {
                await keys.add(rsa: rsa, digestAlgorithm: .sha256)
            } else {
                await keys.add(ecdsa: try ES256PublicKey(pem: pem))
            }
        }
        self.keys = keys
    }

    /// Whether anything is configured; without it every caller is an admin (loopback only).
    public var isOpen: Bool { tokens.isEmpty && keys == nil }

    /// The principal behind `authorization` (the header's value).
    public func authenticate(_ authorization: String?) async throws(Failure) -> Principal {
        if isOpen {
            return Principal(name: "anonymous", role: .admin)
        }
        guard let authorization, !authorization.isEmpty else { throw .missing }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty else { throw .malformed }
        let token = String(parts[1])
        let digest = Array(SHA256.hash(data: Array(token.utf8)))
        var match: APIToken?
        // Every configured token is compared in full, so the time taken says nothing about which one or how much
        // of it matched.
        for candidate in tokens where Self.constantTimeEqual(candidate.digest, digest) {
            match = candidate
        }
        if let match {
            return Principal(name: match.name, role: match.role)
        }
        guard let keys, token.split(separator: ".").count == 3 else { throw .unknownToken }
        let claims: Claims
        do {
            claims = try await keys.verify(token, as: Claims.self)
        } catch {
            throw .invalidJWT(Self.reason(error))
        }
        guard let text = claims.string(jwt.roleClaim), let role = Role(rawValue: text) else {
            throw .invalidJWT("its '\(jwt.roleClaim)' claim is not one of viewer, operator, admin")
        }
        if let issuer = jwt.issuer, claims.string("iss") != issuer {
            throw .invalidJWT("its issuer is not \(issuer)")
        }
        if let audience = jwt.audience, !claims.audiences.contains(audience) {
            throw .invalidJWT("its audience does not include \(audience)")
        }
        return Principal(name: claims.string("sub") ?? "jwt", role: role)
    }

    private static func reason(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("expired") { return "it has expired" }
        if text.contains("signature") { return "its signature does not verify" }
        return "it cannot be verified"
    }

    static func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices {
            difference |= left[index] ^ right[index]
        }
        return difference == 0
    }

    /// The SHA-256 of a token, as `KAIROS_API_TOKENS` stores it (hex).
    public static func digestHex(of token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// A JWT's claims, as given: `exp` and `nbf` are checked here, the role claim by name.
struct Claims: JWTPayload {
    var values: [String: ClaimValue]

    enum ClaimValue: Codable, Sendable {
        case string(String)
        case number(Double)
        case strings([String])
        case other

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .string(text)
            } else if let number = try? container.decode(Double.self) {
                self = .number(number)
            } else if let list = try? container.decode([String].self) {
                self = .strings(list)
            } else {
                self = .other
            }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .string(let text): try container.encode(text)
            case .number(let number): try container.encode(number)
            case .strings(let list): try container.encode(list)
            case .other: try container.encodeNil()
            }
        }
    }

    init(from decoder: any Decoder) throws {
        values = try decoder.singleValueContainer().decode([String: ClaimValue].self)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(values)
    }

    func string(_ name: String) -> String? {
        if case .string(let text) = values[name] { return text }
        return nil
    }

    var audiences: [String] {
        switch values["aud"] {
        case .string(let one): [one]
        case .strings(let many): many
        default: []
        }
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {
        let now = Date().timeIntervalSince1970
        guard case .number(let expires) = values["exp"] else {
            throw JWTError.claimVerificationFailure(failedClaim: nil, reason: "no exp claim: a token must expire")
        }
        guard now < expires else {
            throw JWTError.claimVerificationFailure(failedClaim: nil, reason: "expired")
        }
        if case .number(let notBefore) = values["nbf"], now < notBefore {
            throw JWTError.claimVerificationFailure(failedClaim: nil, reason: "not valid yet")
        }
    }
}
