/// A change of a group consumer's assignment, handed to the consumer's rebalance handler.
public enum RebalanceEvent: Sendable, Hashable {
    /// These partitions are being added to the assignment. The handler runs before they are added and returns the
    /// offsets to start them from (for example after restoring state); those it leaves out start at the group's
    /// committed offset.
    case assigned([TopicPartition])
    /// These partitions are being taken away in an orderly rebalance. The handler runs before they are removed, so
    /// it may still finish work and commit offsets for them.
    case revoked([TopicPartition])
    /// These partitions were lost (session timeout, fenced member): another member may own them already, so the
    /// handler must not commit for them.
    case lost([TopicPartition])

    public var partitions: [TopicPartition] {
        switch self {
        case .assigned(let partitions), .revoked(let partitions), .lost(let partitions): partitions
        }
    }
}
