/// One configuration setting: its environment variable (also its key in a config file), its command-line flag,
/// its default and what it means. `Setting.all` is the single list of settings; the README's configuration
/// reference and `kairos --help` are written from it, and a `KAIROS_*` name that is not in it stops start-up.
public struct Setting: Sendable {
    public let environmentName: String
    public let flag: String
    public let defaultValue: String
    public let meaning: String

    init(_ environmentName: String, flag: String, default defaultValue: String, _ meaning: String) {
        self.environmentName = environmentName
        self.flag = flag
        self.defaultValue = defaultValue
        self.meaning = meaning
    }

    /// Every Kairos setting starts with this.
    public static let prefix = "KAIROS_"
    /// `KAIROS_KAFKA_<PROPERTY>` passes a librdkafka property through.
    public static let kafkaPropertyPrefix = "KAIROS_KAFKA_"

    /// Every setting of `kairos`, in the order the README lists them: the one list of settings, from which the
    /// README's configuration reference and `kairos --help` are written.
    public static let all: [Setting] = [
        Setting(
            "KAIROS_BOOTSTRAP_SERVERS", flag: "--bootstrap-servers", default: "(embedded)",
            "Kafka bootstrap servers, `host:port[,host:port]`. Empty starts an in-process embedded broker (memory only, for trying Kairos out) and writes its address to `<state dir>/embedded-bootstrap`."
        ),
        Setting(
            "KAIROS_GROUP_ID", flag: "--group-id", default: "kairos",
            "Consumer group of the Kairos instances. Instances with the same group share the partitions."),
        Setting(
            "KAIROS_TOPIC_PREFIX", flag: "--topic-prefix", default: "kairos",
            "Prefix of Kairos's topics: `<prefix>.commands`, `.changelog`, `.events`, `.dlq`, `.instances`."),
        Setting(
            "KAIROS_STATE_DIR", flag: "--state-dir", default: "./kairos-state",
            "Directory of the local RocksDB stores, one per owned partition (`<state dir>/<group>/<partition>/`)."),
        Setting(
            "KAIROS_INSTANCE_ID", flag: "--instance-id", default: "(none)",
            "Static group membership id (`group.instance.id`): a restarted instance gets its partitions back without a rebalance. Unique per instance."
        ),
        Setting(
            "KAIROS_DELIVERY_GUARANTEE", flag: "--delivery-guarantee", default: "exactly-once",
            "`exactly-once` (Kafka transactions) or `at-least-once` (idempotent producer, for brokers without transactions)."
        ),
        Setting(
            "KAIROS_PARTITIONS", flag: "--partitions", default: "12",
            "Partitions of `commands` and `changelog` when Kairos creates them (1-10000)."),
        Setting(
            "KAIROS_REPLICATION_FACTOR", flag: "--replication-factor", default: "-1",
            "Replication factor of the topics Kairos creates; -1 uses the broker default."),
        Setting(
            "KAIROS_COMMANDS_RETENTION_MS", flag: "--commands-retention-ms", default: "604800000",
            "Retention of `commands` when Kairos creates it; must cover the longest outage you want to survive."),
        Setting(
            "KAIROS_EMBEDDED_BROKERS", flag: "--embedded-brokers", default: "1",
            "Brokers of the embedded broker (1-9), when no bootstrap servers are set."),
        Setting(
            "KAIROS_ALLOWED_TARGETS", flag: "--allowed-targets", default: "*",
            "Comma-separated patterns (`*` matches any run of characters) a target topic must match. Kairos's own topics and `__*` topics are never allowed."
        ),
        Setting(
            "KAIROS_MAX_PAYLOAD_BYTES", flag: "--max-payload-bytes", default: "1048576",
            "Largest command payload accepted; larger commands go to the DLQ."),
        Setting(
            "KAIROS_MISFIRE_GRACE_MS", flag: "--misfire-grace-ms", default: "60000",
            "A recurring occurrence late by at most this much fires, late, and the following ones catch up in order. Older ones were missed (no instance owned the partition): by default they collapse into one late firing; with `kairos-misfire: skip` they are skipped."
        ),
        Setting(
            "KAIROS_PARTITIONER", flag: "--partitioner", default: "murmur2",
            "Which partition of `commands` a schedule id belongs to: `murmur2` (Kafka's Java client, python3-kafka, librdkafka's `murmur2_random`) or `crc32` (librdkafka's and kcat's default). A command written to another partition is forwarded there. Every instance, `kairosctl` and the API must use the same rule."
        ),
        Setting(
            "KAIROS_TRANSACTION_TIMEOUT_MS", flag: "--transaction-timeout-ms", default: "10000",
            "Exactly once: how long a transaction may stay open. It bounds how long a crashed instance's unfinished transaction holds back read_committed readers of the partitions it wrote (targets, changelog) on Apache Kafka; a restart with the same `KAIROS_INSTANCE_ID` ends it at once. Longer than a batch takes to commit (1000-900000)."
        ),
        Setting(
            "KAIROS_SESSION_TIMEOUT_MS", flag: "--session-timeout-ms", default: "10000",
            "How long the group waits for a silent instance before its partitions move: the hand-over time after a crash (plus a rejoin). Shorter hands over sooner but moves partitions on a long pause (GC, a stalled disk); the broker bounds it (`group.min.session.timeout.ms`, 6000 by default) (3000-300000)."
        ),
        Setting(
            "KAIROS_SHUTDOWN_DEADLINE_MS", flag: "--shutdown-deadline-ms", default: "10000",
            "Longest a graceful shutdown (SIGTERM/SIGINT) may take; past it the process exits with status 3 and the next owner redoes what was not committed."
        ),
        Setting(
            "KAIROS_RESTORE_BUFFER_RECORDS", flag: "--restore-buffer-records", default: "50000",
            "Changelog records a restore reads (over all the partitions it rebuilds) before writing them to the stores, the stores in parallel: more is faster and takes more memory, about 1 KiB per record of a 100-byte payload (1-10000000). The restore's Kafka client also prefetches up to 128 MiB of changelog."
        ),
        Setting(
            "KAIROS_ALLOWED_HTTP_HOSTS", flag: "--allowed-http-hosts", default: "(none)",
            "Comma-separated host patterns HTTP targets may name: `api.example.com`, `*.example.com` (any subdomain), `*` (any host). Empty: HTTP targets are refused."
        ),
        Setting(
            "KAIROS_HTTP_ALLOW_PRIVATE", flag: "--http-allow-private", default: "false",
            "`true` lets HTTP targets reach loopback, private, link-local and other non-public addresses (checked after DNS resolution). Keep `false` in production."
        ),
        Setting(
            "KAIROS_HTTP_TIMEOUT_MS", flag: "--http-timeout-ms", default: "10000",
            "Deadline of one HTTP delivery attempt (connect, send, answer); past it the attempt failed and is retried."),
        Setting(
            "KAIROS_HTTP_RETRY_MAX", flag: "--http-retry-max", default: "5",
            "Attempts of an HTTP delivery before it goes to the DLQ, when the command has no `kairos-retry-max` (1-100)."
        ),
        Setting(
            "KAIROS_HTTP_RETRY_BACKOFF_MS", flag: "--http-retry-backoff-ms", default: "1000",
            "First retry delay when the command has no `kairos-retry-backoff`; each later one doubles, with jitter."),
        Setting(
            "KAIROS_HTTP_RETRY_BACKOFF_MAX_MS", flag: "--http-retry-backoff-max-ms", default: "300000",
            "Ceiling of the retry delay (a longer `Retry-After` from the server is still honoured, up to a day)."),
        Setting(
            "KAIROS_HTTP_MAX_CONCURRENCY", flag: "--http-max-concurrency", default: "256",
            "HTTP requests in flight at once over all hosts."),
        Setting(
            "KAIROS_HTTP_MAX_PER_HOST", flag: "--http-max-per-host", default: "32",
            "HTTP requests in flight at once to one host (also its connection pool size), so one slow host cannot take all the capacity."
        ),
        Setting(
            "KAIROS_HTTP_BREAKER_WINDOW_MS", flag: "--http-breaker-window-ms", default: "10000",
            "The sliding window a host's circuit breaker measures the failure rate of its attempts over (1000-3600000). While the breaker is open its deliveries wait, without counting attempts."
        ),
        Setting(
            "KAIROS_HTTP_BREAKER_MIN_ATTEMPTS", flag: "--http-breaker-min-attempts", default: "20",
            "Attempts to a host the window must hold before its failure rate can open the breaker; also the weight of failures that opens a half-open breaker again (1-100000)."
        ),
        Setting(
            "KAIROS_HTTP_BREAKER_FAILURE_RATE", flag: "--http-breaker-failure-rate", default: "75",
            "Failure rate in percent that opens a host's breaker. An attempt without an answer (timeout, refused or reset connection) weighs 3, an error answer (5xx, 408, 429) or a success 1 (1-100)."
        ),
        Setting(
            "KAIROS_HTTP_BREAKER_OPEN_MS", flag: "--http-breaker-open-ms", default: "1000",
            "How long the first trip keeps a breaker open; each trip after it doubles the period, up to `KAIROS_HTTP_BREAKER_COOLDOWN_MS`, until the breaker stays closed for a whole window (100-3600000)."
        ),
        Setting(
            "KAIROS_HTTP_BREAKER_COOLDOWN_MS", flag: "--http-breaker-cooldown-ms", default: "30000",
            "The longest a breaker stays open (at least `KAIROS_HTTP_BREAKER_OPEN_MS`). Then it is half-open: 1 in 8, 1 in 4, then 1 in 2 of the host's deliveries go, each step after 2 successes, then it closes."
        ),
        Setting(
            "KAIROS_ADMIN_ADDRESS", flag: "--admin-address", default: "0.0.0.0:8080",
            "`host:port` of the HTTP server for `/health`, `/ready`, `/metrics` and the admin API (`/admin/status`); port 0 picks a free port; `off` disables it. The bound address is written to `<state dir>/admin-address`."
        ),
        Setting(
            "KAIROS_ADMIN_TOKEN", flag: "--admin-token", default: "(none)",
            "When set, the admin API requires `Authorization: Bearer <token>`. `/health` and `/ready` stay open for probes."
        ),
        Setting(
            "KAIROS_ADMIN_PROTECT_METRICS", flag: "--admin-protect-metrics", default: "false",
            "`true` makes `/metrics` require the admin token too."),
        Setting(
            "KAIROS_API_ADDRESS", flag: "--api-address", default: "127.0.0.1:8090",
            "`host:port` of the HTTP API (`/v1`); port 0 picks a free port; `off` disables it. Without `KAIROS_API_TOKENS` or a JWT key it serves every caller as an admin, so it refuses to start on any but a loopback address. The bound address is written to `<state dir>/api-address`."
        ),
        Setting(
            "KAIROS_API_ADVERTISED_URL", flag: "--api-advertised-url", default: "(derived)",
            "The base URL other instances reach this one's API at (a request for an id another instance owns is passed on to it), e.g. `https://kairos-2:8090`. By default the listener's host (this machine's name for a wildcard address) and port."
        ),
        Setting(
            "KAIROS_API_TOKENS", flag: "--api-tokens", default: "(none)",
            "Bearer tokens the API accepts, as comma-separated `ROLE:sha256:HEX` (the SHA-256 of the token, from `kairos token-hash TOKEN`; the token itself is never stored). Roles: `viewer` (reads), `operator` (writes schedules), `admin` (dead-letter replay too)."
        ),
        Setting(
            "KAIROS_API_JWT_SECRET", flag: "--api-jwt-secret", default: "(none)",
            "HS256 secret of JSON Web Tokens the API accepts; a token must carry `exp` and a role claim."
        ),
        Setting(
            "KAIROS_API_JWT_PUBLIC_KEY_FILE", flag: "--api-jwt-public-key-file", default: "(none)",
            "PEM file of the RS256 (RSA, 2048 bits or more) or ES256 (P-256) public key of JSON Web Tokens the API accepts."
        ),
        Setting(
            "KAIROS_API_JWT_ROLE_CLAIM", flag: "--api-jwt-role-claim", default: "role",
            "The JWT claim that holds the role: `viewer`, `operator` or `admin`."
        ),
        Setting(
            "KAIROS_API_JWT_ISSUER", flag: "--api-jwt-issuer", default: "(any)",
            "When set, a JWT's `iss` must be this."
        ),
        Setting(
            "KAIROS_API_JWT_AUDIENCE", flag: "--api-jwt-audience", default: "(any)",
            "When set, a JWT's `aud` must include this."
        ),
        Setting(
            "KAIROS_API_TLS_CERT_FILE", flag: "--api-tls-cert-file", default: "(none)",
            "PEM certificate chain of the API listener: with `KAIROS_API_TLS_KEY_FILE` the API serves HTTPS only."
        ),
        Setting(
            "KAIROS_API_TLS_KEY_FILE", flag: "--api-tls-key-file", default: "(none)",
            "PEM private key of the API listener."
        ),
        Setting(
            "KAIROS_API_MAX_BODY_BYTES", flag: "--api-max-body-bytes", default: "2097152",
            "Largest request body the API reads; larger ones get 413 (1024-104857600)."
        ),
        Setting(
            "KAIROS_API_APPLY_TIMEOUT_MS", flag: "--api-apply-timeout-ms", default: "5000",
            "How long a write waits for the owning instance to apply its command before answering 202 Accepted instead of the stored schedule (10-60000)."
        ),
        Setting(
            "KAIROS_LOG_LEVEL", flag: "--log-level", default: "info",
            "`trace`, `debug`, `info`, `notice`, `warning`, `error` or `critical`."),
        Setting(
            "KAIROS_LOG_FORMAT", flag: "--log-format", default: "text",
            "`text` (one `key=value` line per event) or `json` (one JSON object per line)."),
        Setting(
            "KAIROS_KAFKA_<PROPERTY>", flag: "--kafka-property NAME=VALUE", default: "",
            "Any librdkafka property for all of Kairos's Kafka clients, e.g. `KAIROS_KAFKA_SECURITY_PROTOCOL=SASL_SSL` sets `security.protocol` (`_` becomes `.`, lower case). The flag may repeat."
        ),
        Setting(
            "KAIROS_CONFIG_FILE", flag: "--config", default: "(none)",
            "A file of `KAIROS_*=value` lines (`#` starts a comment) read before the environment and flags."),
    ]

