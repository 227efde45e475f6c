/// Which hosts HTTP targets may name (SSRF guard).
///
/// Two settings shape it: `KAIROS_ALLOWED_HTTP_HOSTS` (the allowlist, `patterns`) and
/// `KAIROS_HTTP_ALLOW_PRIVATE` (`allowPrivate`). A host is callable only when it matches a
/// pattern and, if it is an IP literal or a `localhost` name, its address class is public or
/// `allowPrivate` is on. After DNS resolution every resolved address is checked again with
/// `refusal(resolvedAddress:host:)`, so a public name pointing at a private address is refused too.
/// All checks are pure string work: no I/O, no resolver, no locale.
public struct HostPolicy: Sendable, Hashable {
    /// The allowlist from `KAIROS_ALLOWED_HTTP_HOSTS`, e.g. `["*.example.com", "api.partner.io", "127.0.0.1"]`.
    /// `"*"` allows every host; `"*.suffix"` allows names below `suffix` at any depth; anything else is exact.
    /// Surrounding whitespace, letter case, one trailing dot and IPv6 brackets in a pattern are ignored.
    public var patterns: [String]
    /// `KAIROS_HTTP_ALLOW_PRIVATE`: whether loopback, private, link-local and other non-public addresses may be called.
    public var allowPrivate: Bool

    /// A policy from its two settings; the default allows nothing.
    public init(patterns: [String] = [], allowPrivate: Bool = false) {
        self.patterns = patterns
        self.allowPrivate = allowPrivate
    }

    /// Whether `host` (a DNS name or an IP literal; IPv6 may come with or without brackets) matches a pattern.
    ///
    /// Case-insensitive, one trailing dot ignored. `"*.example.com"` matches any name ending in
    /// `".example.com"` (at any depth) but not `"example.com"` itself, and never an IP literal; a pattern
    /// without `"*"` matches exactly (IP literals by value, so `"::1"` matches `"[0:0::1]"`); `"*"` matches
    /// everything. A pattern with `"*"` anywhere but as its whole first label matches nothing.
    /// This is pattern matching only: it does not look at address classes (see `refusal(host:)`).
    public func allows(host: String) -> Bool {
        let candidate = HostPolicy.normalized(host)
        let candidateLiteral = IPLiteral.parse(candidate)
        for pattern in patterns {
            let pattern = HostPolicy.normalized(HostPolicy.trimmed(pattern))
            if pattern == "*" {
                return true
            }
            if pattern.hasPrefix("*.") {
                let suffix = pattern.dropFirst()  // ".example.com"
                let isWellFormed = !suffix.dropFirst().isEmpty && !suffix.dropFirst().contains("*")
                if isWellFormed && candidateLiteral == nil && candidate.count > suffix.count
                    && candidate.hasSuffix(suffix)
                {
                    return true
                }
                continue
            }
            if pattern.isEmpty || pattern.contains("*") {
                continue
            }
            if pattern == candidate {
                return true
            }
            if let candidateLiteral, let patternLiteral = IPLiteral.parse(pattern),
                candidateLiteral.isSameAddress(as: patternLiteral)
            {
                return true
            }
        }
        return false
    }

    /// nil when `host` may be called; otherwise a sentence a person can act on saying why not.
    ///
    /// Checks, in order: that `host` is an IP literal or a well-formed DNS name (ASCII letters, digits, `-`, `_`;
    /// labels of 1-63 characters, not starting or ending in `-`; at most 253 characters; the last label not all
    /// digits); that it matches `KAIROS_ALLOWED_HTTP_HOSTS`; and, for an IP literal or the name `localhost` (or a
    /// name ending in `.localhost`), that its address class is public unless `KAIROS_HTTP_ALLOW_PRIVATE` is on.
    /// Numeric forms that some resolvers read as IPv4 but that are not a canonical dotted quad
    /// (`"010.0.0.1"`, `"127.1"`, `"0x7f.0.0.1"`, `"2130706433"`) count as reserved and are refused likewise.
    /// The message names the setting to change; it never lists the allowlist itself.
    public func refusal(host: String) -> String? {
        let candidate = HostPolicy.normalized(host)
        let literal = IPLiteral.parse(candidate)
        guard literal != nil || HostPolicy.isWellFormedName(candidate) else {
            return "HTTP target host '\(host)' is not a valid host name or IP address."
        }
        guard allows(host: host) else {
            if patterns.allSatisfy({ HostPolicy.trimmed($0).isEmpty }) {
                return "HTTP target host '\(host)' is not allowed: KAIROS_ALLOWED_HTTP_HOSTS is empty, so no HTTP "
                    + "host may be called; add '\(candidate)' (or a pattern such as '*.example.com') to it."
            }
            return "HTTP target host '\(host)' is not in KAIROS_ALLOWED_HTTP_HOSTS; add it (or a pattern such as "
                + "'*.example.com' that covers it) to allow it."
        }
        if allowPrivate {
            return nil
        }
        if let literal {
            let addressClass = literal.addressClass
            guard !addressClass.isPublic else {
                return nil
            }
            let what =
                literal.isNonCanonicalIPv4
                ? "is a non-canonical numeric IPv4 form (leading zeros, hex or fewer than four parts), treated as "
                    + "a reserved address"
                : "is \(addressClass.phrase)"
            return "HTTP target host '\(host)' \(what); \(HostPolicy.allowPrivateAdvice)"
        }
        if candidate == "localhost" || candidate.hasSuffix(".localhost") {
            return "HTTP target host '\(host)' names the local machine (loopback); \(HostPolicy.allowPrivateAdvice)"
        }
        return nil
    }

