import Foundation
import KairosEngine
import Testing

@testable import KairosAPI
import TestThreads

@Suite(.ownThreads) struct OpenAPIDocumentTests {
    private var committed: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/openapi.json")
    }

    /// The same JSON, whatever the layout.
    private func canonical(_ data: Data) throws -> Data {
        try JSONSerialization.data(withJSONObject: try JSONSerialization.jsonObject(with: data), options: [.sortedKeys])
    }

    @Test func theServedDocumentIsTheCommittedOne() throws {
        let committedJSON = try canonical(try Data(contentsOf: committed))
        #expect(committedJSON == (try canonical(Data(OpenAPIDocument.json.utf8))), "run scripts/embed-openapi")
    }

    @Test func itDescribesEveryRoute() throws {
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let routes: [(String, String)] = [
            ("/v1/schedules", "get"), ("/v1/schedules/{id}", "get"), ("/v1/schedules/{id}", "put"),
            ("/v1/schedules/{id}", "delete"), ("/v1/schedules/{id}/pause", "post"),
            ("/v1/schedules/{id}/resume", "post"), ("/v1/schedules/{id}/trigger", "post"),
            ("/v1/schedules/{id}/events", "get"), ("/v1/preview", "get"), ("/v1/dead-letters", "get"),
            ("/v1/dead-letters/replay", "post"), ("/v1/openapi.json", "get"),
        ]
        for (path, method) in routes {
            #expect(paths[path]?[method] != nil, "\(method) \(path)")
        }
    }
}

@Suite(.ownThreads) struct ListingCursorTests {
    @Test func aCursorGivesBackThePositionItWasMadeFrom() {
        for position in [
            ScheduleReader.Position(dueAt: 1_790_000_000_000, id: "order-42"),
            ScheduleReader.Position(dueAt: 0, id: "with:colons/and+slashes=é"),
            ScheduleReader.Position(dueAt: Int64.max, id: ""),
        ] {
            let cursor = APIServer.cursor(for: position)
            #expect(!cursor.contains("+") && !cursor.contains("/") && !cursor.contains("="), "URL-safe: \(cursor)")
            #expect(APIServer.position(fromCursor: cursor) == position)
        }
        #expect(APIServer.position(fromCursor: "not a cursor!") == nil)
        #expect(APIServer.position(fromCursor: Data("soon:x".utf8).base64EncodedString()) == nil)
    }
}
