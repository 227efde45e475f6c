import KafkaClient
import KairosWire

/// `kairosctl topics create` and `topics check`: Kairos's topics as `topics/topics.conf` describes them.
public struct TopicProvisioning: Sendable {
    /// Partitions of each topic (`commands` and `changelog` must have the same count).
    public var partitions: Int32
    /// Replicas per partition; -1 uses the broker's default.
    public var replicationFactor: Int32
    /// `retention.ms` of the commands topic: longer than any outage to ride out.
    public var commandsRetentionMilliseconds: Int64

    /// Settings for `topics create`; the defaults are those of `topics.conf`.
    public init(
        partitions: Int32 = 12, replicationFactor: Int32 = -1, commandsRetentionMilliseconds: Int64 = 604_800_000
    ) {
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.commandsRetentionMilliseconds = commandsRetentionMilliseconds
    }

    /// The topics with their partitions and configs, as in `topics/topics.conf`.
    func plans(for topics: KairosTopics) -> [NewTopic] {
        let roles: [(String, [String: String])] = [
            (topics.commands, ["cleanup.policy": "delete", "retention.ms": String(commandsRetentionMilliseconds)]),
            (
                topics.changelog,
                [
                    "cleanup.policy": "compact", "min.compaction.lag.ms": "0", "delete.retention.ms": "86400000",
                    "message.timestamp.type": "CreateTime",
                ]
            ),
            (topics.events, ["cleanup.policy": "delete", "retention.ms": "604800000"]),
            (topics.deadLetters, ["cleanup.policy": "delete", "retention.ms": "2592000000"]),
            (topics.instances, ["cleanup.policy": "compact", "min.compaction.lag.ms": "0"]),
        ]
        return roles.map { name, configs in
            var configs = configs
            // With three or more replicas, an acknowledged write survives the loss of a broker.
            if replicationFactor >= 3 {
                configs["min.insync.replicas"] = "2"
            }
            // The directory of instances is a handful of records: one partition keeps them in one order.
            let count = name == topics.instances ? 1 : partitions
            return NewTopic(name: name, partitions: count, replicationFactor: replicationFactor, configs: configs)
        }
    }

    /// Creates the topics that are missing (existing ones are left as they are), then checks them all.
    public func create(on connection: KairosConnection) throws(ControlError) -> TopicCheck {
        guard partitions >= 1 else { throw .usage("--partitions must be 1 or more") }
        guard replicationFactor == -1 || (1...32).contains(replicationFactor) else {
            throw .usage("--replication-factor must be -1 (the broker's default) or 1...32")
        }
        guard commandsRetentionMilliseconds >= 60_000 else {
            throw .usage("--commands-retention-ms must be at least 60000")
        }
        let existing = Set(try connection.metadata().topics.map(\.name))
        let missing = plans(for: connection.topics).filter { !existing.contains($0.name) }
        var created: [String] = []
        if !missing.isEmpty {
            let admin: KafkaAdmin
            do {
                admin = try KafkaAdmin(configuration: connection.kafka)
            } catch {
                throw .usage("cannot configure a Kafka client: \(error.message)")
            }
            let results: [String: KafkaError?]
            do {
                results = try admin.createTopics(missing)
            } catch {
                throw .failure(
                    "\(connection.bootstrapServers) did not create \(missing.map(\.name).joined(separator: ", ")): "
                        + "\(error.message) (\(error.codeName)). Kairos's embedded broker does not accept "
                        + "CreateTopics requests; it creates its topics itself when kairos starts.")
            }
            for topic in missing {
                if let error = results[topic.name] ?? nil, error.code != KafkaError.Code.topicAlreadyExists {
                    throw .failure("creating \(topic.name) failed: \(error.message) (\(error.codeName))")
                }
                created.append(topic.name)
            }
        }
        var report = try Self.check(on: connection)
        report.created = created
        return report
    }

    /// Checks that the topics exist and that `commands` and `changelog` have the same partition count.
    public static func check(on connection: KairosConnection) throws(ControlError) -> TopicCheck {
        let metadata = try connection.metadata()
        var states: [TopicState] = []
        for name in connection.topics.all {
            let found = metadata.topics.first { $0.name == name }
            states.append(
                TopicState(
                    name: name, exists: found != nil, partitions: found?.partitions.count,
                    replicas: found?.partitions.map(\.replicas.count).min()))
        }
        var problems = states.filter { !$0.exists }.map {
            "\($0.name) does not exist; create it with `kairosctl topics create` (or check --topic-prefix)"
        }
        if let commands = states[0].partitions, let changelog = states[1].partitions, commands != changelog {
            problems.append(
                "\(states[0].name) has \(commands) partitions but \(states[1].name) has \(changelog); they must be "
                    + "equal (the state of commands partition k lives in changelog partition k)")
        }
        return TopicCheck(bootstrapServers: connection.bootstrapServers, topics: states, problems: problems)
    }
}

/// One topic as the cluster reports it.
public struct TopicState: Encodable, Sendable, Hashable {
    /// The topic name.
    public var name: String
    /// Whether the cluster has it.
    public var exists: Bool
    /// Its partition count.
    public var partitions: Int?
    /// The fewest replicas of any of its partitions.
    public var replicas: Int?
}

/// The result of `topics check` (and of `topics create`, which checks afterwards).
public struct TopicCheck: ControlReport {
    /// The cluster checked.
    public var bootstrapServers: String
    /// The four topics.
    public var topics: [TopicState]
    /// What is wrong; empty when all is well.
    public var problems: [String]
    /// Topics `topics create` created.
    public var created: [String] = []
    /// Whether all is well.
    public var ok: Bool { problems.isEmpty }

    public var exitStatus: Int32 { ok ? 0 : 1 }

    private enum CodingKeys: String, CodingKey {
        case bootstrapServers, topics, problems, created, ok
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(bootstrapServers, forKey: .bootstrapServers)
        try container.encode(topics, forKey: .topics)
        try container.encode(problems, forKey: .problems)
        try container.encode(created, forKey: .created)
        try container.encode(ok, forKey: .ok)
    }

    public var text: String {
        var table = TextTable(columns: ["TOPIC", "PARTITIONS", "REPLICAS", "STATUS"])
        table.rows = topics.map {
            [
                $0.name, $0.partitions.map(String.init) ?? "-", $0.replicas.map(String.init) ?? "-",
                !$0.exists ? "missing" : created.contains($0.name) ? "created" : "ok",
            ]
        }
        var lines = [table.rendered]
        if problems.isEmpty {
            lines.append("ok: all topics exist on \(bootstrapServers); commands and changelog have the same partitions")
        } else {
            lines += problems.map { "problem: \($0)" }
        }
        return lines.joined(separator: "\n")
    }
}
