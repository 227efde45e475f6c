import ScheduleModel
import Testing

@Suite struct HostPolicyTests {
    let policy = HostPolicy(
        patterns: ["*.example.com", "api.partner.io", "127.0.0.1", "[::1]", " Spaced.Example.org. "])

    // MARK: - Patterns

    @Test func exactPatternMatchesOnlyThatName() {
        #expect(policy.allows(host: "api.partner.io"))
        #expect(!policy.allows(host: "www.api.partner.io"))
        #expect(!policy.allows(host: "partner.io"))
        #expect(!policy.allows(host: "api.partner.io.evil.com"))
    }

    @Test func wildcardMatchesAnyDepthButNotTheApex() {
        #expect(policy.allows(host: "hooks.example.com"))
        #expect(policy.allows(host: "a.b.c.example.com"))
        #expect(!policy.allows(host: "example.com"))
        #expect(!policy.allows(host: "badexample.com"))
        #expect(!policy.allows(host: "example.com.evil.net"))
    }

    @Test func matchingIgnoresCaseTrailingDotsWhitespaceInPatternsAndBrackets() {
        #expect(policy.allows(host: "HOOKS.Example.COM"))
        #expect(policy.allows(host: "hooks.example.com."))
        #expect(policy.allows(host: "API.PARTNER.IO."))
        #expect(policy.allows(host: "spaced.example.org"))
        #expect(policy.allows(host: "::1"))
        #expect(policy.allows(host: "[0:0:0:0:0:0:0:1]"))
        #expect(policy.allows(host: "127.0.0.1"))
        #expect(!policy.allows(host: "127.0.0.2"))
    }

    @Test func starAllowsEverythingAndEmptyAllowsNothing() {
        let everything = HostPolicy(patterns: ["*"])
        #expect(everything.allows(host: "anything.at.all"))
        #expect(everything.allows(host: "10.0.0.1"))
        let nothing = HostPolicy()
        #expect(!nothing.allows(host: "example.com"))
        #expect(!HostPolicy(patterns: ["", "  "]).allows(host: "example.com"))
    }

    @Test func malformedWildcardsMatchNothingAndNeverMatchIPLiterals() {
        #expect(!HostPolicy(patterns: ["api.*.com"]).allows(host: "api.x.com"))
        #expect(!HostPolicy(patterns: ["*.."]).allows(host: "x.com"))
        #expect(!HostPolicy(patterns: ["*.*.com"]).allows(host: "a.b.com"))
        #expect(!HostPolicy(patterns: ["*.0.0.1"]).allows(host: "127.0.0.1"))
    }

    // MARK: - Address classes

    @Test(arguments: [
        ("8.8.8.8", AddressClass.global),
        ("1.1.1.1", .global),
        ("127.0.0.1", .loopback),
        ("127.255.255.254", .loopback),
        ("10.0.0.1", .privateNetwork),
        ("10.255.255.255", .privateNetwork),
        ("172.16.0.1", .privateNetwork),
        ("172.31.255.255", .privateNetwork),
        ("172.15.255.255", .global),
        ("172.32.0.0", .global),
        ("192.168.1.4", .privateNetwork),
        ("192.169.0.1", .global),
        ("169.254.169.254", .linkLocal),
        ("0.0.0.0", .unspecified),
        ("0.1.2.3", .reserved),
        ("100.64.0.1", .sharedAddressSpace),
        ("100.127.255.255", .sharedAddressSpace),
        ("100.128.0.0", .global),
        ("100.63.255.255", .global),
        ("224.0.0.1", .multicast),
        ("239.255.255.255", .multicast),
        ("240.0.0.1", .reserved),
        ("255.255.255.255", .reserved),
        ("192.0.0.8", .reserved),
        ("192.0.1.1", .global),
        ("198.18.0.1", .reserved),
        ("198.19.255.255", .reserved),
        ("198.20.0.0", .global),
    ])
    func ipv4Classes(text: String, expected: AddressClass) {
        #expect(AddressClass.of(text) == expected)
    }

