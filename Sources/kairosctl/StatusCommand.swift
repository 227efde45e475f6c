import ArgumentParser
import Foundation
import KairosControl

/// `kairosctl status`: instances, partitions and their owners, pending schedules, next due times and lag.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show instances, partition owners, pending schedules, next due times and command lag.",
        discussion: """
            Asks each instance's admin API (GET /admin/status) and checks the partitions against Kafka. Exits 1 \
            when an instance cannot be reached or a partition has no reachable owner.
            """)

    @OptionGroup var connection: ConnectionOptions

    @Option(
        help: ArgumentHelp(
            "Admin URLs of the instances, comma-separated (default: $KAIROSCTL_INSTANCES).",
            valueName: "http://host:port,..."))
    var instances: String?

    @Option(help: "Admin API bearer token (default: $KAIROS_ADMIN_TOKEN).")
    var token: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let list = (instances ?? environment["KAIROSCTL_INSTANCES"] ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !list.isEmpty else {
            throw ControlError.usage("name the instances' admin URLs with --instances or KAIROSCTL_INSTANCES")
        }
        let token = token ?? environment["KAIROS_ADMIN_TOKEN"]
        try await connection.run { (kafka) throws(ControlError) in
            try await ClusterStatus.gather(instances: list, token: token, connection: kafka)
        }
    }
}
