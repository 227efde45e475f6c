public import KairosAPI
import KairosEngine
import KairosSettings

/// The HTTP API's own settings (`KAIROS_API_*`); the rest it shares with the scheduler.
public struct APIConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var advertisedURL: String?
    public var tokens: [APIToken]
    public var jwt: JWTSettings
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    public var maxBodyBytes: Int
    public var applyTimeoutMilliseconds: Int

    /// Reads the settings; nil when the API is off. Refuses an API that would serve every caller as an admin
    /// (no tokens, no JWT key) on an address other machines can reach.
    init?(_ settings: SettingValues) throws {
        guard let (host, port) = try settings.address("KAIROS_API_ADDRESS", "127.0.0.1:8090") else { return nil }
        self.host = host
        self.port = port
        advertisedURL = settings.value("KAIROS_API_ADVERTISED_URL")
        if let url = advertisedURL, !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            throw ConfigurationError("KAIROS_API_ADVERTISED_URL: '\(url)' is not an http:// or https:// URL")
        }
        tokens = try Self.tokens(settings.value("KAIROS_API_TOKENS") ?? "")
        jwt = JWTSettings(
            hmacSecret: settings.value("KAIROS_API_JWT_SECRET"),
            publicKeyPEM: try settings.file("KAIROS_API_JWT_PUBLIC_KEY_FILE"),
            roleClaim: settings.value("KAIROS_API_JWT_ROLE_CLAIM") ?? "role",
            issuer: settings.value("KAIROS_API_JWT_ISSUER"), audience: settings.value("KAIROS_API_JWT_AUDIENCE"))
        if let secret = jwt.hmacSecret, secret.utf8.count < 32 {
            throw ConfigurationError("KAIROS_API_JWT_SECRET: an HS256 secret must be at least 32 bytes")
        }
        tlsCertificatePath = settings.value("KAIROS_API_TLS_CERT_FILE")
        tlsKeyPath = settings.value("KAIROS_API_TLS_KEY_FILE")
        if (tlsCertificatePath == nil) != (tlsKeyPath == nil) {
            throw ConfigurationError("KAIROS_API_TLS_CERT_FILE and KAIROS_API_TLS_KEY_FILE go together: give both or neither")
        }
        maxBodyBytes = try settings.integer("KAIROS_API_MAX_BODY_BYTES", 2_097_152, 1_024...104_857_600)
        applyTimeoutMilliseconds = try settings.integer("KAIROS_API_APPLY_TIMEOUT_MS", 5_000, 10...60_000)
        if tokens.isEmpty && !jwt.isConfigured && !APISettings.isLoopback(host) {
            throw ConfigurationError(
                "KAIROS_API_ADDRESS: the API would serve every caller as an admin on \(host):\(port); set "
                    + "KAIROS_API_TOKENS (or a JWT key) to serve on an address other machines reach, or bind it to "
                    + "127.0.0.1")
        }
    }

    /// `ROLE:sha256:HEX,...`.
    static func tokens(_ text: String) throws -> [APIToken] {
        var tokens: [APIToken] = []
        for (index, entry) in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }).enumerated()
        where !entry.isEmpty {
            let parts = entry.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3, let role = Role(rawValue: parts[0].lowercased()), parts[1].lowercased() == "sha256",
                parts[2].count == 64, let digest = hexBytes(parts[2])
            else {
                throw ConfigurationError(
                    "KAIROS_API_TOKENS: entry \(index + 1) is not ROLE:sha256:HEX with ROLE one of viewer, operator, "
                        + "admin and the 64 hex digits of the token's SHA-256 (`kairos token-hash TOKEN` prints it)")
            }
            tokens.append(APIToken(role: role, digest: digest, name: "token-\(index + 1)"))
        }
        return tokens
    }

    private static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.lowercased().utf8)
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else {
                return nil
            }
            bytes.append(byte)
        }
        return bytes
    }
}

extension APISettings {
    /// The API's settings: its own, and what it shares with the scheduler (topics, partitioner, command policy).
    init(_ configuration: KairosConfiguration, _ api: APIConfiguration) {
        self.init(
            host: api.host, port: api.port, advertisedURL: api.advertisedURL, tokens: api.tokens, jwt: api.jwt,
            tlsCertificatePath: api.tlsCertificatePath, tlsKeyPath: api.tlsKeyPath, maxBodyBytes: api.maxBodyBytes,
            applyTimeoutMilliseconds: api.applyTimeoutMilliseconds, topics: configuration.topics,
            partitioner: configuration.partitioner,
            policy: EngineSettings(configuration, commandPartitions: 1).commandPolicy,
            instanceID: configuration.instanceID)
    }
}
