import Foundation

/// A unique, empty directory under the system temporary directory for one test.
/// Call `remove()` (typically in a `defer`) to delete it and everything in it.
struct TemporaryDirectory {
    let url: URL

    init(_ label: String = #function) throws {
        let safeLabel = label.filter { $0.isLetter || $0.isNumber }
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("kairos-storage-\(safeLabel)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// The path of `name` inside the directory (not created).
    func path(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }

    func exists(_ name: String) -> Bool {
        FileManager.default.fileExists(atPath: path(name))
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}
