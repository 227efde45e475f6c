/// A list of puts, deletes and range deletes, possibly across column families, that
/// ``RocksDatabase/write(_:sync:)`` applies atomically and in order.
///
/// A plain value: building one touches no database and is safe on any thread; it can be
/// written to any number of databases any number of times.
public struct WriteBatch: Sendable, Equatable {
    /// The recorded operations, in order.
    var operations: [Operation] = []

    /// Creates an empty batch.
    public init() {}

    /// The number of recorded operations.
    public var count: Int { operations.count }

    /// Whether no operation has been recorded.
    public var isEmpty: Bool { operations.isEmpty }

    /// Records storing `value` under `key` in `columnFamily` (`nil`: `"default"`).
    public mutating func put(_ key: [UInt8], _ value: [UInt8], in columnFamily: String? = nil) {
        operations.append(.put(columnFamily: columnFamily, key: key, value: value))
    }

    /// Records removing `key` from `columnFamily` (`nil`: `"default"`).
    public mutating func delete(_ key: [UInt8], in columnFamily: String? = nil) {
        operations.append(.delete(columnFamily: columnFamily, key: key))
    }

    /// Records removing every key in [`from`, `to`) from `columnFamily`; an empty range
    /// (`from >= to` bytewise) removes nothing.
    public mutating func deleteRange(from lower: [UInt8], to upper: [UInt8], in columnFamily: String? = nil) {
        operations.append(.deleteRange(columnFamily: columnFamily, from: lower, to: upper))
    }

    /// Forgets all recorded operations.
    public mutating func removeAll() {
        operations.removeAll()
    }
}
