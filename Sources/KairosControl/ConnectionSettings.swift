import Foundation
import KafkaClient
import KairosSettings
public import KairosWire

/// Where the cluster is and which topics to use, as given on the command line and in the environment.
public struct ConnectionSettings: Sendable {
    /// `--bootstrap-servers`; when nil, `--state-dir`, then `KAIROS_BOOTSTRAP_SERVERS` are tried.
    public var bootstrapServers: String?
    /// `--state-dir`: a Kairos state directory whose `embedded-bootstrap` file names the embedded broker.
    public var stateDirectory: String?
    /// `--topic-prefix`; when nil, `KAIROS_TOPIC_PREFIX`, else `kairos`.
    public var topicPrefix: String?
    /// `--kafka-property NAME=VALUE`, any number: librdkafka properties for every client.
    public var kafkaProperties: [String]
    /// `--partitioner`; when nil, `KAIROS_PARTITIONER`, else murmur2: which partition of `commands` an id belongs to.
    public var partitioner: String?
    /// The environment read for `KAIROS_BOOTSTRAP_SERVERS` and `KAIROS_TOPIC_PREFIX`.
    public var environment: [String: String]

    /// Settings from the command line's values and `environment` (the process's environment when nil).
    public init(
        bootstrapServers: String? = nil, stateDirectory: String? = nil, topicPrefix: String? = nil,
        kafkaProperties: [String] = [], partitioner: String? = nil, environment: [String: String]? = nil
    ) {
        self.partitioner = partitioner
        self.bootstrapServers = bootstrapServers
        self.stateDirectory = stateDirectory
        self.topicPrefix = topicPrefix
        self.kafkaProperties = kafkaProperties
        self.environment = environment ?? ProcessInfo.processInfo.environment
    }

    /// The bootstrap servers: `--bootstrap-servers`, else the `embedded-bootstrap` file of `--state-dir`, else
    /// `KAIROS_BOOTSTRAP_SERVERS`.
    func resolvedBootstrapServers() throws(ControlError) -> String {
        if let servers = bootstrapServers?.trimmingCharacters(in: .whitespacesAndNewlines), !servers.isEmpty {
            return servers
        }
        if let stateDirectory {
            let file = URL(fileURLWithPath: stateDirectory).appendingPathComponent("embedded-bootstrap").path
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw .failure(
                    "cannot read \(file): is a kairos process with the embedded broker running on state directory "
                        + "\(stateDirectory)?")
            }
            let servers = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !servers.isEmpty else {
                throw .failure("\(file) is empty: the embedded broker has not started yet")
            }
            return servers
        }
        if let servers = environment["KAIROS_BOOTSTRAP_SERVERS"]?.trimmingCharacters(in: .whitespaces),
            !servers.isEmpty
        {
            return servers
        }
        throw .usage(
            "no Kafka cluster given: use --bootstrap-servers HOST:PORT, set KAIROS_BOOTSTRAP_SERVERS, or give the "
                + "state directory of a kairos with the embedded broker with --state-dir DIR")
    }

    /// The topic prefix: `--topic-prefix`, else `KAIROS_TOPIC_PREFIX`, else `kairos`.
    func resolvedTopics() throws(ControlError) -> KairosTopics {
        let prefix = topicPrefix ?? environment["KAIROS_TOPIC_PREFIX"].flatMap { $0.isEmpty ? nil : $0 } ?? "kairos"
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard !prefix.isEmpty, prefix.allSatisfy(allowed.contains), !prefix.hasPrefix("__") else {
            throw .usage("topic prefix '\(prefix)' must be made of a-z A-Z 0-9 . _ - and not start with '__'")
        }
        return KairosTopics(prefix: prefix)
    }

    /// The home-partition rule: `--partitioner`, else `KAIROS_PARTITIONER`, else murmur2 (as Kairos's default).
    func resolvedPartitioner() throws(ControlError) -> HomePartition.Rule {
        let text = partitioner ?? environment["KAIROS_PARTITIONER"].flatMap { $0.isEmpty ? nil : $0 } ?? "murmur2"
        guard let rule = HomePartition.Rule(rawValue: text.lowercased()) else {
            let rules = HomePartition.Rule.allCases.map(\.rawValue).joined(separator: ", ")
            throw .usage("partitioner '\(text)' is not one of \(rules)")
        }
        return rule
    }

    /// The `--kafka-property` values as a dictionary.
    func resolvedKafkaProperties() throws(ControlError) -> [String: String] {
        var properties: [String: String] = [:]
        for assignment in kafkaProperties {
            guard let property = splitAssignment(assignment), !property.name.isEmpty else {
                throw .usage("--kafka-property '\(assignment)' is not NAME=VALUE")
            }
            properties[property.name] = property.value
        }
        return properties
    }

    /// Checks the settings and prepares the Kafka clients' configuration. Does not connect yet.
    public func connect() throws(ControlError) -> KairosConnection {
        // A misspelt KAIROS_* variable would otherwise be ignored without a word, as it would by kairos.
        do {
            try Setting.checkEnvironment(environment)
        } catch {
            throw .usage(error.description)
        }
        let servers = try resolvedBootstrapServers()
        let properties = try resolvedKafkaProperties()
        // librdkafka's log lines (connection refused, ...) would repeat what the error says; they are shown only
        // when the user asked for librdkafka's debug output.
        let showLogs = properties["debug"] != nil
        let kafka = KafkaConfiguration(
            bootstrapServers: servers, clientID: "kairosctl", properties: properties,
            logHandler: { line in
                if showLogs {
                    FileHandle.standardError.write(Data("librdkafka: \(line.facility): \(line.message)\n".utf8))
                }
            })
        return KairosConnection(kafka: kafka, topics: try resolvedTopics(), partitioner: try resolvedPartitioner())
    }
}