    /// nil when a resolved address may be connected to; else the reason (address class, setting to change).
    ///
    /// Used after DNS resolution of `host` (which is only quoted in the message). Any address is accepted
    /// when `allowPrivate` is on, otherwise only `.global` ones; text that is not an IP literal is always
    /// refused, so a resolver oddity can never slip through.
    public func refusal(resolvedAddress: String, host: String) -> String? {
        guard let literal = IPLiteral.parse(HostPolicy.normalized(resolvedAddress)) else {
            return "HTTP target host '\(host)' resolved to '\(resolvedAddress)', which is not an IP address; "
                + "the connection is refused."
        }
        if allowPrivate || literal.addressClass.isPublic {
            return nil
        }
        return "HTTP target host '\(host)' resolved to \(resolvedAddress), \(literal.addressClass.phrase); "
            + HostPolicy.allowPrivateAdvice
    }

    private static let allowPrivateAdvice =
        "set KAIROS_HTTP_ALLOW_PRIVATE=true to allow calls to non-public addresses."

    /// Lower-cased, one trailing dot and brackets around IPv6 text removed.
    static func normalized(_ text: String) -> String {
        var value = Substring(text.lowercased())
        if value.hasSuffix(".") {
            value = value.dropLast()
        }
        if value.hasPrefix("[") && value.hasSuffix("]") && value.contains(":") {
            value = value.dropFirst().dropLast()
        }
        return String(value)
    }

    /// `text` without leading and trailing spaces, tabs and line breaks.
    static func trimmed(_ text: String) -> String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = text.firstIndex(where: { !isBlank($0) }),
            let last = text.lastIndex(where: { !isBlank($0) })
        else {
            return ""
        }
        return String(text[first...last])
    }

    /// Whether a normalized (lower-case, no trailing dot) name is a well-formed DNS host name.
    static func isWellFormedName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 253 else {
            return false
        }
        let labels = name.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        for label in labels {
            guard (1...63).contains(label.count) else {
                return false
            }
            let isAllowed: (UInt8) -> Bool = { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            }
            guard label.allSatisfy(isAllowed), label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-") else {
                return false
            }
        }
        // A name whose last label is all digits would be read as a number by resolvers, never as a name.
        guard let lastLabel = labels.last else {
            return false
        }
        return !lastLabel.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }
}

/// What kind of address an IP literal is.
public enum AddressClass: String, Sendable {
    /// A publicly routable address.
    case global
    /// 127.0.0.0/8 or ::1.
    case loopback
    /// 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (RFC 1918).
    case privateNetwork = "private"
    /// 169.254.0.0/16 or fe80::/10.
    case linkLocal = "link-local"
    /// 0.0.0.0 or ::.
    case unspecified
    /// 224.0.0.0/4 or ff00::/8.
    case multicast
    /// 100.64.0.0/10, carrier-grade NAT (RFC 6598).
    case sharedAddressSpace = "shared"
    /// Reserved or special-purpose ranges, and non-canonical numeric IPv4 forms.
    case reserved
    /// fc00::/7 (RFC 4193).
    case uniqueLocal = "unique-local"

