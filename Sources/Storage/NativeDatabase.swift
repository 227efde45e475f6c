import CRocksDB

/// The raw RocksDB handles of one open database. Owned by ``RocksDatabase``, which only
/// touches them under its lock and releases them exactly once in ``close()``.
struct NativeDatabase {
    let db: OpaquePointer
    /// Column family handles by name, `"default"` included.
    let columnFamilies: [String: OpaquePointer]
    /// Column family names in the order they were opened, `"default"` first.
    let columnFamilyNames: [String]
    private let syncWriteOptions: OpaquePointer
    private let asyncWriteOptions: OpaquePointer
    /// Read options without snapshot or bounds; only ever passed as `const`.
    let readOptions: OpaquePointer
    /// Flush options that wait for the flush to finish.
    let flushOptions: OpaquePointer

    /// Write options with or without a WAL fsync; only ever passed as `const`.
    func writeOptions(sync: Bool) -> OpaquePointer {
        sync ? syncWriteOptions : asyncWriteOptions
    }

    /// The handle for `name` (`nil` means `"default"`), or a thrown
    /// ``StorageError/Kind/unknownColumnFamily`` error for `operation`.
    func columnFamily(_ name: String?, operation: @autoclosure () -> String) throws -> OpaquePointer {
        let name = name ?? "default"
        guard let handle = columnFamilies[name] else {
            throw StorageError.unknownColumnFamily(operation(), name: name)
        }
        return handle
    }

    /// Opens the database at `path` with every column family it already has plus those in
    /// `options.columnFamilies`, creating missing ones.
    static func open(path: String, options: RocksDatabase.Options) throws -> NativeDatabase {
        let operation = "open \(path)"
        guard let nativeOptions = options.makeNativeOptions() else {
            throw StorageError(operation: operation, message: "cannot allocate options")
        }
        defer { rocksdb_options_destroy(nativeOptions) }

        var names = ["default"]
        for name in existingColumnFamilies(path: path, options: nativeOptions) where !names.contains(name) {
            names.append(name)
        }
        for name in options.columnFamilies where !names.contains(name) {
            if name.isEmpty || name.utf8.contains(0) {
                throw StorageError(
                    operation: operation,
                    message: "invalid column family name \"\(name)\"",
                    kind: .invalidArgument
                )
            }
            names.append(name)
        }

        let cNames = names.map { name -> UnsafeMutablePointer<CChar> in
            let bytes = name.utf8CString
            let copy = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
            for (index, byte) in bytes.enumerated() {
                (copy + index).initialize(to: byte)
            }
            return copy
        }
        defer { cNames.forEach { $0.deallocate() } }
        let constNames: [UnsafePointer<CChar>?] = cNames.map { UnsafePointer($0) }
        let familyOptions = [OpaquePointer?](repeating: nativeOptions, count: names.count)
        var handles = [OpaquePointer?](repeating: nil, count: names.count)

        let opened = try StorageError.check(operation) { error in
            rocksdb_open_column_families(
                nativeOptions, path, Int32(names.count), constNames, familyOptions, &handles, error)
        }
        var byName: [String: OpaquePointer] = [:]
        for (name, handle) in zip(names, handles) {
            if let handle { byName[name] = handle }
        }
        guard let db = opened, byName.count == names.count else {
            byName.values.forEach { rocksdb_column_family_handle_destroy($0) }
            if let opened { rocksdb_close(opened) }
            throw StorageError(operation: operation, message: "RocksDB returned no database handle")
        }

        guard let syncWrite = rocksdb_writeoptions_create(),
              let asyncWrite = rocksdb_writeoptions_create(),
              let read = rocksdb_readoptions_create(),
              let flush = rocksdb_flushoptions_create()
        else {
            byName.values.forEach { rocksdb_column_family_handle_destroy($0) }
            rocksdb_close(db)
            throw StorageError(operation: operation, message: "cannot allocate options")
        }
        rocksdb_writeoptions_set_sync(syncWrite, 1)
        rocksdb_writeoptions_set_sync(asyncWrite, 0)
        rocksdb_flushoptions_set_wait(flush, 1)

        return NativeDatabase(
            db: db,
            columnFamilies: byName,
            columnFamilyNames: names,
            syncWriteOptions: syncWrite,
            asyncWriteOptions: asyncWrite,
            readOptions: read,
            flushOptions: flush
        )
    }

    /// Names of the column families stored at `path`; empty if there is no readable
    /// database there yet (opening then creates it or reports why it cannot).
    private static func existingColumnFamilies(path: String, options: OpaquePointer) -> [String] {
        var count = 0
        var error: UnsafeMutablePointer<CChar>? = nil
        let list = rocksdb_list_column_families(options, path, &count, &error)
        if let error { rocksdb_free(error) }
        guard let list else { return [] }
        defer { rocksdb_list_column_families_destroy(list, count) }
        return (0..<count).compactMap { index in list[index].map { String(cString: $0) } }
    }

    /// Releases every handle and closes the database. Must be called exactly once, after
    /// all iterators and snapshots of the database have been released.
    func close() {
        for handle in columnFamilies.values {
            rocksdb_column_family_handle_destroy(handle)
        }
        rocksdb_close(db)
        rocksdb_writeoptions_destroy(syncWriteOptions)
        rocksdb_writeoptions_destroy(asyncWriteOptions)
        rocksdb_readoptions_destroy(readOptions)
        rocksdb_flushoptions_destroy(flushOptions)
    }
}
