import Storage
import Testing
import TestThreads

@Suite(.ownThreads) struct StorageErrorTests {
    @Test func descriptionNamesOperationAndMessage() {
        let error = StorageError(operation: "write batch", message: "IO error: disk full")
        #expect(error.description == "write batch: IO error: disk full")
        #expect(error.kind == .rocksDB)
        #expect("\(error)" == error.description)
    }

    @Test func rocksDBMessagesAreCarriedThrough() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path("db")
        let error = try #require(throws: StorageError.self) {
            _ = try RocksDatabase(path: path, options: .init(createIfMissing: false))
        }
        #expect(error.kind == .rocksDB)
        #expect(error.operation == "open \(path)")
        #expect(error.message.contains("does not exist"), "\(error)")
    }
}
