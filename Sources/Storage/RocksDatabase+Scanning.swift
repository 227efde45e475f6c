extension RocksDatabase {
    /// Calls `body` with each key and value of `columnFamily` in [`lower`, `upper`), in
    /// ascending bytewise key order, or descending if `reverse`, until `body` returns
    /// `false`. Reads a consistent view (`snapshot`, or the state at the call). No lock is
    /// held while `body` runs, so it may use this database.
    ///
    /// - Throws: ``StorageError`` from RocksDB or when the database is closed meanwhile, or
    ///   whatever `body` throws.
    public func forEach(
        in columnFamily: String? = nil,
        from lower: [UInt8]? = nil,
        to upper: [UInt8]? = nil,
        reverse: Bool = false,
        snapshot: Snapshot? = nil,
        _ body: (_ key: [UInt8], _ value: [UInt8]) throws -> Bool
    ) throws {
        let iterator = try makeIterator(in: columnFamily, from: lower, to: upper, snapshot: snapshot)
        if reverse {
            try iterator.seekToLast()
        } else {
            try iterator.seekToFirst()
        }
        while let entry = try iterator.entry() {
            guard try body(entry.key, entry.value) else { return }
            if reverse {
                try iterator.previous()
            } else {
                try iterator.next()
            }
        }
    }

    /// Like ``forEach(in:from:to:reverse:snapshot:_:)`` over exactly the keys that start
    /// with `prefix` (all keys if it is empty).
    public func forEach(
        in columnFamily: String? = nil,
        prefix: [UInt8],
        reverse: Bool = false,
        snapshot: Snapshot? = nil,
        _ body: (_ key: [UInt8], _ value: [UInt8]) throws -> Bool
    ) throws {
        try forEach(
            in: columnFamily, from: prefix, to: Self.prefixSuccessor(prefix),
            reverse: reverse, snapshot: snapshot, body)
    }

    /// The smallest key greater than every key starting with `prefix`, or `nil` if there is
    /// none (the prefix is empty or all `0xFF`).
    static func prefixSuccessor(_ prefix: [UInt8]) -> [UInt8]? {
        var successor = prefix
        while let last = successor.last {
            if last < 0xFF {
                successor[successor.count - 1] = last + 1
                return successor
            }
            successor.removeLast()
        }
        return nil
    }
}
