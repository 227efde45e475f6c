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
    var isASCIIDigit: Bool {
        isASCII && isWholeNumber
    }

    /// Whether this is one of the ASCII hexadecimal digits 0-9, a-f, A-F.
    var isASCIIHexDigit: Bool {
        isASCII && isHexDigit
    }
}
