import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import WebhookReceiver
import TestThreads

/// Drives ``WebhookReceiver`` with real HTTP clients over TCP.
@Suite(.ownThreads) struct WebhookReceiverTests {
    struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var body: String
    }

    /// Starts a receiver and a client, runs `body`, and shuts both down even when `body` throws.
    func withReceiver(
        recordBodies: Bool = true,
        _ body: (WebhookReceiver, HTTPClient) async throws -> Void
    ) async throws {
        let receiver = try await WebhookReceiver.start(recordBodies: recordBodies)
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            try await body(receiver, client)
        } catch {
            try? await client.shutdown()
            try? await receiver.shutdown()
            throw error
        }
        try await client.shutdown()
        try await receiver.shutdown()
    }

    func send(
        _ client: HTTPClient,
        _ url: String,
        method: HTTPMethod = .GET,
        headers: [(String, String)] = [],
        body: [UInt8]? = nil,
        timeout: TimeAmount = .seconds(10)
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers {
            request.headers.add(name: name, value: value)
        }
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await client.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }

    @Test func answers200ByDefaultAndRecordsTheRequest() async throws {
        try await withReceiver { receiver, client in
            #expect(receiver.port > 0)
            #expect(receiver.baseURL == "http://127.0.0.1:\(receiver.port)")
            let before = Int64(Date().timeIntervalSince1970 * 1000)
            let answer = try await send(client, receiver.baseURL + "/anything?x=1")
            #expect(answer.status == 200)
            #expect(answer.headers["content-length"] == ["0"])
            #expect(receiver.count == 1)
            let recorded = receiver.requests()
            #expect(recorded.count == 1)
            #expect(recorded.first?.method == "GET")
            #expect(recorded.first?.path == "/anything?x=1")
            let received = try #require(recorded.first)
            #expect(received.receivedAt >= before - 1)
            #expect(received.completedAt >= received.receivedAt)
            #expect(receiver.requests("/other").isEmpty)
        }
    }

    @Test func followsTheScriptThenRepeatsTheLastResponse() async throws {
        try await withReceiver { receiver, client in
            receiver.respond(to: "/hook", with: [.status(500), .status(200, headers: [("X-Reply", "yes")], body: "done")])
            receiver.respond(to: "/hook/special", with: [.status(503)])
            var statuses: [Int] = []
            for _ in 0..<3 {
                statuses.append(try await send(client, receiver.baseURL + "/hook/a").status)
            }
            #expect(statuses == [500, 200, 200])
            let last = try await send(client, receiver.baseURL + "/hook/b")
            #expect(last.headers["x-reply"] == ["yes"])
            #expect(last.headers["content-length"] == ["4"])
            #expect(last.body == "done")
            // The longest matching prefix wins.
            #expect(try await send(client, receiver.baseURL + "/hook/special/1").status == 503)
            #expect(try await send(client, receiver.baseURL + "/elsewhere").status == 200)
            #expect(receiver.requests("/hook").count == 5)
            #expect(receiver.requests("/hook/special").count == 1)
            #expect(receiver.count == 6)
            // Replacing a script starts it over.
            receiver.respond(to: "/hook", with: [.status(404), .status(201)])
            #expect(try await send(client, receiver.baseURL + "/hook/c").status == 404)
            #expect(try await send(client, receiver.baseURL + "/hook/c").status == 201)
        }
    }

    @Test func recordsHeadersInOrderAndLargeBodies() async throws {
        try await withReceiver { receiver, client in
            let small = Array(#"{"id":"s-1"}"#.utf8)
            _ = try await send(
                client, receiver.baseURL + "/in", method: .POST,
                headers: [("Content-Type", "application/json"), ("X-Kairos-Id", "s-1"), ("x-multi", "a"), ("X-Multi", "b")],
                body: small)
            let big = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let bigAnswer = try await send(client, receiver.baseURL + "/in/big", method: .PUT, body: big)
            #expect(bigAnswer.status == 200)

            let recorded = receiver.requests("/in")
            try #require(recorded.count == 2)
            let first = recorded[0]
            #expect(first.method == "POST")
            #expect(first.body == small)
            #expect(first.bodyString == #"{"id":"s-1"}"#)
            #expect(first.header("content-type") == "application/json")
            #expect(first.header("X-KAIROS-ID") == "s-1")
            #expect(first.headers("x-multi") == ["a", "b"])
            #expect(first.header("missing") == nil)
            let names = first.headers.map { $0.name.lowercased() }
            let typeIndex = try #require(names.firstIndex(of: "content-type"))
            let idIndex = try #require(names.firstIndex(of: "x-kairos-id"))
            #expect(typeIndex < idIndex)
            #expect(recorded[1].method == "PUT")
            #expect(recorded[1].body == big)
        }
    }

    @Test func skipsBodiesWhenToldTo() async throws {
        try await withReceiver(recordBodies: false) { receiver, client in
            _ = try await send(client, receiver.baseURL + "/x", method: .POST, headers: [("X-A", "1")], body: [1, 2, 3])
            let recorded = receiver.requests()
            #expect(recorded.count == 1)
            #expect(recorded.first?.body == [])
            #expect(recorded.first?.header("x-a") == "1")
            receiver.removeAllRequests()
            #expect(receiver.requests().isEmpty)
            #expect(receiver.count == 1)
        }
    }

    @Test func delaysTheAnswer() async throws {
        try await withReceiver { receiver, client in
            receiver.respond(to: "/slow", with: [.delay(milliseconds: 300, then: .status(202, body: "late"))])
            let clock = ContinuousClock()
            let start = clock.now
            // Another request is answered meanwhile: the delay does not block the event loop.
            async let fast = send(client, receiver.baseURL + "/fast")
            let answer = try await send(client, receiver.baseURL + "/slow")
            let elapsed = clock.now - start
            #expect(answer.status == 202)
            #expect(answer.body == "late")
            #expect(elapsed >= .milliseconds(290))
            #expect(try await fast.status == 200)
        }
    }

    @Test func hangsUntilTheClientGivesUp() async throws {
        try await withReceiver { receiver, client in
            receiver.respond(to: "/hang", with: [.hang])
            let clock = ContinuousClock()
            let start = clock.now
            await #expect(throws: (any Error).self) {
                _ = try await send(client, receiver.baseURL + "/hang", timeout: .milliseconds(300))
            }
            #expect(clock.now - start >= .milliseconds(290))
            #expect(receiver.requests("/hang").count == 1)
            // The receiver still serves other requests.
            let after = try await send(client, receiver.baseURL + "/ok")
            #expect(after.status == 200)
        }
    }

    @Test func shutdownClosesHangingConnections() async throws {
        let receiver = try await WebhookReceiver.start()
        receiver.respond(to: "/", with: [.hang])
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let url = receiver.baseURL + "/hang"
        let pending = Task { try await send(client, url, timeout: .seconds(30)) }
        _ = await receiver.waitForRequests("/hang", count: 1, timeout: .seconds(5))
        try await receiver.shutdown()
        await #expect(throws: (any Error).self) { _ = try await pending.value }
        try await receiver.shutdown()  // a second call does nothing
        try await client.shutdown()
    }

    @Test func closesTheConnectionWithoutAnswering() async throws {
        try await withReceiver { receiver, client in
            receiver.respond(to: "/drop", with: [.closeConnection, .status(200)])
            await #expect(throws: (any Error).self) {
                _ = try await send(client, receiver.baseURL + "/drop", method: .POST, body: Array("x".utf8))
            }
            #expect(receiver.requests("/drop").count == 1)
            let second = try await send(client, receiver.baseURL + "/drop")
            #expect(second.status == 200)
        }
    }

    @Test func servesManyConcurrentRequests() async throws {
        try await withReceiver { receiver, client in
            let base = receiver.baseURL
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<50 {
                    group.addTask {
                        try await send(client, "\(base)/many/\(index)", method: .POST, body: Array("\(index)".utf8)).status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.count == 50)
            #expect(statuses.allSatisfy { $0 == 200 })
            #expect(receiver.count == 50)
            let paths = Set(receiver.requests("/many/").map(\.path))
            #expect(paths == Set((0..<50).map { "/many/\($0)" }))
            // Once the burst is over the pooled connections are reused.
            #expect(try await send(client, base + "/many/again").status == 200)
        }
    }

    @Test func keepsConnectionsAlive() async throws {
        let receiver = try await WebhookReceiver.start()
        defer { Task { [receiver] in try? await receiver.shutdown() } }
        // curl reports how many new connections each transfer opened: 1 for the first, 0 when it reused it.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{num_connects}\\n",
            receiver.baseURL + "/a", receiver.baseURL + "/b", receiver.baseURL + "/c",
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(lines == ["200 1", "200 0", "200 0"])
        #expect(receiver.requests().map(\.path) == ["/a", "/b", "/c"])
        try await receiver.shutdown()
    }

    @Test func answers100ContinueWhenAsked() async throws {
        let receiver = try await WebhookReceiver.start()
        // Without an interim 100 answer curl would wait a second before sending the body.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--expect100-timeout", "5",
            "-H", "Expect: 100-continue", "--data-binary", "hello", receiver.baseURL + "/continue",
        ]
        let output = Pipe()
        process.standardOutput = output
        let clock = ContinuousClock()
        let start = clock.now
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(String(decoding: data, as: UTF8.self) == "200")
        #expect(clock.now - start < .seconds(4))
        #expect(receiver.requests("/continue").first?.bodyString == "hello")
        try await receiver.shutdown()
    }

    @Test func waitsForRequests() async throws {
        try await withReceiver { receiver, client in
            let base = receiver.baseURL
            let sender = Task {
                for index in 0..<3 {
                    try await Task.sleep(for: .milliseconds(50))
                    _ = try await send(client, "\(base)/wait/\(index)")
                }
            }
            let arrived = await receiver.waitForRequests("/wait", count: 3, timeout: .seconds(10))
            #expect(arrived.map(\.path) == ["/wait/0", "/wait/1", "/wait/2"])
            try await sender.value

            let clock = ContinuousClock()
            let start = clock.now
            let tooFew = await receiver.waitForRequests("/wait", count: 4, timeout: .milliseconds(200))
            #expect(tooFew.count == 3)
            #expect(clock.now - start >= .milliseconds(190))
        }
    }
}
