import AsyncHTTPClient
import Foundation
import KairosService
import NIOCore
import NIOHTTP1

/// Talks to an instance's HTTP API (`/v1`), found through `<state dir>/api-address`, as a user's client would.
final class APIClient: Sendable {
    let base: String
    let client: HTTPClient

    /// Waits (up to 30 s) for the instance to write `<state dir>/api-address`.
    init(stateDirectory: String) throws {
        let file = stateDirectory + "/api-address"
        let deadline = Date().addingTimeInterval(30)
        var address: String?
        while address == nil {
            if let text = try? String(contentsOfFile: file, encoding: .utf8), text.contains(":") {
                address = text.trimmingCharacters(in: .whitespacesAndNewlines)
            } else if Date() > deadline {
                throw TestFailure("no \(file) within 30 s")
            } else {
                Thread.sleep(forTimeInterval: 0.05)  // poll interval of the wait for the file
            }
        }
        base = "http://" + (address ?? "")
        // Created last: a client must be shut down, and a throwing init could not.
        client = HTTPClient(eventLoopGroupProvider: .singleton)
    }

    /// One answer: its status, content type, body text and body as JSON (nil when it is not JSON).
    struct Answer: CustomStringConvertible {
        var status: Int
        var contentType: String
        var text: String

        var json: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
        }

        /// The fields a problem+json answer names (`invalid-params[].name`).
        var invalidFields: [String] {
            (json?["invalid-params"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        }

        var description: String { "\(status) \(contentType) \(text)" }
    }

    func request(
        _ method: HTTPMethod, _ path: String, token: String?, body: String? = nil, headers: [(String, String)] = []
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let token {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        for (name, value) in headers {
            request.headers.add(name: name, value: value)
        }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await client.execute(request, timeout: .seconds(30))
        let collected = try await response.body.collect(upTo: 10 << 20)
        return Answer(
            status: Int(response.status.code), contentType: response.headers.first(name: "Content-Type") ?? "",
            text: String(buffer: collected))
    }

    func shutdown() async {
        try? await client.shutdown()
    }

    deinit {
        // A test that failed before `shutdown()` must not crash the run: the task keeps the client until it is down.
        let client = client
        Task { try? await client.shutdown() }
    }
}

/// Bearer tokens of the three roles, and the `KAIROS_API_TOKENS` value that admits them (stored hashed).
enum APITokens {
    static let viewer = "viewer-token-\(UUID().uuidString)"
    static let `operator` = "operator-token-\(UUID().uuidString)"
    static let admin = "admin-token-\(UUID().uuidString)"
    static let jwtSecret = "jwt-secret-\(UUID().uuidString)"

    static var settings: [String: String] {
        [
            "KAIROS_API_TOKENS": [("viewer", viewer), ("operator", `operator`), ("admin", admin)]
                .map { "\($0.0):\(KairosService.tokenDigest($0.1))" }.joined(separator: ","),
            "KAIROS_API_JWT_SECRET": jwtSecret,
        ]
    }

    /// An HS256 JWT signed with `jwtSecret`, made by Python's standard library (an independent implementation).
    static func jwt(role: String, expiresIn seconds: Int) throws -> String {
        let script = """
            import base64, hashlib, hmac, json, sys, time
            def part(raw): return base64.urlsafe_b64encode(raw).rstrip(b'=').decode()
            header = part(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())
            claims = part(json.dumps({'sub': 'tester', 'role': sys.argv[2],
                'exp': int(time.time()) + int(sys.argv[3])}).encode())
            signature = hmac.new(sys.argv[1].encode(), (header + '.' + claims).encode(), hashlib.sha256).digest()
            print(header + '.' + claims + '.' + part(signature))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script, jwtSecret, role, "\(seconds)"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        let token = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0, token.split(separator: ".").count == 3 else {
            throw TestFailure("python3 did not make a JWT")
        }
        return token
    }
}
