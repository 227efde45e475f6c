/// Changelog partitions whose last stable offset is below their high watermark when a restore begins: a transaction
/// is open on each, most likely the batch of an instance that died or was cut off in the middle of it.
///
/// A read_committed restore that stopped at the stable offset would miss that batch's changes if it then commits
/// (its commit may be under way), and the records it fired would fire again. So the restore waits until the
/// transaction ends either way, which the broker bounds by the transaction timeout of the instance that opened it
/// (`KAIROS_TRANSACTION_TIMEOUT_MS`, plus the broker's check interval for timed-out transactions), or at once when
/// an instance with the same `KAIROS_INSTANCE_ID` starts and fences it. The wait is logged and shown by `/ready`.
struct OpenTransactions {
    private(set) var open: [Int32: OpenTransaction] = [:]

    /// `stable` and `high` by partition (read_committed and read_uncommitted end offsets at the same moment).
    init(stable: [Int32: Int64], high: [Int32: Int64]) {
        for (partition, stableOffset) in stable {
            if let highWatermark = high[partition], stableOffset < highWatermark {
                open[partition] = OpenTransaction(stableOffset: stableOffset, highWatermark: highWatermark)
            }
        }
    }

    var isEmpty: Bool { open.isEmpty }

    var partitions: [Int32] { open.keys.sorted() }

    /// Takes newer stable offsets; returns the partitions whose transaction ended (their stable offset reached the
    /// high watermark seen at the start: the transaction's end marker is past it), no longer open.
    mutating func update(stable: [Int32: Int64]) -> [Int32] {
        var ended: [Int32] = []
        for (partition, transaction) in open {
            if let stableOffset = stable[partition], stableOffset >= transaction.highWatermark {
                ended.append(partition)
            }
        }
        for partition in ended {
            open[partition] = nil
        }
        return ended.sorted()
    }
}

/// A transaction open on a changelog partition that a restore waits for: the partition's last stable offset and
/// high watermark when the restore began.
public struct OpenTransaction: Sendable, Equatable, Encodable {
    public var stableOffset: Int64
    public var highWatermark: Int64
}