/// `NAME=VALUE` split at the first `=`; nil without one.
func splitAssignment(_ text: String) -> (name: String, value: String)? {
    guard let equals = text.firstIndex(of: "=") else { return nil }
    return (String(text[..<equals]), String(text[text.index(after: equals)...]))
}

/// A cluster to talk to and the topics of one Kairos installation on it.
public final class KairosConnection: Sendable {
    let kafka: KafkaConfiguration
    /// The topics every command works on.
    public let topics: KairosTopics
    /// The rule by which commands are written to their id's home partition, as Kairos reads them.
    public let partitioner: HomePartition.Rule
    /// How long a metadata request may take before the cluster counts as unreachable.
    static let metadataTimeoutMilliseconds: Int32 = 10_000

    init(kafka: KafkaConfiguration, topics: KairosTopics, partitioner: HomePartition.Rule) {
        self.kafka = kafka
        self.topics = topics
        self.partitioner = partitioner
    }

    /// The bootstrap servers, as the error messages name them.
    public var bootstrapServers: String { kafka.bootstrapServers }

    /// The cluster's topics and partitions; a failure here means the cluster cannot be reached.
    func metadata() throws(ControlError) -> KafkaMetadata {
        let admin: KafkaAdmin
        do {
            admin = try KafkaAdmin(configuration: kafka)
        } catch {
            throw .usage("cannot configure a Kafka client: \(error.message)")
        }
        do {
            return try admin.metadata(timeoutMilliseconds: Self.metadataTimeoutMilliseconds)
        } catch {
            throw unreachable(error)
        }
    }

    /// The partition ids of `topic`; a failure naming the prefix when it does not exist.
    func partitions(of topic: String, in metadata: KafkaMetadata) throws(ControlError) -> [Int32] {
        guard let found = metadata.topics.first(where: { $0.name == topic }) else {
            throw .failure(
                "topic \(topic) does not exist on \(bootstrapServers); check --topic-prefix (now "
                    + "'\(topics.prefix)') or create the topics with `kairosctl topics create`")
        }
        return found.partitions.map(\.id)
    }

    /// The failure reported when the cluster does not answer.
    func unreachable(_ error: KafkaError) -> ControlError {
        .failure("cannot reach the Kafka cluster at \(bootstrapServers): \(error.message) (\(error.codeName))")
    }

    /// A producer that waits at most `timeoutMilliseconds` for each delivery.
    func makeProducer(timeoutMilliseconds: Int = 30_000) throws(ControlError) -> KafkaProducer {
        var configuration = ProducerConfiguration(kafka: kafka)
        configuration.lingerMilliseconds = 1
        configuration.messageTimeoutMilliseconds = timeoutMilliseconds
        do {
            return try KafkaProducer(configuration: configuration)
        } catch {
            throw .usage("cannot configure a Kafka producer: \(error.message)")
        }
    }
}
