import Foundation
import KairosSettings

/// The raw values of the settings, and their reading: each error names the setting, the value and what is expected.
struct SettingValues {
    let values: [String: String]

    init(_ values: [String: String]) {
        self.values = values
    }

    /// The value, trimmed; nil when unset or empty.
    func value(_ name: String) -> String? {
        guard let raw = values[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        return raw
    }

    func integer<T: FixedWidthInteger>(_ name: String, _ fallback: T, _ range: ClosedRange<T>) throws -> T {
        guard let raw = value(name) else { return fallback }
        guard let parsed = T(raw), range.contains(parsed) else {
            throw ConfigurationError("\(name): '\(raw)' is not a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return parsed
    }

    func choice(_ name: String, _ fallback: String, _ allowed: [String]) throws -> String {
        guard let raw = value(name) else { return fallback }
        guard allowed.contains(raw.lowercased()) else {
            throw ConfigurationError("\(name): '\(raw)' is not one of \(allowed.joined(separator: ", "))")
        }
        return raw.lowercased()
    }

    /// `host:port` (port 0 picks one), or nil for `off`.
    func address(_ name: String, _ fallback: String) throws -> (host: String, port: Int)? {
        let text = value(name) ?? fallback
        if text.lowercased() == "off" { return nil }
        guard let colon = text.lastIndex(of: ":"), colon != text.startIndex,
            let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port)
        else {
            throw ConfigurationError("\(name): '\(text)' is not host:port (port 0-65535) or 'off'")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        }
        return (host, port)
    }

    /// The contents of the file a setting names, or nil when unset.
    func file(_ name: String) throws -> String? {
        guard let path = value(name) else { return nil }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw ConfigurationError("\(name): cannot read '\(path)' as a text file")
        }
        return text
    }
}
