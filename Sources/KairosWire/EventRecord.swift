import KafkaClient

/// A lifecycle event on `events`: one JSON object, keyed by schedule id.
struct EventRecord {
    enum Kind: String {
        case scheduled, replaced, cancelled, fired, retrying, rejected
        case deadLettered = "dead-lettered"
    }

    var kind: Kind
    var id: String
    var occurrence: Int64?
    var scheduledFor: Int64?
    var at: Int64
    var partition: Int32
    var detail: String?

    func record(topic: String) -> KafkaProducerRecord {
        // Written as bytes: one event per command and per firing, so this is on the hot path.
        var json: [UInt8] = []
        json.reserveCapacity(120 + id.utf8.count + (detail?.utf8.count ?? 0))
        json.append(contentsOf: #"{"type":""#.utf8)
        json.append(contentsOf: kind.rawValue.utf8)
        json.append(contentsOf: #"","id":"#.utf8)
        Self.appendQuoted(id, to: &json)
        json.append(contentsOf: #","occurrence":"#.utf8)
        Self.appendNumber(occurrence, to: &json)
        json.append(contentsOf: #","scheduledFor":"#.utf8)
        Self.appendNumber(scheduledFor, to: &json)
        json.append(contentsOf: #","at":"#.utf8)
        Self.appendNumber(at, to: &json)
        json.append(contentsOf: #","partition":"#.utf8)
        Self.appendNumber(Int64(partition), to: &json)
        json.append(contentsOf: #","detail":"#.utf8)
        if let detail {
            Self.appendQuoted(detail, to: &json)
        } else {
            json.append(contentsOf: "null".utf8)
        }
        json.append(UInt8(ascii: "}"))
        return KafkaProducerRecord(topic: topic, key: Array(id.utf8), value: json)
    }

    /// A JSON string literal.
    static func quote(_ text: String) -> String {
        var bytes: [UInt8] = []
        appendQuoted(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `text` as a JSON string literal.
    static func appendQuoted(_ text: String, to json: inout [UInt8]) {
        json.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): json.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): json.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "\n"): json.append(contentsOf: #"\n"#.utf8)
            case UInt8(ascii: "\r"): json.append(contentsOf: #"\r"#.utf8)
            case UInt8(ascii: "\t"): json.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                json.append(contentsOf: #"\u00"#.utf8)
                json.append(hex[Int(byte >> 4)])
                json.append(hex[Int(byte & 0xF)])
            default: json.append(byte)
            }
        }
        json.append(UInt8(ascii: "\""))
    }

    /// Appends a JSON number, or `null`.
    private static func appendNumber(_ value: Int64?, to json: inout [UInt8]) {
        guard let value else {
            json.append(contentsOf: "null".utf8)
            return
        }
        json.append(contentsOf: String(value).utf8)
    }
}
