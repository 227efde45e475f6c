import Foundation
@testable import KairosWire
import Testing

@Suite struct HomePartitionTests {
    /// Keys of every length class (the murmur2 tail has 0-3 bytes), non-ASCII ones, and an empty one.
    static let keys: [String] = ["", "a", "ab", "abc", "abcd", "order-42", "reminder-7", "ü", "日本語のキー", "x y\tz"]
        + (0..<60).map { "schedule-\($0)-\(String(repeating: "k", count: $0 % 7))" }

    @Test func murmur2AgreesWithJavasPartitionerAsPython3KafkaComputesIt() throws {
        let expected = try python(
            "from kafka.partitioner.default import murmur2\n"
                + "for key in keys: print(murmur2(key.encode()) & 0x7fffffff)")
        #expect(Self.keys.map { String(HomePartition.murmur2(Array($0.utf8)) & 0x7FFF_FFFF) } == expected)
    }

    @Test func crc32AgreesWithZlib() throws {
        let expected = try python("import zlib\nfor key in keys: print(zlib.crc32(key.encode()))")
        #expect(Self.keys.map { String(HomePartition.crc32(Array($0.utf8))) } == expected)
    }

    @Test(arguments: HomePartition.Rule.allCases, [Int32(1), 4, 12, 97])
    func everyIdHasOneHomeWithinTheTopic(rule: HomePartition.Rule, partitions: Int32) {
        let home = HomePartition(rule: rule, partitions: partitions)
        for key in Self.keys {
            let partition = home.of(key)
            #expect((0..<partitions).contains(partition))
            #expect(home.of(key: Array(key.utf8)) == partition)
        }
    }

    @Test func theTwoRulesSendMostIdsToDifferentPartitions() {
        let murmur = HomePartition(rule: .murmur2, partitions: 12)
        let crc = HomePartition(rule: .crc32, partitions: 12)
        let differing = Self.keys.filter { murmur.of($0) != crc.of($0) }.count
        // Why the rule matters: a client with the other partitioner would write most commands elsewhere.
        #expect(differing > Self.keys.count / 2)
    }

    /// Runs `body` under Debian's Python 3 (which has python3-kafka) with `keys` defined; returns its lines.
    private func python(_ body: String) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        let literal = Self.keys.map { "\"" + $0.unicodeScalars.map { "\\U\(String(format: "%08x", $0.value))" }.joined() + "\"" }
        process.arguments = ["-c", "keys = [\(literal.joined(separator: ", "))]\n" + body]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
