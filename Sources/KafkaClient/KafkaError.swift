import CRDKafka

/// An error from the Kafka client layer: which operation failed, librdkafka's error code and its text.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// What the client was doing, e.g. `"commit transaction"` or `"create consumer"`.
    public let operation: String
    /// librdkafka's `rd_kafka_resp_err_t` value (negative codes are local to the client).
    public let code: Int32
    /// librdkafka's symbolic name for the code, e.g. `"_TRANSPORT"` or `"TOPIC_ALREADY_EXISTS"`.
    public let codeName: String
    /// librdkafka's human-readable text for this failure.
    public let message: String
    /// The operation may succeed if retried as it is.
    public let isRetriable: Bool
    /// The handle is unusable (e.g. a fenced transactional producer) and must be recreated.
    public let isFatal: Bool
    /// The current transaction must be aborted before the producer can be used again.
    public let transactionRequiresAbort: Bool

    public var description: String {
        "\(operation) failed: \(message) (\(codeName), code \(code))"
    }

    init(
        operation: String,
        code: rd_kafka_resp_err_t,
        message: String? = nil,
        isRetriable: Bool = false,
        isFatal: Bool = false,
        transactionRequiresAbort: Bool = false
    ) {
        self.operation = operation
        self.code = code.rawValue
        self.codeName = String(cString: rd_kafka_err2name(code))
        self.message = message ?? String(cString: rd_kafka_err2str(code))
        self.isRetriable = isRetriable
        self.isFatal = isFatal
        self.transactionRequiresAbort = transactionRequiresAbort
    }

    /// An error that did not come from librdkafka (bad argument, closed handle).
    static func local(_ operation: String, _ message: String) -> KafkaError {
        KafkaError(operation: operation, code: RD_KAFKA_RESP_ERR__INVALID_ARG, message: message)
    }

    /// Takes ownership of an `rd_kafka_error_t` and destroys it.
    static func consuming(_ operation: String, _ error: OpaquePointer) -> KafkaError {
        defer { rd_kafka_error_destroy(error) }
        return KafkaError(
            operation: operation,
            code: rd_kafka_error_code(error),
            message: String(cString: rd_kafka_error_string(error)),
            isRetriable: rd_kafka_error_is_retriable(error) != 0,
            isFatal: rd_kafka_error_is_fatal(error) != 0,
            transactionRequiresAbort: rd_kafka_error_txn_requires_abort(error) != 0
        )
    }

    /// Throws when `code` is not `NO_ERROR`.
    static func check(_ operation: String, _ code: rd_kafka_resp_err_t) throws(KafkaError) {
        if code != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(operation: operation, code: code)
        }
    }

    /// Throws (and destroys the error) when `error` is non-nil.
    static func check(_ operation: String, _ error: OpaquePointer?) throws(KafkaError) {
        if let error {
            throw KafkaError.consuming(operation, error)
        }
    }
}

extension KafkaError {
    /// The record itself can never be delivered as it is (no such topic or partition, too large, not allowed,
    /// invalid): retrying it would fail again.
    public var isUndeliverableRecord: Bool {
        let codes: [rd_kafka_resp_err_t] = [
            RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION,
            RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE,
            RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
            RD_KAFKA_RESP_ERR_INVALID_RECORD, RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE,
            RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION, RD_KAFKA_RESP_ERR_POLICY_VIOLATION,
        ]
        return codes.contains { $0.rawValue == code }
    }

    /// Well-known error codes callers branch on.
    public enum Code {
        /// The broker does not know the topic or partition.
        public static let unknownTopicOrPartition = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART.rawValue
        /// The client knows the topic but not this partition of it.
        public static let unknownPartition = RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION.rawValue
        /// The topic exists already (topic creation).
        public static let topicAlreadyExists = RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS.rawValue
        /// A local timeout expired.
        public static let timedOut = RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue
        /// Another producer with the same transactional id fenced this one.
        public static let fenced = RD_KAFKA_RESP_ERR__FENCED.rawValue
        /// The consumer group moved to a new generation; the operation belongs to an old one.
        public static let illegalGeneration = RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION.rawValue
        /// The broker does not support the request.
        public static let unsupportedFeature = RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE.rawValue
    }
}
