import Foundation
import Hummingbird
import KafkaClient
import KairosEngine
import KairosWire
import Logging
import ScheduleModel
import Synchronization

/// What the API does with one schedule, on the instance that serves its home partition: it reads the store there,
/// writes the command to `commands` like any client (invariant 12), and answers once the engine here applied it
/// (read-your-writes), or with 202 when it did not in time.
final class ScheduleOperations: Sendable {
    private let reader: ScheduleReader
    private let publisher: CommandPublisher
    private let settings: APISettings
    private let logger: Logger
    /// Answers to trigger requests by (id, Idempotency-Key), so that a retried request does not fire twice.
    private let answered = Mutex<IdempotencyCache>(IdempotencyCache())

    init(reader: ScheduleReader, publisher: CommandPublisher, settings: APISettings, logger: Logger) {
        self.reader = reader
        self.publisher = publisher
        self.settings = settings
        self.logger = logger
    }

    /// The home partition of `id`.
    func partition(of id: String) -> Int32 { publisher.partition(of: id) }

    func get(_ id: String) throws -> Response {
        let partition = partition(of: id)
        guard let schedule = try read(id, partition: partition) else {
            throw Problem.notFound("no live schedule with id '\(id)'")
        }
        return JSONResponse.make(ScheduleResource(schedule, partition: partition))
    }

    /// Creates or replaces `id` as `spec` says; leaves it alone when it is already so.
    func put(_ id: String, _ spec: ScheduleSpec, principal: Principal) async throws -> Response {
        let now = Int64(Date().timeIntervalSince1970 * 1_000)
        let (command, schedule): (ScheduleCommand, Schedule)
        do {
            (command, schedule) = try spec.validated(id: id, timestamp: now, policy: settings.policy)
        } catch {
            throw Problem.invalid(error.field, error.reason)
        }
        let partition = partition(of: id)
        if let current = try read(id, partition: partition), current.definition == schedule.definition {
            audit(principal, "replace", id, "unchanged")
            return JSONResponse.make(ScheduleResource(current, partition: partition, written: false))
        }
        let report = try await write(command.record(topic: settings.topics.commands, timestamp: now))
        audit(principal, "put", id, "written to \(report.partition)@\(report.offset)")
        return try await answerOnceApplied(id, report) { stored in
            stored.map { ScheduleResource($0, partition: report.partition, written: true) }
                ?? ScheduleResource(finished: schedule, partition: report.partition)
        }
    }

    func cancel(_ id: String, principal: Principal) async throws -> Response {
        let partition = partition(of: id)
        guard try read(id, partition: partition) != nil else {
            throw Problem.notFound("no live schedule with id '\(id)' to cancel")
        }
        let now = Int64(Date().timeIntervalSince1970 * 1_000)
        let report = try await write(ScheduleCancellation(id: id).record(topic: settings.topics.commands, timestamp: now))
        audit(principal, "cancel", id, "written to \(report.partition)@\(report.offset)")
        guard await applied(report) else { return accepted(id, report) }
        return Response(status: .noContent)
    }

    /// Pause, resume or trigger. A trigger with an `Idempotency-Key` already answered gets the same answer again.
    func act(_ kind: ScheduleAction.Kind, _ id: String, idempotencyKey: String?, principal: Principal) async throws
        -> Response
    {
        if let idempotencyKey, let earlier = answered.withLock({ $0.answer(id: id, key: idempotencyKey) }) {
            return JSONResponse.make(earlier)
        }
        let partition = partition(of: id)
        guard try read(id, partition: partition) != nil else {
            throw Problem.notFound("no live schedule with id '\(id)' to \(kind.rawValue)")
        }
        let now = Int64(Date().timeIntervalSince1970 * 1_000)
        let report = try await write(ScheduleAction(id: id, kind: kind).record(topic: settings.topics.commands, timestamp: now))
        audit(principal, kind.rawValue, id, "written to \(report.partition)@\(report.offset)")
        guard await applied(report) else { return accepted(id, report) }
        guard let stored = try read(id, partition: partition) else {
            throw Problem.notFound("schedule '\(id)' ended before the \(kind.rawValue) was applied")
        }
        let resource = ScheduleResource(stored, partition: partition, written: true)
        if let idempotencyKey {
            answered.withLock { $0.remember(resource, id: id, key: idempotencyKey) }
        }
        return JSONResponse.make(resource)
    }

