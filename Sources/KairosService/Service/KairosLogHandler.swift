import Foundation
import KairosWire
import Logging

/// Writes one line per event to standard error: `time level message key=value ...`, or one JSON object.
struct KairosLogHandler: LogHandler {
    enum Format: Sendable {
        case text
        case json
    }

    let label: String
    let format: Format
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let time = Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true))
        var line: String
        switch format {
        case .text:
            line = "\(time) \(event.level) \(event.message)"
            for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
                let text = "\(value)"
                let quoted = text.contains(" ") || text.isEmpty ? JSONText.quote(text) : text
                line += " \(key)=\(quoted)"
            }
        case .json:
            line = "{\"time\":\"\(time)\",\"level\":\"\(event.level)\",\"message\":\(JSONText.quote("\(event.message)"))"
            for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
                line += ",\(JSONText.quote(key)):\(JSONText.quote("\(value)"))"
            }
            line += "}"
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
