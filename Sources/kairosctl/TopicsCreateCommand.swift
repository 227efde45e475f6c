import ArgumentParser
import Foundation
import KairosControl

/// `kairosctl topics create`.
struct TopicsCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create the missing topics as topics/topics.conf describes them, then check them.",
        discussion: """
            Topics that exist are left as they are. The changelog is compacted; commands keep --commands-retention-ms, \
            events 7 days, dlq 30 days. Kairos's embedded broker does not accept CreateTopics requests: kairos \
            creates its topics itself there.
            """)

    @Option(help: "Partitions of each topic (default: $KAIROS_PARTITIONS, else 12).")
    var partitions: Int32?

    @Option(help: "Replicas per partition; -1 = the broker's default (default: $KAIROS_REPLICATION_FACTOR, else -1).")
    var replicationFactor: Int32?

    @Option(help: "retention.ms of the commands topic: longer than any outage to ride out.")
    var commandsRetentionMs: Int64 = 604_800_000

    @OptionGroup(title: "Connection and output options") var connection: ConnectionOptions

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let provisioning = TopicProvisioning(
            partitions: try partitions ?? Self.environmentInteger("KAIROS_PARTITIONS", environment) ?? 12,
            replicationFactor: try replicationFactor
                ?? Self.environmentInteger("KAIROS_REPLICATION_FACTOR", environment) ?? -1,
            commandsRetentionMilliseconds: commandsRetentionMs)
        try await connection.run { (cluster) throws(ControlError) in try provisioning.create(on: cluster) }
    }

    private static func environmentInteger(_ name: String, _ environment: [String: String]) throws(ControlError)
        -> Int32?
    {
        guard let text = environment[name], !text.isEmpty else { return nil }
        guard let value = Int32(text) else { throw .usage("\(name)='\(text)' is not a number") }
        return value
    }
}
