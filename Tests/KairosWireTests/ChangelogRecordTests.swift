import KafkaClient
import KairosWire
import ScheduleModel
import Testing

@Suite struct ChangelogRecordTests {
    @Test func aScheduleStateReadsBackAsTheSameScheduleAndBytes() throws {
        let schedule = kafkaSchedule()
        let encoded = ScheduleCodec.encode(schedule)
        let record = ChangelogRecord.state(id: schedule.id, encoded: encoded, topic: "k.changelog", partition: 3)
        #expect(record.topic == "k.changelog" && record.partition == 3 && record.key == Array("order-42".utf8))
        guard case .schedule(let read, let bytes) = ChangelogRecord.entry(key: record.key, value: record.value) else {
            Issue.record("not read as a schedule")
            return
        }
        #expect(read == schedule)
        #expect(bytes == encoded)
    }

    @Test func aTombstoneReadsBackAsTheEndOfItsSchedule() {
        let record = ChangelogRecord.tombstone(id: "gone-1", topic: "k.changelog", partition: 0)
        #expect(record.value == nil)
        guard case .removed(let id) = ChangelogRecord.entry(key: record.key, value: record.value) else {
            Issue.record("not read as a removal")
            return
        }
        #expect(id == "gone-1")
    }

    @Test(arguments: [Int64(0), 1, 41, 1 << 40, Int64.max])
    func aProgressRecordReadsBackAsItsOffset(offset: Int64) {
        let record = ChangelogRecord.progress(nextOffset: offset, topic: "k.changelog", partition: 5)
        #expect(record.partition == 5)
        let key = record.key ?? []
        #expect(ChangelogRecord.isProgress(key: key))
        // No schedule id can collide with it: ids are UTF-8, and 0xFF never occurs in UTF-8.
        #expect(String(validating: key, as: UTF8.self) == nil)
        guard case .progress(let next) = ChangelogRecord.entry(key: record.key, value: record.value) else {
            Issue.record("not read as progress")
            return
        }
        #expect(next == offset)
    }

    @Test func aScheduleIdIsNeverTakenForProgress() {
        for id in ["a", "ÿ", "\u{10FFFF}", "commands-next-offset"] {
            #expect(!ChangelogRecord.isProgress(key: Array(id.utf8)), "\(id)")
        }
    }

    @Test func damagedRecordsAreUnreadableWithAReason() {
        let cases: [([UInt8]?, [UInt8]?, String)] = [
            (nil, [1], "without a key"), ([], [1], "without a key"),
            (ChangelogRecord.progress(nextOffset: 1, topic: "t", partition: 0).key, [1, 2], "progress record"),
            (Array("broken".utf8), [3, 0, 0], "broken"),
        ]
        for (key, value, words) in cases {
            guard case .unreadable(let reason) = ChangelogRecord.entry(key: key, value: value) else {
                Issue.record("\(String(describing: key)) was read")
                continue
            }
            #expect(reason.contains(words), "\(reason)")
        }
    }
}
