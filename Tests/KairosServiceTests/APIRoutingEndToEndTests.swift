import Foundation
import Testing

extension EndToEnd {
    /// Any instance answers for any id: a request for an id another instance owns is passed on to it, and its answer
    /// still comes after the owner applied the command (read-your-writes).
    @Suite(.serialized) struct APIRoutingEndToEndTests {
        /// The partitions each instance serves, by its admin status, once the three serve all four between them.
        private func waitForAssignment(_ admins: [AdminClient]) async throws -> [Set<Int>] {
            let deadline = Date().addingTimeInterval(90)
            while Date() < deadline {
                var owned: [Set<Int>] = []
                for admin in admins {
                    let status = try await admin.get("/admin/status")
                    let report = try? JSONSerialization.jsonObject(with: Data(status.body.utf8)) as? [String: Any]
                    let partitions = (report?["partitions"] as? [[String: Any]] ?? []).compactMap {
                        $0["partition"] as? Int
                    }
                    owned.append(report?["ready"] as? Bool == true ? Set(partitions) : [])
                }
                if owned.allSatisfy({ !$0.isEmpty }), owned.reduce(0, { $0 + $1.count }) == 4,
                    owned.reduce(Set<Int>(), { $0.union($1) }).count == 4
                {
                    return owned
                }
                try await Task.sleep(for: .milliseconds(200))  // poll interval of the wait for the assignment
            }
            throw TestFailure("the three instances did not share the four partitions within 90 s")
        }

        @Test func everyInstanceAnswersForEveryIdAfterItsOwnerAppliedTheWrite() async throws {
            let scratch = try ScratchDirectory()
            let (broker, bootstrap) = try KairosProcess.broker(in: scratch)
            defer { broker.terminate() }
            let names = ["a", "b", "c"]
            let instances = try names.map { name in
                try KairosProcess.scheduler(
                    bootstrap: bootstrap, stateDirectory: scratch.path(name), logPath: scratch.path("\(name).log"),
                    extra: APITokens.settings.merging(["KAIROS_INSTANCE_ID": name, "KAIROS_LOG_LEVEL": "info"]) { $1 })
            }
            defer { instances.forEach { $0.terminate() } }
            let apis = try names.map { try APIClient(stateDirectory: scratch.path($0)) }
            let admins = try names.map { try AdminClient(stateDirectory: scratch.path($0)) }
            let owned = try await waitForAssignment(admins)

            var forwarded = 0
            for index in 0..<12 {
                let id = "routed-\(index)"
                let asked = index % 3
                let body = #"{"target": "api.routed", "delay": "1h", "payload": {"text": "\#(index)"}}"#
                // Right after the group settled, an instance may not have read the others' directory entries yet:
                // it answers 503 with Retry-After, as a client is told to retry.
                var answer = try await apis[asked].request(.PUT, "/v1/schedules/\(id)", token: APITokens.operator, body: body)
                let deadline = Date().addingTimeInterval(30)
                while answer.status == 503, Date() < deadline {
                    try await Task.sleep(for: .milliseconds(500))  // the Retry-After of the answer, at most 1 s
                    answer = try await apis[asked].request(.PUT, "/v1/schedules/\(id)", token: APITokens.operator, body: body)
                }
                #expect(answer.status == 200, "\(id) through \(names[asked]): \(answer)")
                #expect(answer.json?["written"] as? Bool == true)
                let partition = answer.json?["partition"] as? Int ?? -1
                if !owned[asked].contains(partition) { forwarded += 1 }
                // Every instance reads it at once, the owner from its store, the others through the owner.
                for api in apis {
                    let read = try await api.request(.GET, "/v1/schedules/\(id)", token: APITokens.viewer)
                    #expect(read.status == 200 && read.json?["id"] as? String == id, "\(id) read: \(read)")
                    #expect((read.json?["spec"] as? [String: Any])?["payload"] != nil)
                }
            }
            #expect(forwarded > 0, "no request was asked of an instance that does not own its id")

            // A listing through any instance gathers every partition's schedules.
            let listing = try await apis[0].request(.GET, "/v1/schedules?limit=100", token: APITokens.viewer)
            let listed = (listing.json?["schedules"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(Set(listed) == Set((0..<12).map { "routed-\($0)" }), "\(listing)")
            for client in apis { await client.shutdown() }
            for admin in admins { await admin.shutdown() }
        }
    }
}
