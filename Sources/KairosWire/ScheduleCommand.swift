public import KafkaClient
public import ScheduleModel

/// A create-or-replace command as a client writes it (`kairosctl schedule`, the HTTP API): each field becomes one
/// header of the contract. `CommandDecoder` is its reader; what it would refuse, `validated(timestamp:)` refuses.
public struct ScheduleCommand: Sendable, Hashable {
    /// When the schedule fires: at most one time header.
    public enum When: Sendable, Hashable {
        /// No time header: fire now.
        case now
        /// `kairos-at`: RFC 3339 or epoch milliseconds.
        case at(String)
        /// `kairos-delay`: a duration after the command's timestamp.
        case delay(String)
        /// `kairos-cron`.
        case cron(String)
        /// `kairos-every`.
        case every(String)
    }

    /// The schedule id (the record key).
    public var id: String
    /// `kairos-target`: a topic, `kafka:TOPIC` or an http(s) URL.
    public var target: String
    public var when: When
    /// `kairos-cron-dialect`: `unix` or `quartz`.
    public var cronDialect: String?
    /// `kairos-tz`.
    public var zone: String?
    /// `kairos-start`.
    public var start: String?
    /// `kairos-end`.
    public var end: String?
    /// `kairos-limit`.
    public var limit: Int64?
    /// `kairos-window`.
    public var window: String?
    /// `kairos-misfire`: `fire` or `skip`.
    public var misfire: String?
    /// `kairos-exclude`: dates to skip.
    public var exclude: String?
    /// `kairos-exclude-cron`.
    public var excludeCron: String?
    /// `kairos-target-key`.
    public var targetKey: [UInt8]?
    /// `kairos-target-partition`.
    public var targetPartition: Int32?
    /// `kairos-http-method`.
    public var httpMethod: String?
    /// Request headers of a webhook, each a `kairos-http-header-NAME` (HTTP names are case-insensitive; the header
    /// is written with the name in lower case, as Kairos's headers are).
    public var httpHeaders: [ScheduleHeader]
    /// `kairos-retry-max`.
    public var retryMax: Int?
    /// `kairos-retry-backoff`.
    public var retryBackoff: String?
    /// Headers copied to the fired Kafka record as they are.
    public var passThroughHeaders: [ScheduleHeader]
    /// The payload, byte for byte.
    public var payload: [UInt8]

    /// A command to deliver `payload` to `target` now; set the other fields to schedule it.
    public init(id: String, target: String, when: When = .now, payload: [UInt8] = []) {
        self.id = id
        self.target = target
        self.when = when
        self.payload = payload
        self.httpHeaders = []
        self.passThroughHeaders = []
    }

    /// The command's headers: the `kairos-*` ones in the contract's order, then the pass-through ones.
    public var headers: [KafkaHeader] {
        var timing: (String, String)?
        switch when {
        case .now: timing = nil
        case .at(let text): timing = (KairosHeader.at, text)
        case .delay(let text): timing = (KairosHeader.delay, text)
        case .cron(let text): timing = (KairosHeader.cron, text)
        case .every(let text): timing = (KairosHeader.every, text)
        }
        let optional: [(String, String?)] = [
            (KairosHeader.cronDialect, cronDialect), (KairosHeader.zone, zone), (KairosHeader.start, start), (KairosHeader.end, end),
            (KairosHeader.limit, limit.map(String.init)), (KairosHeader.window, window),
            (KairosHeader.misfire, misfire), (KairosHeader.exclude, exclude), (KairosHeader.excludeCron, excludeCron),
            (KairosHeader.target, target),
        ]
        var headers = timing.map { [KafkaHeader($0.0, $0.1)] } ?? []
        headers += optional.compactMap { name, value in value.map { KafkaHeader(name, $0) } }
        if let targetKey {
            headers.append(KafkaHeader(name: KairosHeader.targetKey, value: targetKey))
        }
        let trailing: [(String, String?)] = [
            (KairosHeader.targetPartition, targetPartition.map(String.init)), (KairosHeader.httpMethod, httpMethod),
            (KairosHeader.retryMax, retryMax.map(String.init)), (KairosHeader.retryBackoff, retryBackoff),
        ]
        headers += trailing.compactMap { name, value in value.map { KafkaHeader(name, $0) } }
        for header in httpHeaders {
            headers.append(
                KafkaHeader(name: KairosHeader.httpHeaderPrefix + header.name.lowercased(), value: header.value))
        }
        headers += passThroughHeaders.map { KafkaHeader(name: $0.name, value: $0.value) }
        return headers
    }

