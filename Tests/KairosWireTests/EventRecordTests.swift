import Foundation
import KairosWire
import Testing

@Suite struct EventRecordTests {
    @Test func anEventReadsBackAsItWasWritten() throws {
        let events = [
            EventRecord(
                kind: .fired, id: "order-42", occurrence: 3, scheduledFor: 1_800_000_000_000, at: 1_800_000_000_012,
                partition: 7, detail: "last occurrence"),
            EventRecord(kind: .rejected, id: "", occurrence: nil, scheduledFor: nil, at: 5, partition: 0, detail: nil),
            EventRecord(
                kind: .deadLettered, id: "quote\"back\\slash\nline\ttab\u{1}ü", occurrence: 1, scheduledFor: -1,
                at: 0, partition: 11, detail: "a \"reason\"\r\n\u{7F}"),
        ]
        for event in events {
            let record = event.record(topic: "k.events")
            #expect(record.topic == "k.events")
            #expect(record.key == Array(event.id.utf8))
            #expect(try EventRecord(decoding: record.value ?? []) == event)
        }
    }

    @Test func theJSONHasTheContractsFieldsAndNulls() throws {
        let event = EventRecord(kind: .scheduled, id: "a", occurrence: nil, scheduledFor: 9, at: 10, partition: 2)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(event.encoded())) as? [String: Any])
        #expect(Set(object.keys) == ["type", "id", "occurrence", "scheduledFor", "at", "partition", "detail"])
        #expect(object["type"] as? String == "scheduled")
        #expect(object["occurrence"] is NSNull && object["detail"] is NSNull)
        #expect(object["scheduledFor"] as? Int == 9 && object["partition"] as? Int == 2)
    }

    @Test func kindsAReaderDoesNotKnowStillRead() throws {
        let json =
            #"{"type":"defrosted","id":"x","occurrence":null,"scheduledFor":null,"at":1,"partition":0,"detail":null}"#
        let event = try EventRecord(decoding: Array(json.utf8))
        #expect(event.kind.rawValue == "defrosted")
    }

    @Test func somethingElseIsNotAnEvent() {
        for text in ["", "{}", "[1]", #"{"type":"fired","id":"x"}"#, "not json"] {
            #expect(throws: (any Error).self, "\(text)") { try EventRecord(decoding: Array(text.utf8)) }
        }
    }

    @Test func quotingEscapesWhatJSONRequires() throws {
        let text = "tab\there \"quoted\" back\\ nul\u{0} bell\u{7}"
        let quoted = JSONText.quote(text)
        let decoded = try JSONDecoder().decode(String.self, from: Data(quoted.utf8))
        #expect(decoded == text)
        #expect(!quoted.utf8.contains { $0 < 0x20 })
    }
}
