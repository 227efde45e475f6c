public import KairosWire

/// Who may do what through the HTTP API.
public enum Role: String, Sendable, Hashable, CaseIterable, Comparable {
    /// Reads: schedules, events, dead letters, previews.
    case viewer
    /// Reads, and creates, replaces, cancels, pauses, resumes and triggers schedules.
    case `operator`
    /// Everything, dead-letter replay included.
    case admin

    private var rank: Int {
        switch self {
        case .viewer: 0
        case .operator: 1
        case .admin: 2
        }
    }

    public static func < (left: Role, right: Role) -> Bool { left.rank < right.rank }
}

/// A bearer token the API accepts, stored as the SHA-256 of the token (never the token itself).
public struct APIToken: Sendable, Hashable {
    public var role: Role
    /// SHA-256 of the token's UTF-8 bytes.
    public var digest: [UInt8]
    /// A name for the audit log (`token-1`, ... in configuration order).
    public var name: String

    public init(role: Role, digest: [UInt8], name: String) {
        self.role = role
        self.digest = digest
        self.name = name
    }
}

/// How JSON Web Tokens are checked.
public struct JWTSettings: Sendable, Hashable {
    /// HS256 shared secret.
    public var hmacSecret: String?
    /// PEM of the RS256 or ES256 public key.
    public var publicKeyPEM: String?
    /// The claim holding the role (`viewer`, `operator` or `admin`).
    public var roleClaim: String
    /// When set, the `iss` claim must be this.
    public var issuer: String?
    /// When set, the `aud` claim must contain this.
    public var audience: String?

    public init(
        hmacSecret: String? = nil, publicKeyPEM: String? = nil, roleClaim: String = "role", issuer: String? = nil,
        audience: String? = nil
    ) {
        self.hmacSecret = hmacSecret
        self.publicKeyPEM = publicKeyPEM
        self.roleClaim = roleClaim
        self.issuer = issuer
        self.audience = audience
    }

    public var isConfigured: Bool { hmacSecret != nil || publicKeyPEM != nil }
}

/// What the API server needs to know.
public struct APISettings: Sendable {
    /// Where it listens.
    public var host: String
    public var port: Int
    /// The base URL other instances reach this one at (requests for ids this instance does not own are passed on).
    public var advertisedURL: String?
    public var tokens: [APIToken]
    public var jwt: JWTSettings
    /// PEM files of the listener's certificate chain and key; both or neither.
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    /// Largest request body.
    public var maxBodyBytes: Int
    /// How long a write waits for the owner to apply it before answering 202.
    public var applyTimeoutMilliseconds: Int
    public var topics: KairosTopics
    /// The rule the instances place ids with.
    public var partitioner: HomePartition.Rule
    /// What a schedule may be (the scheduler's own rules): a body it would reject is refused before anything is written.
    public var policy: CommandPolicy
    /// This instance's id, for the directory of instances (a unique one is made up when nil).
    public var instanceID: String?

    public init(
        host: String, port: Int, advertisedURL: String? = nil, tokens: [APIToken] = [], jwt: JWTSettings = JWTSettings(),
        tlsCertificatePath: String? = nil, tlsKeyPath: String? = nil, maxBodyBytes: Int = 2 << 20,
        applyTimeoutMilliseconds: Int = 5_000, topics: KairosTopics, partitioner: HomePartition.Rule = .murmur2,
        policy: CommandPolicy, instanceID: String? = nil
    ) {
        self.host = host
        self.port = port
        self.advertisedURL = advertisedURL
        self.tokens = tokens
        self.jwt = jwt
        self.tlsCertificatePath = tlsCertificatePath
        self.tlsKeyPath = tlsKeyPath
        self.maxBodyBytes = maxBodyBytes
        self.applyTimeoutMilliseconds = applyTimeoutMilliseconds
        self.topics = topics
        self.partitioner = partitioner
        self.policy = policy
        self.instanceID = instanceID
    }

    /// Whether requests must authenticate: with neither tokens nor JWT configured, every caller is an admin, which is
    /// allowed only on a loopback address.
    public var requiresAuthentication: Bool { !tokens.isEmpty || jwt.isConfigured }

    /// Whether `host` only accepts connections from this machine.
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }
}
