import Crypto
import Foundation
import JWTKit
import Testing

@testable import KairosAPI
import TestThreads

@Suite(.ownThreads) struct AuthenticatorTests {
    /// Claims a test signs: any of them may be left out.
    struct TestClaims: JWTPayload {
        var sub: String?
        var role: String?
        var exp: Double?
        var nbf: Double?
        var iss: String?
        var aud: [String]?

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    static let secret = "a-secret-of-at-least-thirty-two-bytes"
    let now = Date().timeIntervalSince1970

    private func signedHS256(_ claims: TestClaims, secret: String = Self.secret) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        return try await keys.sign(claims)
    }

    private func failure(_ authenticator: Authenticator, _ header: String?) async -> Authenticator.Failure? {
        do {
            _ = try await authenticator.authenticate(header)
            return nil
        } catch {
            return error
        }
    }

    @Test func configuredTokensAreMatchedByTheirDigestAndCarryTheirRole() async throws {
        let tokens = [
            APIToken(role: .viewer, digest: Array(SHA256.hash(data: Array("v-token".utf8))), name: "token-1"),
            APIToken(role: .admin, digest: Array(SHA256.hash(data: Array("a-token".utf8))), name: "token-2"),
        ]
        let authenticator = try await Authenticator(tokens: tokens, jwt: JWTSettings())
        #expect(!authenticator.isOpen)
        #expect(try await authenticator.authenticate("Bearer v-token") == Principal(name: "token-1", role: .viewer))
        #expect(try await authenticator.authenticate("bearer a-token").role == .admin)
        #expect(await failure(authenticator, nil) == .missing)
        #expect(await failure(authenticator, "Basic dXNlcjpwYXNz") == .malformed)
        #expect(await failure(authenticator, "Bearer v-token2") == .unknownToken)
        #expect(await failure(authenticator, "Bearer ") == .malformed)
        #expect(Authenticator.digestHex(of: "v-token") == tokens[0].digest.map { String(format: "%02x", $0) }.joined())
    }

    @Test func withNothingConfiguredEveryCallerIsAnAdmin() async throws {
        let authenticator = try await Authenticator(tokens: [], jwt: JWTSettings())
        #expect(authenticator.isOpen)
        #expect(try await authenticator.authenticate(nil).role == .admin)
    }

    @Test func anHS256TokenMustVerifyNotBeExpiredAndNameARole() async throws {
        let authenticator = try await Authenticator(tokens: [], jwt: JWTSettings(hmacSecret: Self.secret))
        let good = try await signedHS256(TestClaims(sub: "ci-bot", role: "operator", exp: now + 60))
        #expect(try await authenticator.authenticate("Bearer \(good)") == Principal(name: "ci-bot", role: .operator))

        let expired = try await signedHS256(TestClaims(role: "operator", exp: now - 1))
        #expect(await failure(authenticator, "Bearer \(expired)") == .invalidJWT("it has expired"))
        let forever = try await signedHS256(TestClaims(role: "operator"))
        #expect(await failure(authenticator, "Bearer \(forever)") != nil, "a token without exp is refused")
        let early = try await signedHS256(TestClaims(role: "viewer", exp: now + 600, nbf: now + 300))
        #expect(await failure(authenticator, "Bearer \(early)") != nil)
        let otherKey = try await signedHS256(
            TestClaims(role: "admin", exp: now + 60), secret: "another-secret-of-thirty-two-bytes!")
        #expect(await failure(authenticator, "Bearer \(otherKey)") == .invalidJWT("its signature does not verify"))
        let noRole = try await signedHS256(TestClaims(exp: now + 60))
        #expect(await failure(authenticator, "Bearer \(noRole)") != nil)
        let badRole = try await signedHS256(TestClaims(role: "root", exp: now + 60))
        #expect(await failure(authenticator, "Bearer \(badRole)") != nil)
    }

    @Test func issuerAudienceAndTheRoleClaimAreAsConfigured() async throws {
        let authenticator = try await Authenticator(
            tokens: [],
            jwt: JWTSettings(hmacSecret: Self.secret, roleClaim: "sub", issuer: "idp", audience: "kairos"))
        let good = try await signedHS256(
            TestClaims(sub: "viewer", exp: now + 60, iss: "idp", aud: ["other", "kairos"]))
        #expect(try await authenticator.authenticate("Bearer \(good)").role == .viewer)
        let wrongIssuer = try await signedHS256(TestClaims(sub: "viewer", exp: now + 60, iss: "evil", aud: ["kairos"]))
        #expect(await failure(authenticator, "Bearer \(wrongIssuer)") == .invalidJWT("its issuer is not idp"))
        let wrongAudience = try await signedHS256(TestClaims(sub: "viewer", exp: now + 60, iss: "idp", aud: ["x"]))
        #expect(await failure(authenticator, "Bearer \(wrongAudience)") != nil)
    }

    @Test func anES256TokenVerifiesWithTheConfiguredPublicKey() async throws {
        let privateKey = P256.Signing.PrivateKey()
        let authenticator = try await Authenticator(
            tokens: [], jwt: JWTSettings(publicKeyPEM: privateKey.publicKey.pemRepresentation))
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: try ES256PrivateKey(pem: privateKey.pemRepresentation))
        let token = try await keys.sign(TestClaims(role: "admin", exp: now + 60))
        #expect(try await authenticator.authenticate("Bearer \(token)").role == .admin)
        let hmac = try await signedHS256(TestClaims(role: "admin", exp: now + 60))
        #expect(await failure(authenticator, "Bearer \(hmac)") != nil, "an HS256 token is not accepted for ES256")
    }
}
