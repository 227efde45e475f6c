import Foundation
import ScheduleModel
import TestThreads
import Testing

/// Compares `CronExpression.nextOccurrence` with cronsim (an independent Python
/// implementation) on a generated corpus of at least 2,000 (expression, zone, T) cases.
/// The exclusion rules for deliberate differences live in the generator script and in
/// docs/time-semantics.md. It waits for a Python subprocess: on a thread of its own (`.ownThreads`), not on the
/// two-thread pool every other test needs.
@Suite(.ownThreads) struct CronConformanceTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("conformance/cronsim_reference.py")

    static func runReference(count: Int) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, String(count)]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ReferenceFailure(
                message: "python3 \(script.path) exited \(process.terminationStatus) (is cronsim installed? `python3 -m pip install cronsim==2.8`): \(errorText)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    struct ReferenceFailure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    @Test func agreesWithCronsimOnGeneratedCorpus() throws {
        let text = try CronConformanceTests.runReference(count: 3000)
        let lines = text.split(separator: "\n")
        #expect(lines.count >= 2000, "the reference produced only \(lines.count) cases")
        var disagreements: [String] = []
        var zones: [String: TimeZoneRules] = [:]
        for line in lines {
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard columns.count == 4, let t = Int64(columns[2]) else {
                disagreements.append("malformed line: \(line)")
                continue
            }
            let zone: TimeZoneRules
            if let cached = zones[columns[1]] {
                zone = cached
            } else {
                zone = try TimeZoneRules.named(columns[1])
                zones[columns[1]] = zone
            }
            let expected = Int64(columns[3])
            let actual: Int64?
            do {
                actual = try CronExpression(parsing: columns[0]).nextOccurrence(after: t, in: zone)
            } catch {
                disagreements.append("'\(columns[0])' refused: \(error)")
                continue
            }
            if actual != expected {
                disagreements.append(
                    "'\(columns[0])' in \(columns[1]) after \(TimestampFormat.format(t)): cronsim \(expected.map(TimestampFormat.format) ?? "none"), Kairos \(actual.map(TimestampFormat.format) ?? "none")")
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.count) of \(lines.count) disagree:\n\(disagreements.prefix(25).joined(separator: "\n"))")
    }
}
