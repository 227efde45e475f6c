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
        var json = "{\"type\":\"\(kind.rawValue)\",\"id\":\(Self.quote(id))"
        json += ",\"occurrence\":\(occurrence.map(String.init) ?? "null")"
        json += ",\"scheduledFor\":\(scheduledFor.map(String.init) ?? "null")"
        json += ",\"at\":\(at),\"partition\":\(partition)"
        json += ",\"detail\":\(detail.map(Self.quote) ?? "null")}"
        return KafkaProducerRecord(topic: topic, key: Array(id.utf8), value: Array(json.utf8))
    }

    /// A JSON string literal.
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
