import Foundation
public import KairosEngine
public import KairosSettings
public import KairosWire

/// Everything Kairos needs to start, read from flags, environment variables and an optional config file
/// (in that order of precedence), with defaults for the rest.
public struct KairosConfiguration: Sendable {
    /// Kafka bootstrap servers; nil starts the embedded broker.
    public var bootstrapServers: String?
    public var groupID: String
    public var topicPrefix: String
    public var stateDirectory: String
    /// Static group membership id (`group.instance.id`), so a restarted instance gets its partitions back.
    public var instanceID: String?
    public var deliveryGuarantee: DeliveryGuarantee
    /// Partitions of `commands` and `changelog` when Kairos creates them.
    public var partitions: Int32
    /// Replication factor of the topics Kairos creates; -1 leaves it to the broker.
    public var replicationFactor: Int32
    public var commandsRetentionMilliseconds: Int64
    public var embeddedBrokers: Int
    public var logLevel: String
    public var logFormat: String
    /// Extra librdkafka properties for every client (SASL, SSL, ...).
    public var kafkaProperties: [String: String]
    /// Patterns a Kafka target topic must match (`*` wildcards).
    public var allowedTargets: [String]
    /// Largest payload accepted in a command, in bytes.
    public var maxPayloadBytes: Int
    /// Occurrences late by more than this were missed (see the misfire policies).
    public var misfireGraceMilliseconds: Int64
    /// How long shutdown may take to finish in-flight work before it gives up on it.
    public var shutdownDeadlineMilliseconds: Int
    /// Changelog records a restore reads before it writes them to the stores.
    public var restoreBufferRecords: Int
    /// Which partition of `commands` an id belongs to.
    public var partitioner: HomePartition.Rule
    /// How long an exactly-once transaction may stay open.
    public var transactionTimeoutMilliseconds: Int
    /// The consumer group's session timeout.
    public var sessionTimeoutMilliseconds: Int
    /// Host patterns HTTP targets may name (`*.example.com`); empty allows no HTTP target.
    public var allowedHTTPHosts: [String]
    /// Whether HTTP targets may reach loopback, private and link-local addresses.
    public var httpAllowPrivate: Bool
    public var httpTimeoutMilliseconds: Int64
    public var httpRetryMax: Int
    public var httpRetryBackoffMilliseconds: Int64
    public var httpRetryBackoffMaxMilliseconds: Int64
    public var httpMaxConcurrency: Int
    public var httpMaxPerHost: Int
    /// The sliding window a host's breaker measures its failure rate over.
    public var httpBreakerWindowMilliseconds: Int64
    /// Attempts the window must hold before the rate can open a breaker.
    public var httpBreakerMinAttempts: Int
    /// Weighted failure rate, in percent, that opens a breaker.
    public var httpBreakerFailureRatePercent: Int
    /// The first open period; repeated trips double it up to the cool-down.
    public var httpBreakerOpenMilliseconds: Int64
    /// The longest open period.
    public var httpBreakerCoolDownMilliseconds: Int64
    /// Where the admin HTTP server listens (host, port); nil when it is off. Port 0 picks a free port.
    public var adminAddress: (host: String, port: Int)?
    /// Bearer token the admin API requires, if any.
    public var adminToken: String?
    /// Whether `/metrics` requires the admin token too.
    public var adminProtectsMetrics: Bool
    /// The HTTP API's settings but those of the scheduler it shares; nil when it is off.
    public var api: APIConfiguration?

    /// Kairos's topics: `<prefix>.commands`, `.changelog`, `.events`, `.dlq`.
    public var topics: KairosTopics { KairosTopics(prefix: topicPrefix) }

    /// The settings, in the order the README lists them.
    public static var settings: [Setting] { Setting.all }