    /// The class of an IPv4 or IPv6 literal (brackets allowed, zone id like `%eth0` allowed on IPv6),
    /// nil when the text is not an IP literal.
    ///
    /// IPv4 must be a dotted quad of decimal octets 0-255 to get its real class; other all-numeric forms that
    /// resolvers may read as IPv4 (leading zeros, hex, octets above 255, fewer than four parts, a bare integer)
    /// are `.reserved`. IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`) and NAT64
    /// (`64:ff9b::a.b.c.d`) IPv6 addresses take the class of the embedded IPv4 address. Matching is
    /// case-insensitive; surrounding whitespace or a trailing dot make the text not a literal.
    public static func of(_ text: String) -> AddressClass? {
        IPLiteral.parse(text.lowercased())?.addressClass
    }

    /// Whether an address of this class may be called without `KAIROS_HTTP_ALLOW_PRIVATE` (only `.global`).
    public var isPublic: Bool {
        self == .global
    }

    /// "a loopback address" and the like, for messages.
    var phrase: String {
        switch self {
        case .global: "a public address"
        case .loopback: "a loopback address"
        case .privateNetwork: "a private address"
        case .linkLocal: "a link-local address"
        case .unspecified: "the unspecified address"
        case .multicast: "a multicast address"
        case .sharedAddressSpace: "a shared (carrier-grade NAT) address"
        case .reserved: "a reserved address"
        case .uniqueLocal: "a unique-local address"
        }
    }
}

/// An IP address parsed from text.
enum IPLiteral: Hashable {
    /// A canonical dotted-quad IPv4 address.
    case v4(UInt32)
    /// An IPv6 address with its zone id (lower-cased, without `%`), if any.
    case v6(UInt128, zone: String?)
    /// All-numeric text that resolvers may read as IPv4 but that is not a canonical dotted quad.
    case nonCanonicalV4(String)

    /// Parses lower-cased text; brackets are accepted around IPv6 only.
    static func parse(_ text: String) -> IPLiteral? {
        if text.hasPrefix("[") || text.hasSuffix("]") {
            guard text.hasPrefix("[") && text.hasSuffix("]") && text.count >= 2 else {
                return nil
            }
            let inner = text.dropFirst().dropLast()
            guard inner.contains(":") else {
                return nil
            }
            return parseV6(inner)
        }
        if text.contains(":") {
            return parseV6(Substring(text))
        }
        if let address = parseDottedQuad(Substring(text)) {
            return .v4(address)
        }
        return isNumericV4Form(text) ? .nonCanonicalV4(text) : nil
    }