    /// The schedules of `partitions` (served here) that match `query`.
    func list(partitions: [Int32], _ query: ScheduleReader.Query) throws -> [ScheduleResource] {
        do {
            return try reader.list(partitions: partitions, query).map {
                ScheduleResource($0, partition: partition(of: $0.id))
            }
        } catch let notServed as ScheduleReader.NotServed {
            throw Problem.unavailable("\(notServed); its owner is changing, try again")
        }
    }

    private func read(_ id: String, partition: Int32) throws -> Schedule? {
        do {
            return try reader.schedule(id, partition: partition)
        } catch let notServed as ScheduleReader.NotServed {
            throw Problem.unavailable("\(notServed); its owner is changing, try again")
        }
    }

    private func write(_ record: KafkaProducerRecord) async throws -> DeliveryReport {
        do {
            return try await publisher.publish(record)
        } catch {
            throw Problem.unavailable("the command could not be written to \(settings.topics.commands): \(error)")
        }
    }

    private func applied(_ report: DeliveryReport) async -> Bool {
        await reader.appliedOffsets.waitUntilApplied(
            partition: report.partition, offset: report.offset,
            timeout: .milliseconds(settings.applyTimeoutMilliseconds))
    }

    /// Waits until the command at `report` is applied here, then answers with what `resource` makes of the stored
    /// schedule (nil: gone); 202 when it is not applied in time or the partition moved meanwhile.
    private func answerOnceApplied(
        _ id: String, _ report: DeliveryReport, resource: (Schedule?) -> ScheduleResource
    ) async throws -> Response {
        guard await applied(report) else { return accepted(id, report) }
        return JSONResponse.make(resource(try read(id, partition: report.partition)))
    }

    private func accepted(_ id: String, _ report: DeliveryReport) -> Response {
        JSONResponse.make(
            Accepted(
                id: id, partition: report.partition, offset: report.offset,
                detail:
                    "written to \(report.topic) partition \(report.partition) at offset \(report.offset); this "
                    + "instance did not see it applied within \(settings.applyTimeoutMilliseconds) ms (the scheduler is "
                    + "busy, or the partition moved to another instance): read it again with GET"),
            status: .accepted)
    }

    /// One line per write, naming who, what and which id; never the payload.
    private func audit(_ principal: Principal, _ action: String, _ id: String, _ outcome: String) {
        logger.notice(
            "audit",
            metadata: [
                "principal": "\(principal.name)", "role": "\(principal.role.rawValue)", "action": "\(action)",
                "id": "\(id)", "outcome": "\(outcome)",
            ])
    }
}

/// The last answers to requests with an Idempotency-Key, at most `capacity`, for a day.
struct IdempotencyCache {
    private var answers: [String: (at: Date, resource: ScheduleResource)] = [:]
    private var order: [String] = []
    static let capacity = 10_000
    static let lifetime: TimeInterval = 86_400

    func answer(id: String, key: String) -> ScheduleResource? {
        guard let entry = answers["\(id)\u{0}\(key)"], Date().timeIntervalSince(entry.at) < Self.lifetime else {
            return nil
        }
        return entry.resource
    }

    mutating func remember(_ resource: ScheduleResource, id: String, key: String) {
        let name = "\(id)\u{0}\(key)"
        if answers[name] == nil { order.append(name) }
        answers[name] = (Date(), resource)
        while order.count > Self.capacity {
            answers[order.removeFirst()] = nil
        }
    }
}