    @Test(arguments: [
        ("::1", AddressClass.loopback),
        ("[::1]", .loopback),
        ("0:0:0:0:0:0:0:1", .loopback),
        ("::", .unspecified),
        ("[::]", .unspecified),
        ("fe80::1", .linkLocal),
        ("FE80::1%eth0", .linkLocal),
        ("[fe80::abcd%en0]", .linkLocal),
        ("febf:ffff::1", .linkLocal),
        ("fec0::1", .global),
        ("fc00::1", .uniqueLocal),
        ("fd12:3456:789a::1", .uniqueLocal),
        ("ff02::1", .multicast),
        ("2001:db8::1", .reserved),
        ("2001:db9::1", .global),
        ("2606:4700:4700::1111", .global),
        ("2001:4860:4860:0:0:0:0:8888", .global),
        ("::ffff:10.0.0.1", .privateNetwork),
        ("::ffff:127.0.0.1", .loopback),
        ("[::FFFF:169.254.169.254]", .linkLocal),
        ("::ffff:8.8.8.8", .global),
        ("::ffff:7f00:1", .loopback),
        ("::127.0.0.1", .loopback),
        ("::10.1.2.3", .privateNetwork),
        ("64:ff9b::192.168.0.1", .privateNetwork),
        ("64:ff9b::8.8.8.8", .global),
        ("64:ff9b::7f00:1", .loopback),
    ])
    func ipv6Classes(text: String, expected: AddressClass) {
        #expect(AddressClass.of(text) == expected)
    }

    @Test(arguments: [
        "010.0.0.1", "127.000.000.001", "1.2.3.04", "127.1", "2130706433", "0x7f.0.0.1", "0x7F000001", "256.1.1.1",
    ])
    func nonCanonicalNumericIPv4IsReserved(text: String) {
        #expect(AddressClass.of(text) == .reserved)
        let open = HostPolicy(patterns: ["*"])
        #expect(open.refusal(host: text)?.contains("KAIROS_HTTP_ALLOW_PRIVATE") == true)
    }

    @Test(arguments: [
        "example.com", "", "1.2.3.4.5", "1.2.3.", "[127.0.0.1]", "1:2:3:4:5:6:7:8:9", "1::2::3", ":::", "12345::1",
        "::ffff:010.0.0.1", "::g", "fe80::1%", "1:2:3:4:5:6:7", "1.2.3.4::", "[::1", "::1]",
    ])
    func textThatIsNotAnIPLiteralHasNoClass(text: String) {
        #expect(AddressClass.of(text) == nil)
    }

    @Test func onlyGlobalIsPublic() {
        let all: [AddressClass] = [
            .global, .loopback, .privateNetwork, .linkLocal, .unspecified, .multicast, .sharedAddressSpace, .reserved,
            .uniqueLocal,
        ]
        #expect(all.filter(\.isPublic) == [.global])
        #expect(AddressClass.privateNetwork.rawValue == "private")
        #expect(AddressClass.uniqueLocal.rawValue == "unique-local")
    }

    // MARK: - Refusals

    @Test func allowedPublicNamesAndAddressesAreNotRefused() {
        let open = HostPolicy(patterns: ["*"])
        #expect(open.refusal(host: "hooks.example.com") == nil)
        #expect(open.refusal(host: "8.8.8.8") == nil)
        #expect(open.refusal(host: "[2606:4700:4700::1111]") == nil)
        #expect(policy.refusal(host: "Hooks.Example.com.") == nil)
    }

    @Test func hostsOutsideTheAllowlistNameTheAllowlistSetting() throws {
        let refusal = try #require(policy.refusal(host: "hooks.other.com"))
        #expect(refusal.contains("KAIROS_ALLOWED_HTTP_HOSTS"))
        #expect(refusal.contains("hooks.other.com"))
        #expect(!refusal.contains("api.partner.io"), "the allowlist itself must not leak")
        let empty = try #require(HostPolicy().refusal(host: "example.com"))
        #expect(empty.contains("KAIROS_ALLOWED_HTTP_HOSTS is empty"))
    }

    @Test func listedPrivateLiteralsAreStillRefusedWithoutAllowPrivate() throws {
        let loopback = try #require(policy.refusal(host: "127.0.0.1"))
        #expect(loopback.contains("loopback"))
        #expect(loopback.contains("KAIROS_HTTP_ALLOW_PRIVATE"))
        let v6 = try #require(policy.refusal(host: "[::1]"))
        #expect(v6.contains("loopback"))
    }

    @Test(arguments: [
        ("10.0.0.1", "private"), ("169.254.169.254", "link-local"), ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"), ("100.64.0.1", "shared"), ("240.0.0.1", "reserved"), ("fd00::1", "unique-local"),
        ("::ffff:192.168.0.1", "private"), ("010.0.0.1", "non-canonical"),
    ])
    func nonPublicLiteralsAreRefusedWithTheirClassAndTheSetting(host: String, word: String) throws {
        let open = HostPolicy(patterns: ["*"])
        let refusal = try #require(open.refusal(host: host))
        #expect(refusal.contains(word), "\(refusal)")
        #expect(refusal.contains("KAIROS_HTTP_ALLOW_PRIVATE"))
    }

