import CRocksDB

/// An error from the storage layer.
///
/// Every error names the operation that failed (for example `"open /var/lib/kairos/db"`,
/// `"write batch"` or `"checkpoint /backups/1"`) and carries a human-readable message,
/// which for failures reported by RocksDB is RocksDB's own status text.
public struct StorageError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Why an operation failed.
    public enum Kind: Sendable, Hashable {
        /// RocksDB reported an error; ``StorageError/message`` is its status text.
        case rocksDB
        /// The database was closed before (or while) the operation was attempted.
        case closed
        /// The operation named a column family that the database was not opened with.
        case unknownColumnFamily
        /// The caller passed an argument that this layer rejects before reaching RocksDB.
        case invalidArgument
    }

    /// The operation that failed, e.g. `"open /path"`, `"write batch"`, `"checkpoint /path"`.
    public let operation: String
    /// What went wrong; RocksDB's message text when ``kind`` is ``Kind/rocksDB``.
    public let message: String
    /// The category of the failure.
    public let kind: Kind

    /// Creates an error for `operation` with the given `message` and `kind`.
    public init(operation: String, message: String, kind: Kind = .rocksDB) {
        self.operation = operation
        self.message = message
        self.kind = kind
    }

    /// `"<operation>: <message>"`, e.g. `"open /tmp/db: IO error: lock hold by current process"`.
    public var description: String { "\(operation): \(message)" }

    static func closed(_ operation: String, path: String) -> StorageError {
        StorageError(operation: operation, message: "database \(path) is closed", kind: .closed)
    }

    static func unknownColumnFamily(_ operation: String, name: String) -> StorageError {
        StorageError(
            operation: operation,
            message: "unknown column family \"\(name)\"",
            kind: .unknownColumnFamily
        )
    }

    /// Calls `body` with a RocksDB `char** errptr`; if RocksDB stored an error there, frees it
    /// with `rocksdb_free` and throws it as a `StorageError` for `operation`.
    static func check<R>(
        _ operation: @autoclosure () -> String,
        _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) throws -> R
    ) throws -> R {
        var errorText: UnsafeMutablePointer<CChar>? = nil
        let result = try body(&errorText)
        if let errorText {
            let message = String(cString: errorText)
            rocksdb_free(errorText)
            throw StorageError(operation: operation(), message: message)
        }
        return result
    }
}
