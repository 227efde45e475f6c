import KairosWire
import Testing

@Suite struct OrderedIntegerTests {
    @Test func bytesSortLikeTheNumbers() {
        let values: [Int64] = [.min, -1_000_000, -256, -1, 0, 1, 255, 256, 1_700_000_000_000, .max]
        let encoded = values.map(OrderedInteger.encode)
        for (earlier, later) in zip(encoded, encoded.dropFirst()) {
            #expect(earlier.lexicographicallyPrecedes(later))
        }
        #expect(encoded.map { OrderedInteger.decode($0) } == values)
    }

    @Test func onlyEightBytesAreAnInteger() {
        #expect(OrderedInteger.decode([UInt8]()) == nil)
        #expect(OrderedInteger.decode([UInt8](repeating: 0, count: 7)) == nil)
        #expect(OrderedInteger.decode([UInt8](repeating: 0, count: 9)) == nil)
        #expect(OrderedInteger.decode(OrderedInteger.encode(5)[0..<8]) == 5)
    }
}
