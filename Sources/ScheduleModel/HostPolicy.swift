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
