/// An absolute `http://` or `https://` URL, split into the parts delivery needs.
///
/// Stricter than a browser: no user information (credentials belong in `kairos-http-header-authorization`), no
/// fragment, no whitespace or control characters, at most 2,048 bytes. A host is a DNS name or an IP literal
/// (IPv6 in brackets).
public struct HTTPURL: Sendable, Hashable {
    /// `http` or `https`.
    public var scheme: String
    /// The host in lower case; an IPv6 literal without its brackets.
    public var host: String
    /// The explicit port, if the URL names one.
    public var port: Int?
    /// Path and query, starting with `/` (just `/` when the URL has neither).
    public var pathAndQuery: String

    public static let maxLength = 2_048

    /// Parses `text`; the error says what is wrong in words a person can act on.
    public init(parsing text: String) throws(HTTPURLError) {
        guard text.utf8.count <= Self.maxLength else {
            throw HTTPURLError("the URL is \(text.utf8.count) bytes, over the limit of \(Self.maxLength)")
        }
        guard text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F }) else {
            throw HTTPURLError("the URL contains spaces or control characters; percent-encode them")
        }
        guard let colon = text.firstIndex(of: ":"), text[colon...].hasPrefix("://") else {
            throw HTTPURLError("'\(text)' is not an absolute http:// or https:// URL")
        }
        let scheme = text[..<colon].lowercased()
        guard scheme == "http" || scheme == "https" else {
            throw HTTPURLError("scheme '\(scheme)' is not http or https")
        }
        let rest = text[text.index(colon, offsetBy: 3)...]
        let delimiters: Set<Character> = ["/", "?", "#"]
        let authorityEnd = rest.firstIndex(where: { delimiters.contains($0) }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var tail = String(rest[authorityEnd...])
        guard !authority.contains("@") else {
            throw HTTPURLError("the URL carries credentials; send them with kairos-http-header-authorization instead")
        }
        guard !tail.contains("#") else {
            throw HTTPURLError("the URL has a fragment (#...), which is never sent to a server; remove it")
        }
        if tail.isEmpty {
            tail = "/"
        } else if tail.hasPrefix("?") {
            tail = "/" + tail
        }
        var hostText: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw HTTPURLError("the IPv6 host in '\(text)' has no closing bracket")
            }
            hostText = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else {
                    throw HTTPURLError("unexpected text after the IPv6 host in '\(text)'")
                }
                portText = after.dropFirst()
            }
            guard !hostText.isEmpty, hostText.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." || $0 == "%" })
            else {
                throw HTTPURLError("'\(hostText)' is not an IPv6 address")
            }
        } else {
            if let colon = authority.lastIndex(of: ":") {
                hostText = authority[..<colon]
                portText = authority[authority.index(after: colon)...]
            } else {
                hostText = authority
            }
            guard !hostText.isEmpty, hostText.utf8.count <= 253, ASCIICharacterSet.hostName.containsAll(hostText) else {
                throw HTTPURLError("'\(hostText)' is not a host name (letters, digits, '.', '-') or an IP address")
            }
        }
        var port: Int?
        if let portText {
            guard let number = Int(portText), (1...65_535).contains(number), portText.allSatisfy(\.isASCII) else {
                throw HTTPURLError("port '\(portText)' is not a number from 1 to 65535")
            }
            port = number
        }
        self.scheme = scheme
        self.host = hostText.lowercased()
        self.port = port
        self.pathAndQuery = tail
    }

    /// The port connected to: the explicit one, else 80 or 443.
    public var effectivePort: Int { port ?? (scheme == "https" ? 443 : 80) }

    /// The URL as text, with `host` in place of the original host (an IPv6 literal gets brackets).
    public func text(host: String? = nil) -> String {
        let name = host ?? self.host
        let bracketed = name.contains(":") ? "[\(name)]" : name
        return "\(scheme)://\(bracketed)\(port.map { ":\($0)" } ?? "")\(pathAndQuery)"
    }

    /// The `Host` header value for this URL.
    public var hostHeader: String {
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return port.map { "\(bracketed):\($0)" } ?? bracketed
    }
}

/// Why a text is not an acceptable HTTP target URL.
public struct HTTPURLError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
