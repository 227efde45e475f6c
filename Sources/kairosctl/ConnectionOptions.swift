import ArgumentParser
import Foundation
import KairosControl

/// How reports are printed.
enum OutputOption: String, ExpressibleByArgument, CaseIterable {
    case table
    case json

    var format: OutputFormat {
        switch self {
        case .table: .table
        case .json: .json
        }
    }
}

/// The options every subcommand takes: where the cluster is, which topics, and how to print.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "Kafka bootstrap servers, host:port[,host:port] (default: $KAIROS_BOOTSTRAP_SERVERS).")
    var bootstrapServers: String?

    @Option(
        name: .customLong("state-dir"),
        help: ArgumentHelp(
            "State directory of a kairos running the embedded broker; its embedded-bootstrap file names the broker.",
            valueName: "dir"))
    var stateDirectory: String?

    @Option(help: "Prefix of Kairos's topics (default: $KAIROS_TOPIC_PREFIX, else kairos).")
    var topicPrefix: String?

    @Option(
        name: .customLong("kafka-property"),
        help: ArgumentHelp("A librdkafka property for every Kafka client (repeatable).", valueName: "name=value"))
    var kafkaProperties: [String] = []

    @Option(
        help: ArgumentHelp(
            "Which partition of commands an id belongs to, as kairos's KAIROS_PARTITIONER (default: $KAIROS_PARTITIONER, else murmur2).",
            valueName: "murmur2|crc32"))
    var partitioner: String?

    @Option(help: "Output format.")
    var output: OutputOption = .table

    /// The library's connection settings from these options and the environment.
    var settings: ConnectionSettings {
        ConnectionSettings(
            bootstrapServers: bootstrapServers, stateDirectory: stateDirectory, topicPrefix: topicPrefix,
            kafkaProperties: kafkaProperties, partitioner: partitioner)
    }

    /// Connects, runs `body`, prints its report, and ends with the report's exit status.
    func run(_ body: (KairosConnection) async throws(ControlError) -> any ControlReport) async throws {
        let connection = try settings.connect()
        let report = try await body(connection)
        print(report.rendered(as: output.format))
        if report.exitStatus != 0 {
            throw ExitCode(report.exitStatus)
        }
    }
}