    @Test func localhostNamesAreRefusedUnlessPrivateIsAllowed() throws {
        let open = HostPolicy(patterns: ["*"])
        for host in ["localhost", "LOCALHOST.", "api.localhost"] {
            let refusal = try #require(open.refusal(host: host), "\(host)")
            #expect(refusal.contains("KAIROS_HTTP_ALLOW_PRIVATE"))
        }
        #expect(open.refusal(host: "localhost.example.com") == nil)
        #expect(open.refusal(host: "notlocalhost") == nil)
        #expect(HostPolicy(patterns: ["*"], allowPrivate: true).refusal(host: "localhost") == nil)
    }

    @Test func allowPrivateLetsPrivateThroughButNotHostsOutsideTheAllowlist() throws {
        let permissive = HostPolicy(patterns: ["10.0.0.1", "*.internal.example.com", "::1"], allowPrivate: true)
        #expect(permissive.refusal(host: "10.0.0.1") == nil)
        #expect(permissive.refusal(host: "[::1]") == nil)
        #expect(permissive.refusal(host: "db.internal.example.com") == nil)
        let outside = try #require(permissive.refusal(host: "10.0.0.2"))
        #expect(outside.contains("KAIROS_ALLOWED_HTTP_HOSTS"))
        #expect(permissive.refusal(host: "localhost") != nil)
        #expect(permissive.refusal(host: "example.com") != nil)
    }

    @Test(arguments: [
        "evil.com@127.0.0.1", "a b.com", "a..b.com", "-", "-a.com", "xn--caf-dma.com/x", "127.0.0.1%eth0", "[1.2.3.4]",
        "café.com",
    ])
    func malformedHostsAreRefusedAsInvalid(host: String) throws {
        let refusal = try #require(HostPolicy(patterns: ["*"], allowPrivate: true).refusal(host: host))
        #expect(refusal.contains("not a valid host name"), "\(refusal)")
    }

    @Test func overlongLabelsAndNamesAreInvalid() {
        let open = HostPolicy(patterns: ["*"])
        #expect(open.refusal(host: String(repeating: "a", count: 63) + ".com") == nil)
        #expect(open.refusal(host: String(repeating: "a", count: 64) + ".com") != nil)
        let longName = Array(repeating: String(repeating: "a", count: 49), count: 6).joined(separator: ".")
        #expect(longName.count == 299)
        #expect(open.refusal(host: longName) != nil)
    }

    // MARK: - Resolved addresses

    @Test func resolvedAddressesAreCheckedByClass() throws {
        let open = HostPolicy(patterns: ["*"])
        #expect(open.refusal(resolvedAddress: "93.184.216.34", host: "example.com") == nil)
        #expect(open.refusal(resolvedAddress: "2606:2800:220:1:248:1893:25c8:1946", host: "example.com") == nil)
        let rebound = try #require(open.refusal(resolvedAddress: "10.1.2.3", host: "rebind.example.com"))
        #expect(rebound.contains("rebind.example.com"))
        #expect(rebound.contains("10.1.2.3"))
        #expect(rebound.contains("private"))
        #expect(rebound.contains("KAIROS_HTTP_ALLOW_PRIVATE"))
        #expect(open.refusal(resolvedAddress: "::ffff:127.0.0.1", host: "x.example.com") != nil)
        #expect(open.refusal(resolvedAddress: "fe80::1%eth0", host: "x.example.com") != nil)
    }

    @Test func allowPrivateAcceptsAnyResolvedAddressButNeverGarbage() {
        let permissive = HostPolicy(patterns: ["*"], allowPrivate: true)
        #expect(permissive.refusal(resolvedAddress: "127.0.0.1", host: "localhost") == nil)
        #expect(permissive.refusal(resolvedAddress: "fd00::5", host: "x") == nil)
        #expect(permissive.refusal(resolvedAddress: "not-an-address", host: "x") != nil)
        #expect(HostPolicy(patterns: ["*"]).refusal(resolvedAddress: "", host: "x") != nil)
    }

    @Test func policiesCompareByValue() {
        #expect(HostPolicy(patterns: ["a"], allowPrivate: true) == HostPolicy(patterns: ["a"], allowPrivate: true))
        #expect(HostPolicy(patterns: ["a"]) != HostPolicy(patterns: ["a"], allowPrivate: true))
    }
}
