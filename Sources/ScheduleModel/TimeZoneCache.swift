internal import Synchronization
#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Process-wide cache of zones loaded from the system database; each file is read once.
final class TimeZoneCache: Sendable {
    static let shared = TimeZoneCache()

    private let zones = Mutex<[String: TimeZoneRules]>([:])

    func rules(named name: String) throws(TimeZoneError) -> TimeZoneRules {
        if let cached = zones.withLock({ $0[name] }) { return cached }
        guard TimeZoneCache.isPlausibleName(name) else { throw .invalidName(name) }
        guard let bytes = TimeZoneCache.readFile("\(TimeZoneRules.databaseDirectory)/\(name)") else {
            throw .unknownZone(name)
        }
        guard bytes.count >= 4, bytes[0] == 0x54, bytes[1] == 0x5A, bytes[2] == 0x69, bytes[3] == 0x66 else {
            throw .unknownZone(name)
        }
        let rules = try TimeZoneRules(identifier: name, tzif: bytes)
        zones.withLock { $0[name] = rules }
        return rules
    }

    /// IANA names: letters, digits, `/`, `_`, `-`, `+`; no empty or dot-only path parts.
    static func isPlausibleName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 128 else { return false }
        let allowed = name.unicodeScalars.allSatisfy {
            ($0.properties.isASCIIHexDigit || ($0.value >= 0x41 && $0.value <= 0x5A) || ($0.value >= 0x61 && $0.value <= 0x7A)
                || ($0.value >= 0x30 && $0.value <= 0x39) || $0 == "/" || $0 == "_" || $0 == "-" || $0 == "+")
        }
        guard allowed else { return false }
        return name.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && $0.first != "." }
    }

    /// The whole file, or nil when it cannot be opened or is not a regular file.
    static func readFile(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count > 0 { result.append(contentsOf: buffer[0..<count]) }
            if count < buffer.count { break }
            if result.count > 1 << 20 { return nil }
        }
        return ferror(file) == 0 ? result : nil
    }
}