    /// Reads the configuration. Precedence: flags, then environment, then the config file, then defaults.
    /// Throws a `ConfigurationError` naming the first bad setting.
    public static func load(arguments: [String], environment: [String: String]) throws -> KairosConfiguration {
        let flagValues = try parseFlags(arguments)
        var values: [String: String] = [:]
        var kafkaProperties: [String: String] = [:]

        let configFile = flagValues.values["KAIROS_CONFIG_FILE"] ?? environment["KAIROS_CONFIG_FILE"]
        if let configFile, !configFile.isEmpty {
            for (key, value) in try readConfigFile(configFile) {
                try absorb(key: key, value: value, source: "config file \(configFile)", into: &values, &kafkaProperties)
            }
        }
        // A misspelt name would otherwise be ignored, and its default used without a word.
        try Setting.checkEnvironment(environment)
        for (key, value) in environment where key.hasPrefix(Setting.prefix) && key != "KAIROS_CONFIG_FILE" {
            try absorb(key: key, value: value, source: "environment", into: &values, &kafkaProperties)
        }
        for (key, value) in flagValues.values {
            values[key] = value
        }
        for (name, value) in flagValues.kafkaProperties {
            kafkaProperties[name] = value
        }
        return try KairosConfiguration(values: values, kafkaProperties: kafkaProperties)
    }

    private static func absorb(
        key: String, value: String, source: String,
        into values: inout [String: String], _ kafkaProperties: inout [String: String]
    ) throws {
        if key.hasPrefix("KAIROS_KAFKA_") {
            let property = key.dropFirst("KAIROS_KAFKA_".count).lowercased().replacingOccurrences(of: "_", with: ".")
            guard !property.isEmpty else {
                throw ConfigurationError("\(key) (\(source)): name a librdkafka property after KAIROS_KAFKA_")
            }
            kafkaProperties[property] = value
        } else if let refusal = Setting.refusal(of: key, source: source) {
            throw ConfigurationError(refusal)
        } else {
            values[key] = value
        }
    }

