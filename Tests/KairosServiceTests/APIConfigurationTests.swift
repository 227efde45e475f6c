import Foundation
import KairosAPI
import KairosService
import Testing

@Suite struct APIConfigurationTests {
    private func load(_ environment: [String: String]) throws -> KairosConfiguration {
        try KairosConfiguration.load(arguments: [], environment: environment)
    }

    /// The message of the refusal of `environment`, or nil when it loads.
    private func refusal(_ environment: [String: String]) -> String? {
        do {
            _ = try load(environment)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func byDefaultTheAPIServesOnLoopbackOnly() throws {
        let api = try #require(try load([:]).api)
        #expect(api.host == "127.0.0.1" && api.port == 8090)
        #expect(api.tokens.isEmpty && !api.jwt.isConfigured)
        #expect(try load(["KAIROS_API_ADDRESS": "off"]).api == nil)
    }

    @Test func anAPIWithoutCredentialsOnAnAddressOthersReachStopsStartUp() throws {
        let message = try #require(refusal(["KAIROS_API_ADDRESS": "0.0.0.0:8090"]))
        #expect(message.contains("KAIROS_API_ADDRESS") && message.contains("KAIROS_API_TOKENS"))
        #expect(refusal(["KAIROS_API_ADDRESS": "[::1]:8090"]) == nil)
        let digest = KairosService.tokenDigest("a-token")
        let api = try #require(
            try load(["KAIROS_API_ADDRESS": "0.0.0.0:8090", "KAIROS_API_TOKENS": "operator:\(digest)"]).api)
        #expect(api.tokens.map(\.role) == [.operator])
        #expect(digest == "sha256:" + Authenticator.digestHex(of: "a-token") && digest.count == 71)
    }

    @Test func badAPISettingsAreRefusedByName() throws {
        let cases: [([String: String], String)] = [
            (["KAIROS_API_TOKENS": "boss:sha256:00"], "KAIROS_API_TOKENS"),
            (["KAIROS_API_TOKENS": "viewer:" + String(repeating: "a", count: 64)], "KAIROS_API_TOKENS"),
            (["KAIROS_API_JWT_SECRET": "short"], "KAIROS_API_JWT_SECRET"),
            (["KAIROS_API_TLS_CERT_FILE": "/tmp/cert.pem"], "KAIROS_API_TLS_KEY_FILE"),
            (["KAIROS_API_ADVERTISED_URL": "kairos-2:8090"], "KAIROS_API_ADVERTISED_URL"),
            (["KAIROS_API_MAX_BODY_BYTES": "10"], "KAIROS_API_MAX_BODY_BYTES"),
            (["KAIROS_API_APPLY_TIMEOUT_MS": "soon"], "KAIROS_API_APPLY_TIMEOUT_MS"),
            (["KAIROS_API_ADDRESS": "localhost"], "KAIROS_API_ADDRESS"),
            (["KAIROS_API_JWT_PUBLIC_KEY_FILE": "/nonexistent/key.pem"], "KAIROS_API_JWT_PUBLIC_KEY_FILE"),
            (["KAIROS_API_TOKEN": "x"], "KAIROS_API_TOKENS"),
        ]
        for (environment, name) in cases {
            let message = refusal(environment)
            #expect(message?.contains(name) == true, "\(environment): \(message ?? "accepted")")
        }
    }
}
