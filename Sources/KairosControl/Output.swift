import Foundation
import ScheduleModel

/// How a command prints its result.
public enum OutputFormat: String, Sendable, CaseIterable {
    /// Aligned columns and `name: value` lines for a person.
    case table
    /// One JSON document, for scripts.
    case json
}

/// What a command found or did, printable for a person or as JSON.
public protocol ControlReport: Encodable, Sendable {
    /// The report for a person (without a final newline).
    var text: String { get }
    /// The status the process exits with after printing the report: 0, or 1 when the report describes a failure.
    var exitStatus: Int32 { get }
}

extension ControlReport {
    public var exitStatus: Int32 { 0 }

    /// The report in `format`, without a final newline.
    public func rendered(as format: OutputFormat) -> String {
        switch format {
        case .table:
            return text
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            // Every report is plain strings, numbers, booleans, arrays and objects: encoding cannot fail.
            let data = (try? encoder.encode(self)) ?? Data("null".utf8)
            return String(decoding: data, as: UTF8.self)
        }
    }
}

/// Columns of text, padded to the widest cell; the last column is not padded.
struct TextTable {
    var columns: [String]
    var rows: [[String]] = []

    var rendered: String {
        var widths = columns.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        return ([columns] + rows).map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

/// Bytes shown to a person: the text when they are printable UTF-8, else hexadecimal.
enum PrintableBytes {
    /// A one-line rendering of at most `limit` characters (or bytes, in hex), `…` when cut.
    static func preview(_ bytes: [UInt8], limit: Int = 120) -> String {
        if let text = String(validating: bytes, as: UTF8.self), isPrintable(text) {
            let escaped = escape(text)
            return escaped.count > limit ? String(escaped.prefix(limit)) + "…" : escaped
        }
        let hex = bytes.prefix(limit / 2).map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
        return "hex:" + hex + (bytes.count > limit / 2 ? "…" : "")
    }

    /// The text for JSON output: the UTF-8 text when valid, else nil (the caller adds the hex form).
    static func text(_ bytes: [UInt8]?) -> String? {
        bytes.flatMap { String(validating: $0, as: UTF8.self) }
    }

    /// Lowercase hexadecimal of all the bytes.
    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }

    private static func isPrintable(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { scalar in
            scalar == "\n" || scalar == "\t" || scalar == "\r" || (scalar.value >= 0x20 && scalar.value != 0x7F)
        }
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
            .replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\t", with: "\\t")
    }
}

/// A record header as reports show it: its name and its value as text (nil for a null header).
public struct HeaderView: Encodable, Sendable, Hashable {
    /// The header's name.
    public var name: String
    /// The value as UTF-8 text; nil for a null header or one that is not UTF-8 (then `valueHex` is set).
    public var value: String?
    /// The value in hexadecimal when it is not UTF-8.
    public var valueHex: String?

    init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = PrintableBytes.text(value)
        self.valueHex = value.flatMap { PrintableBytes.text($0) == nil ? PrintableBytes.hex($0) : nil }
    }

    /// `name=value` for a person.
    var text: String {
        let shown = value.map { PrintableBytes.preview(Array($0.utf8), limit: 80) } ?? valueHex.map { "hex:" + $0 }
        return "\(name)=\(shown ?? "<null>")"
    }
}

/// An instant as reports show it: RFC 3339 in UTC with milliseconds.
func formatInstant(_ instant: Int64) -> String {
    TimestampFormat.format(instant)
}

/// Epoch milliseconds now.
func currentMilliseconds() -> Int64 {
    Int64((Date().timeIntervalSince1970 * 1_000).rounded(.down))
}
