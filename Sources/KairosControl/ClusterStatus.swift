import AsyncHTTPClient
import Foundation
import NIOCore
import ScheduleModel

/// `kairosctl status`: who owns which partition and how each is doing, from every instance's `/admin/status`,
/// checked against the partitions `commands` has in Kafka.
public struct ClusterStatusReport: ControlReport {
    /// One instance asked.
    public struct Instance: Encodable, Sendable {
        public var url: String
        public var id: String?
        public var reachable: Bool
        public var ready: Bool?
        public var reason: String?
        public var error: String?
        public var breakers: [String: String]?
    }

    /// One partition of `commands`.
    public struct Partition: Encodable, Sendable {
        public var partition: Int32
        /// The instance that reported owning it (its id, else its URL); nil when no reachable instance owns it.
        public var owner: String?
        public var state: String?
        public var pending: UInt64?
        public var nextDue: Int64?
        public var commandsLag: Int64?
        public var changelogOffset: Int64?
    }

    public var instances: [Instance]
    public var partitions: [Partition]

    public var exitStatus: Int32 {
        instances.allSatisfy(\.reachable) && partitions.allSatisfy({ $0.owner != nil }) ? 0 : 1
    }

    public var text: String {
        var lines: [String] = []
        var instanceTable = TextTable(columns: ["INSTANCE", "URL", "STATE"])
        for instance in instances {
            let state =
                instance.reachable
                ? (instance.ready == true ? "ready" : "not ready: \(instance.reason ?? "?")")
                : "UNREACHABLE: \(instance.error ?? "?")"
            instanceTable.rows.append([instance.id ?? "-", instance.url, state])
        }
        lines.append(instanceTable.rendered)
        lines.append("")
        var partitionTable = TextTable(
            columns: ["PARTITION", "OWNER", "STATE", "PENDING", "NEXT DUE", "COMMAND LAG", "CHANGELOG OFFSET"])
        for partition in partitions {
            partitionTable.rows.append([
                String(partition.partition), partition.owner ?? "(no reachable owner)", partition.state ?? "-",
                partition.pending.map(String.init) ?? "-",
                partition.nextDue.map { TimestampFormat.format($0) } ?? "-",
                partition.commandsLag.map(String.init) ?? "-", partition.changelogOffset.map(String.init) ?? "-",
            ])
        }
        lines.append(partitionTable.rendered)
        let pending = partitions.compactMap(\.pending).reduce(0, +)
        lines.append("")
        lines.append(
            "\(pending) pending schedules in \(partitions.filter { $0.owner != nil }.count) of "
                + "\(partitions.count) partitions")
        return lines.joined(separator: "\n")
    }
}

/// Gathers a `ClusterStatusReport`.
public enum ClusterStatus {
    /// What an instance's `/admin/status` answers.
    struct InstanceReport: Decodable {
        struct HTTP: Decodable {
            var breakers: [String: String]
        }

        struct Partition: Decodable {
            var partition: Int32
            var state: String
            var pending: UInt64?
            var nextDue: Int64?
            var commandsLag: Int64?
            var changelogOffset: Int64?
        }

        var instance: String?
        var ready: Bool
        var reason: String?
        var partitions: [Partition]
        var http: HTTP?
    }

    /// Asks every instance (base URLs like `http://kairos-1:8080`) and Kafka for the partition count.
    public static func gather(
        instances: [String], token: String?, connection: KairosConnection, timeoutSeconds: Int64 = 5
    ) async throws(ControlError) -> ClusterStatusReport {
        let metadata = try connection.metadata()
        let partitionIDs = try connection.partitions(of: connection.topics.commands, in: metadata)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        var reports: [ClusterStatusReport.Instance] = []
        var owned: [Int32: ClusterStatusReport.Partition] = [:]
        for url in instances {
            let base = url.hasSuffix("/") ? String(url.dropLast()) : url
            do {
                var request = HTTPClientRequest(url: base + "/admin/status")
                if let token {
                    request.headers.add(name: "Authorization", value: "Bearer \(token)")
                }
                let response = try await client.execute(request, timeout: .seconds(timeoutSeconds))
                let body = try await response.body.collect(upTo: 16 << 20)
                guard response.status.code == 200 else {
                    let hint = response.status.code == 401 ? " (give the admin token with --token)" : ""
                    reports.append(
                        .init(url: base, reachable: false, error: "HTTP \(response.status.code)\(hint)"))
                    continue
                }
                let report = try JSONDecoder().decode(InstanceReport.self, from: Data(body.readableBytesView))
                let name = report.instance ?? base
                reports.append(
                    .init(
                        url: base, id: report.instance, reachable: true, ready: report.ready, reason: report.reason,
                        breakers: report.http?.breakers))
                for partition in report.partitions {
                    owned[partition.partition] = .init(
                        partition: partition.partition, owner: name, state: partition.state,
                        pending: partition.pending, nextDue: partition.nextDue, commandsLag: partition.commandsLag,
                        changelogOffset: partition.changelogOffset)
                }
            } catch {
                reports.append(.init(url: base, reachable: false, error: "\(error)"))
            }
        }
        try? await client.shutdown()
        let partitions = partitionIDs.sorted().map { owned[$0] ?? .init(partition: $0) }
        return ClusterStatusReport(instances: reports, partitions: partitions)
    }
}
