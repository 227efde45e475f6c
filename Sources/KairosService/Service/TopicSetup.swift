import KafkaClient
import KairosSettings
import Logging

/// Creates Kairos's topics when they are missing and checks the ones that exist.
///
/// `commands` and `changelog` get `partitions` each (the changelog is compacted); `events` and `dlq` the same
/// count. Start-up is refused when `commands` and `changelog` have different partition counts: partition k of one
/// must pair with partition k of the other.
struct TopicSetup {
    let configuration: KairosConfiguration
    let logger: Logger

    var plans: [NewTopic] {
        let replication = configuration.replicationFactor
        let partitions = configuration.partitions
        return [
            NewTopic(
                name: configuration.topics.commands, partitions: partitions, replicationFactor: replication,
                configs: ["cleanup.policy": "delete", "retention.ms": String(configuration.commandsRetentionMilliseconds)]),
            NewTopic(
                name: configuration.topics.changelog, partitions: partitions, replicationFactor: replication,
                configs: ["cleanup.policy": "compact", "min.insync.replicas": replication >= 3 ? "2" : "1"]),
            NewTopic(
                name: configuration.topics.events, partitions: partitions, replicationFactor: replication,
                configs: ["cleanup.policy": "delete", "retention.ms": "604800000"]),
            NewTopic(
                name: configuration.topics.deadLetters, partitions: partitions, replicationFactor: replication,
                configs: ["cleanup.policy": "delete", "retention.ms": "2592000000"]),
            // Which instance serves which partition: a handful of records, kept in one order.
            NewTopic(
                name: configuration.topics.instances, partitions: 1, replicationFactor: replication,
                configs: ["cleanup.policy": "compact"]),
        ]
    }

    /// Ensures the topics on a real cluster through the admin API; returns the partition count of `commands`.
    func ensure(admin: KafkaAdmin) throws -> Int32 {
        let metadata = try admin.metadata()
        let existing = Set(metadata.topics.map(\.name))
        // A mismatch between existing topics is the first thing to say, before creating anything.
        if existing.contains(configuration.topics.commands), existing.contains(configuration.topics.changelog) {
            _ = try check(metadata)
        }
        let missing = plans.filter { !existing.contains($0.name) }
        if !missing.isEmpty {
            let results = try admin.createTopics(missing)
            for topic in missing {
                if let error = results[topic.name] ?? nil, error.code != KafkaError.Code.topicAlreadyExists {
                    throw error
                }
                logger.info("created topic", metadata: ["topic": "\(topic.name)", "partitions": "\(topic.partitions)"])
            }
        }
        return try check(try admin.metadata())
    }

    /// Ensures the topics on the embedded broker (which takes topics only through its own API); returns the partition
    /// count of `commands`.
    @discardableResult
    func ensure(embedded cluster: EmbeddedKafkaCluster, admin: KafkaAdmin) throws -> Int32 {
        let existing = Set(try admin.metadata().topics.map(\.name))
        for topic in plans where !existing.contains(topic.name) {
            try cluster.createTopic(topic.name, partitions: topic.partitions, replicationFactor: 1)
            logger.info("created topic", metadata: ["topic": "\(topic.name)", "partitions": "\(topic.partitions)"])
        }
        return try check(try admin.metadata())
    }

    /// Refuses mismatched `commands` and `changelog` partition counts; returns the count.
    func check(_ metadata: KafkaMetadata) throws -> Int32 {
        let commands = try metadata.topic(named: configuration.topics.commands).partitions.count
        let changelog = try metadata.topic(named: configuration.topics.changelog).partitions.count
        guard commands == changelog else {
            throw ConfigurationError(
                "\(configuration.topics.commands) has \(commands) partitions but \(configuration.topics.changelog) has "
                    + "\(changelog); they must be equal (partition k of each belongs together). Recreate the "
                    + "changelog with \(commands) partitions, or point KAIROS_TOPIC_PREFIX at a consistent set.")
        }
        return Int32(commands)
    }
}