    /// Four decimal octets 0-255, each without leading zeros.
    static func parseDottedQuad(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else {
            return nil
        }
        var address: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCIIDigit),
                part.count == 1 || part.first != "0",
                let octet = UInt32(part), octet <= 255
            else {
                return nil
            }
            address = address << 8 | octet
        }
        return address
    }

    /// Whether `text` is one to four dot-separated parts, each decimal digits or `0x` and hex digits,
    /// the forms `inet_aton` and many URL parsers read as IPv4.
    static func isNumericV4Form(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...4).contains(parts.count) else {
            return false
        }
        return parts.allSatisfy { part in
            if part.hasPrefix("0x") {
                return part.dropFirst(2).allSatisfy(\.isASCIIHexDigit)
            }
            return !part.isEmpty && part.allSatisfy(\.isASCIIDigit)
        }
    }

    /// Full IPv6 text form: up to eight groups, one `::`, an optional trailing dotted quad and `%zone`.
    static func parseV6(_ text: Substring) -> IPLiteral? {
        var addressText = text
        var zone: String?
        if let percent = text.firstIndex(of: "%") {
            addressText = text[..<percent]
            let zoneText = text[text.index(after: percent)...]
            guard !zoneText.isEmpty else {
                return nil
            }
            zone = String(zoneText)
        }
        let halves = addressText.split(separator: "::", maxSplits: 2, omittingEmptySubsequences: false)
        guard halves.count <= 2 else {
            return nil
        }
        let hasGap = halves.count == 2
        guard let head = parseGroups(halves[0], mayEndInIPv4: !hasGap) else {
            return nil
        }
        var tail: [UInt16] = []
        if hasGap {
            guard let groups = parseGroups(halves[1], mayEndInIPv4: true) else {
                return nil
            }
            tail = groups
        }
        let explicitCount = head.count + tail.count
        guard hasGap ? explicitCount <= 7 : explicitCount == 8 else {
            return nil
        }
        let groups = head + Array(repeating: 0, count: 8 - explicitCount) + tail
        let address = groups.reduce(UInt128(0)) { $0 << 16 | UInt128($1) }
        return .v6(address, zone: zone)
    }

    /// Colon-separated hex groups of 1-4 digits (an empty text gives none); the last may be a dotted quad.
    static func parseGroups(_ text: Substring, mayEndInIPv4: Bool) -> [UInt16]? {
        if text.isEmpty {
            return []
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        var groups: [UInt16] = []
        for (index, part) in parts.enumerated() {
            if index == parts.count - 1 && mayEndInIPv4 && part.contains(".") {
                guard let embedded = parseDottedQuad(part) else {
                    return nil
                }
                groups.append(UInt16(truncatingIfNeeded: embedded >> 16))
                groups.append(UInt16(truncatingIfNeeded: embedded))
                continue
            }
            guard (1...4).contains(part.count), part.allSatisfy(\.isASCIIHexDigit), let group = UInt16(part, radix: 16)
            else {
                return nil
            }
            groups.append(group)
        }
        return groups
    }

    /// Whether both name the same address (and the same zone, for IPv6).
    func isSameAddress(as other: IPLiteral) -> Bool {
        self == other
    }

    /// Whether this is a non-canonical numeric IPv4 form.
    var isNonCanonicalIPv4: Bool {
        if case .nonCanonicalV4 = self {
            return true
        }
        return false
    }

    var addressClass: AddressClass {
        switch self {
        case .v4(let address):
            IPLiteral.classOfV4(address)
        case .v6(let address, _):
            IPLiteral.classOfV6(address)
        case .nonCanonicalV4:
            .reserved
        }
    }

    /// IPv4 special-purpose blocks, most specific first where they overlap.
    private static let v4Blocks: [(network: UInt32, prefixLength: Int, addressClass: AddressClass)] = [
        (v4(0, 0, 0, 0), 32, .unspecified),
        (v4(0, 0, 0, 0), 8, .reserved),
        (v4(10, 0, 0, 0), 8, .privateNetwork),
        (v4(100, 64, 0, 0), 10, .sharedAddressSpace),
        (v4(127, 0, 0, 0), 8, .loopback),
        (v4(169, 254, 0, 0), 16, .linkLocal),
        (v4(172, 16, 0, 0), 12, .privateNetwork),
        (v4(192, 0, 0, 0), 24, .reserved),
        (v4(192, 168, 0, 0), 16, .privateNetwork),
        (v4(198, 18, 0, 0), 15, .reserved),
        (v4(224, 0, 0, 0), 4, .multicast),
        (v4(240, 0, 0, 0), 4, .reserved),  // includes 255.255.255.255
    ]

    private static func v4(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: UInt32) -> UInt32 {
        a << 24 | b << 16 | c << 8 | d
    }

    static func classOfV4(_ address: UInt32) -> AddressClass {
        for block in v4Blocks {
            let shift = UInt32(32 - block.prefixLength)
            if address >> shift == block.network >> shift {
                return block.addressClass
            }
        }
        return .global
    }

    /// IPv6 special-purpose blocks that do not embed IPv4.
    private static let v6Blocks: [(network: UInt128, prefixLength: Int, addressClass: AddressClass)] = [
        (0xfe80 << 112, 10, .linkLocal),
        (0xfc00 << 112, 7, .uniqueLocal),
        (0xff00 << 112, 8, .multicast),
        (0x2001_0db8 << 96, 32, .reserved),
    ]

    static func classOfV6(_ address: UInt128) -> AddressClass {
        let embeddedV4 = UInt32(truncatingIfNeeded: address)
        switch address {
        case 0:
            return .unspecified
        case 1:
            return .loopback
        case _ where address >> 32 == 0xffff:  // ::ffff:a.b.c.d, IPv4-mapped
            return classOfV4(embeddedV4)
        case _ where address >> 32 == 0:  // ::a.b.c.d, IPv4-compatible
            return classOfV4(embeddedV4)
        case _ where address >> 32 == 0x0064_ff9b << 64:  // 64:ff9b::a.b.c.d, NAT64
            return classOfV4(embeddedV4)
        default:
            break
        }
        for block in v6Blocks {
            let shift = UInt128(128 - block.prefixLength)
            if address >> shift == block.network >> shift {
                return block.addressClass
            }
        }
        return .global
    }
}

extension Character {
    /// Whether this is one of the ASCII digits 0-9.
    fileprivate var isASCIIDigit: Bool {
        isASCII && isWholeNumber
    }

    /// Whether this is one of the ASCII hexadecimal digits 0-9, a-f, A-F.
    fileprivate var isASCIIHexDigit: Bool {
        isASCII && isHexDigit
    }
}