    /// The command as a record of `topic` with timestamp `timestamp` (the base of `kairos-delay`).
    public func record(topic: String, timestamp: Int64) -> KafkaProducerRecord {
        KafkaProducerRecord(topic: topic, key: Array(id.utf8), value: payload, headers: headers, timestamp: timestamp)
    }

    /// The schedule Kairos makes of this command when its timestamp is `timestamp`, decided by `CommandDecoder` under
    /// `policy`; the rejection otherwise.
    public func validated(timestamp: Int64, policy: CommandPolicy) -> Result<Schedule, CommandRejection> {
        let record = CommandRecord(
            key: Array(id.utf8), value: payload,
            headers: headers.map { ScheduleHeader(name: $0.name, value: $0.value) }, timestamp: timestamp, offset: 0)
        switch CommandDecoder(policy: policy).decode(record) {
        case .success(.schedule(let schedule)): return .success(schedule)
        case .success(let other): return .failure(CommandRejection("the command is not a schedule: \(other)"))
        case .failure(let rejection): return .failure(rejection)
        }
    }

    /// The headers that say where `schedule` delivers, as a command gives them: what a dead letter carries so that
    /// replaying it makes a command with the same target.
    public static func deliveryHeaders(of schedule: Schedule) -> [KafkaHeader] {
        switch schedule.target {
        case .kafka(let topic):
            var headers = [KafkaHeader(KairosHeader.target, "kafka:" + topic)]
            if let key = schedule.targetKey {
                headers.append(KafkaHeader(name: KairosHeader.targetKey, value: key))
            }
            if let partition = schedule.targetPartition {
                headers.append(KafkaHeader(KairosHeader.targetPartition, String(partition)))
            }
            return headers
        case .http(let target):
            var headers = [
                KafkaHeader(KairosHeader.target, target.url), KafkaHeader(KairosHeader.httpMethod, target.method),
            ]
            for header in target.headers {
                headers.append(KafkaHeader(name: KairosHeader.httpHeaderPrefix + header.name, value: header.value))
            }
            return headers
        }
    }
}

/// A cancel as a client writes it: a tombstone keyed by the schedule id.
public struct ScheduleCancellation: Sendable, Hashable {
    /// The schedule id to cancel.
    public var id: String

    public init(id: String) {
        self.id = id
    }

    /// The tombstone as a record of `topic`.
    public func record(topic: String, timestamp: Int64) -> KafkaProducerRecord {
        KafkaProducerRecord(topic: topic, key: Array(id.utf8), value: nil, timestamp: timestamp)
    }
}

/// A lifecycle command as a client writes it: `kairos-action: pause|resume|trigger` with an empty value, keyed by the
/// schedule id, so that it is ordered with the creates and cancels of that id.
public struct ScheduleAction: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// No firings until resumed (triggered ones excepted).
        case pause
        /// Fire again; occurrences that fell due while paused are skipped, a one-shot whose time passed fires now.
        case resume
        /// One extra firing now, numbered -1, -2, ...; the schedule is otherwise unchanged.
        case trigger
    }

    public var id: String
    public var kind: Kind

    public init(id: String, kind: Kind) {
        self.id = id
        self.kind = kind
    }

    /// The command as a record of `topic`.
    public func record(topic: String, timestamp: Int64) -> KafkaProducerRecord {
        KafkaProducerRecord(
            topic: topic, key: Array(id.utf8), value: [], headers: [KafkaHeader(KairosHeader.action, kind.rawValue)],
            timestamp: timestamp)
    }
}