    /// The names `KAIROS_*` settings may have.
    public static let names: Set<String> = Set(all.map(\.environmentName)).subtracting(["KAIROS_KAFKA_<PROPERTY>"])

    /// Settings Kairos had and replaced, with their flags and what to set instead. Naming one stops start-up with
    /// that explanation, instead of its value being ignored.
    public static let retired: [(environmentName: String, flag: String, instead: String)] = [
        (
            "KAIROS_HTTP_BREAKER_FAILURES", "--http-breaker-failures",
            "the circuit breaker no longer counts consecutive failures but opens on a failure rate: set KAIROS_HTTP_BREAKER_MIN_ATTEMPTS and KAIROS_HTTP_BREAKER_FAILURE_RATE instead"
        )
    ]

    /// Why the retired setting or flag `name` (from `source`) is refused, or nil when it is not a retired one.
    public static func retirement(of name: String, source: String) -> String? {
        guard let entry = retired.first(where: { $0.environmentName == name || $0.flag == name }) else { return nil }
        return "\(name) (\(source)) is no longer a Kairos setting: \(entry.instead)"
    }

    /// Why `name` (from `source`, e.g. "environment" or "config file x") is not a setting, naming the closest one;
    /// nil when it is one, or a `KAIROS_KAFKA_*` pass-through.
    public static func refusal(of name: String, source: String) -> String? {
        guard !names.contains(name), !name.hasPrefix(kafkaPropertyPrefix) else { return nil }
        if let retirement = retirement(of: name, source: source) {
            return retirement
        }
        var message = "\(name) (\(source)) is not a Kairos setting"
        if let closest = closest(to: name) {
            message += "; did you mean \(closest)?"
        }
        return message + " (`kairos --help` lists them)"
    }

    /// Refuses the first `KAIROS_*` variable of `environment` that is not a setting (sorted, so the message is the
    /// same every time).
    public static func checkEnvironment(_ environment: [String: String]) throws(ConfigurationError) {
        for name in environment.keys.sorted() where name.hasPrefix(prefix) {
            if let refusal = refusal(of: name, source: "environment") {
                throw ConfigurationError(refusal)
            }
        }
    }

    /// The setting whose name is closest to `name` (fewest single-character edits), if one is close enough to be a
    /// plausible typo: at most a third of the name's length.
    static func closest(to name: String) -> String? {
        let scored = names.map { ($0, editDistance(name, $0)) }.min { ($0.1, $0.0) < ($1.1, $1.0) }
        guard let (best, distance) = scored, distance <= max(2, name.count / 3) else { return nil }
        return best
    }

    /// Levenshtein distance between two strings, over their characters.
    static func editDistance(_ left: String, _ right: String) -> Int {
        let a = Array(left)
        let b = Array(right)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}

/// A setting that could not be used; the message names the setting, the value and what is expected.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
