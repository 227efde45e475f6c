/// The names of Kairos's topics for one prefix: `<prefix>.commands`, `.changelog`, `.events`, `.dlq` and
/// `.instances`.
public struct KairosTopics: Sendable, Hashable {
    /// The prefix (`KAIROS_TOPIC_PREFIX`, `kairos` by default).
    public let prefix: String

    /// The topics of `prefix`.
    public init(prefix: String) {
        self.prefix = prefix
    }

    /// Where producers write schedule requests.
    public var commands: String { "\(prefix).commands" }
    /// The scheduler's compacted state of every live schedule.
    public var changelog: String { "\(prefix).changelog" }
    /// Lifecycle events, JSON, keyed by schedule id.
    public var events: String { "\(prefix).events" }
    /// Rejected commands and deliveries that gave up.
    public var deadLetters: String { "\(prefix).dlq" }
    /// Which instance serves which partition, and where its API is (compacted, one partition; see
    /// `InstanceDirectory`).
    public var instances: String { "\(prefix).instances" }
    /// All of them, in the order of the contract.
    public var all: [String] { [commands, changelog, events, deadLetters, instances] }
}