    private static func readConfigFile(_ path: String) throws -> [(String, String)] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw ConfigurationError("KAIROS_CONFIG_FILE: cannot read '\(path)' as a UTF-8 text file")
        }
        var pairs: [(String, String)] = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw ConfigurationError("KAIROS_CONFIG_FILE \(path):\(number + 1): expected KAIROS_NAME=value, got '\(line)'")
            }
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.first == "\"", value.last == "\"" {
                value = String(value.dropFirst().dropLast())
            }
            pairs.append((line[..<equals].trimmingCharacters(in: .whitespaces), value))
        }
        return pairs
    }

    private struct FlagValues {
        var values: [String: String] = [:]
        var kafkaProperties: [String: String] = [:]
    }

    private static func parseFlags(_ arguments: [String]) throws -> FlagValues {
        let byFlag = Dictionary(uniqueKeysWithValues: settings.map { ($0.flag.split(separator: " ")[0], $0) })
        var result = FlagValues()
        var index = 0
        while index < arguments.count {
            var flag = arguments[index]
            var value: String?
            if let equals = flag.firstIndex(of: "="), flag.hasPrefix("--") {
                value = String(flag[flag.index(after: equals)...])
                flag = String(flag[..<equals])
            }
            guard let setting = byFlag[Substring(flag)] else {
                if let retirement = Setting.retirement(of: flag, source: "command line") {
                    throw ConfigurationError(retirement)
                }
                throw ConfigurationError("unknown option '\(arguments[index])'; see `kairos --help`")
            }
            if value == nil {
                index += 1
                guard index < arguments.count else {
                    throw ConfigurationError("\(flag) needs a value")
                }
                value = arguments[index]
            }
            let given = value ?? ""
            if flag == "--kafka-property" {
                guard let equals = given.firstIndex(of: "="), equals != given.startIndex else {
                    throw ConfigurationError("--kafka-property: expected NAME=VALUE, got '\(given)'")
                }
                result.kafkaProperties[String(given[..<equals])] = String(given[given.index(after: equals)...])
            } else {
                result.values[setting.environmentName] = given
            }
            index += 1
        }
        return result
    }

    /// Validates every value; each error names its setting.
    init(values: [String: String], kafkaProperties: [String: String]) throws {
        let settings = SettingValues(values)
        func value(_ name: String) -> String? { settings.value(name) }
        func integer<T: FixedWidthInteger>(_ name: String, _ fallback: T, _ range: ClosedRange<T>) throws -> T {
            try settings.integer(name, fallback, range)
        }
        func choice(_ name: String, _ fallback: String, _ allowed: [String]) throws -> String {
            try settings.choice(name, fallback, allowed)
        }

        bootstrapServers = value("KAIROS_BOOTSTRAP_SERVERS")
        if let servers = bootstrapServers {
            for server in servers.split(separator: ",", omittingEmptySubsequences: false) {
                let trimmed = server.trimmingCharacters(in: .whitespaces)
                guard let colon = trimmed.lastIndex(of: ":"), colon != trimmed.startIndex,
                    let port = Int(trimmed[trimmed.index(after: colon)...]), (1...65535).contains(port)
                else {
                    throw ConfigurationError(
                        "KAIROS_BOOTSTRAP_SERVERS: '\(trimmed)' is not host:port (in '\(servers)')")
                }
            }
        }
        groupID = value("KAIROS_GROUP_ID") ?? "kairos"
        topicPrefix = value("KAIROS_TOPIC_PREFIX") ?? "kairos"
        let topicCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard topicPrefix.allSatisfy(topicCharacters.contains), topicPrefix.count <= 200,
            !topicPrefix.hasPrefix("__"), topicPrefix != ".", topicPrefix != ".."
        else {
            throw ConfigurationError(
                "KAIROS_TOPIC_PREFIX: '\(topicPrefix)' must be 1-200 of [a-zA-Z0-9._-] and not start with '__'")
        }
        guard !groupID.contains(where: { $0 == "/" || $0.isNewline }) else {
            throw ConfigurationError("KAIROS_GROUP_ID: '\(groupID)' must not contain '/' (it names a state directory)")
        }
        stateDirectory = value("KAIROS_STATE_DIR") ?? "./kairos-state"
        instanceID = value("KAIROS_INSTANCE_ID")
        deliveryGuarantee =
            DeliveryGuarantee(
                rawValue: try choice(
                    "KAIROS_DELIVERY_GUARANTEE", "exactly-once", DeliveryGuarantee.allCases.map(\.rawValue))
            ) ?? .exactlyOnce
        partitions = try integer("KAIROS_PARTITIONS", 12, 1...10_000)
        replicationFactor = try integer("KAIROS_REPLICATION_FACTOR", -1, -1...32)
        if replicationFactor == 0 {
            throw ConfigurationError("KAIROS_REPLICATION_FACTOR: 0 is not a replication factor; use -1 or 1...32")
        }
        commandsRetentionMilliseconds = try integer(
            "KAIROS_COMMANDS_RETENTION_MS", 604_800_000, 60_000...Int64.max)
        embeddedBrokers = try integer("KAIROS_EMBEDDED_BROKERS", 1, 1...9)
        allowedTargets = (value("KAIROS_ALLOWED_TARGETS") ?? "*").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if allowedTargets.isEmpty {
            throw ConfigurationError("KAIROS_ALLOWED_TARGETS: give at least one pattern (`*` allows every topic)")
        }
        maxPayloadBytes = try integer("KAIROS_MAX_PAYLOAD_BYTES", 1_048_576, 0...100_000_000)
        misfireGraceMilliseconds = try integer("KAIROS_MISFIRE_GRACE_MS", 60_000, 0...Int64(31_536_000_000))
        shutdownDeadlineMilliseconds = try integer("KAIROS_SHUTDOWN_DEADLINE_MS", 10_000, 0...600_000)
        restoreBufferRecords = try integer("KAIROS_RESTORE_BUFFER_RECORDS", 50_000, 1...10_000_000)
        partitioner =
            HomePartition.Rule(
                rawValue: try choice("KAIROS_PARTITIONER", "murmur2", HomePartition.Rule.allCases.map(\.rawValue)))
            ?? .murmur2
        transactionTimeoutMilliseconds = try integer("KAIROS_TRANSACTION_TIMEOUT_MS", 10_000, 1_000...900_000)
        sessionTimeoutMilliseconds = try integer("KAIROS_SESSION_TIMEOUT_MS", 10_000, 3_000...300_000)
        allowedHTTPHosts = (value("KAIROS_ALLOWED_HTTP_HOSTS") ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        for pattern in allowedHTTPHosts where pattern != "*" {
            let body = pattern.hasPrefix("*.") ? String(pattern.dropFirst(2)) : pattern
            let hostCharacters = Set("abcdefghijklmnopqrstuvwxyz0123456789.-_:[]")
            guard !body.isEmpty, body.allSatisfy(hostCharacters.contains) else {
                throw ConfigurationError(
                    "KAIROS_ALLOWED_HTTP_HOSTS: '\(pattern)' is not a host, `*.domain` or `*`")
            }
        }
        httpAllowPrivate = try choice("KAIROS_HTTP_ALLOW_PRIVATE", "false", ["true", "false"]) == "true"
        httpTimeoutMilliseconds = try integer("KAIROS_HTTP_TIMEOUT_MS", 10_000, 100...600_000)
        httpRetryMax = try integer("KAIROS_HTTP_RETRY_MAX", 5, 1...100)
        httpRetryBackoffMilliseconds = try integer("KAIROS_HTTP_RETRY_BACKOFF_MS", 1_000, 1...86_400_000)
        httpRetryBackoffMaxMilliseconds = try integer("KAIROS_HTTP_RETRY_BACKOFF_MAX_MS", 300_000, 1...86_400_000)
        httpMaxConcurrency = try integer("KAIROS_HTTP_MAX_CONCURRENCY", 256, 1...10_000)
        httpMaxPerHost = try integer("KAIROS_HTTP_MAX_PER_HOST", 32, 1...10_000)
        httpBreakerWindowMilliseconds = try integer("KAIROS_HTTP_BREAKER_WINDOW_MS", 10_000, 1_000...3_600_000)
        httpBreakerMinAttempts = try integer("KAIROS_HTTP_BREAKER_MIN_ATTEMPTS", 20, 1...100_000)
        httpBreakerFailureRatePercent = try integer("KAIROS_HTTP_BREAKER_FAILURE_RATE", 75, 1...100)
        httpBreakerOpenMilliseconds = try integer("KAIROS_HTTP_BREAKER_OPEN_MS", 1_000, 100...3_600_000)
        httpBreakerCoolDownMilliseconds = try integer("KAIROS_HTTP_BREAKER_COOLDOWN_MS", 30_000, 100...3_600_000)
        guard httpBreakerCoolDownMilliseconds >= httpBreakerOpenMilliseconds else {
            throw ConfigurationError(
                "KAIROS_HTTP_BREAKER_COOLDOWN_MS: \(httpBreakerCoolDownMilliseconds) is shorter than "
                    + "KAIROS_HTTP_BREAKER_OPEN_MS (\(httpBreakerOpenMilliseconds)); the longest open period must be at "
                    + "least the first")
        }
        adminAddress = try settings.address("KAIROS_ADMIN_ADDRESS", "0.0.0.0:8080")
        adminToken = value("KAIROS_ADMIN_TOKEN")
        adminProtectsMetrics = try choice("KAIROS_ADMIN_PROTECT_METRICS", "false", ["true", "false"]) == "true"
        api = try APIConfiguration(settings)
        logLevel = try choice(
            "KAIROS_LOG_LEVEL", "info", ["trace", "debug", "info", "notice", "warning", "error", "critical"])
        logFormat = try choice("KAIROS_LOG_FORMAT", "text", ["text", "json"])
        self.kafkaProperties = kafkaProperties
    }

    /// `kairos --help`: usage and the settings table.
    public static var usage: String {
        var text = """
            Usage: kairos [options]          run the scheduler
                   kairos broker [options]   run a standalone embedded broker (tests, demos)
                   kairos next (--cron EXPR | --every INTERVAL) [--tz ZONE] [--after TIME] [--count N]
                                             print the next fire instants of a recurring schedule

            Every option is also an environment variable and a config-file key.

            """
        for setting in settings {
            text += "  \(setting.flag.padding(toLength: 34, withPad: " ", startingAt: 0)) \(setting.environmentName)"
            text += setting.defaultValue.isEmpty ? "\n" : " (default \(setting.defaultValue))\n"
            text += "      \(setting.meaning)\n"
        }
        return text
    }
}
