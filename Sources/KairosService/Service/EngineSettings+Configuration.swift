import HTTPDelivery
import KairosEngine
import KairosWire
import ScheduleModel

extension EngineSettings {
    /// The part of the service's configuration the engine runs on; `commandPartitions` is the partition count of
    /// `commands`, for the home-partition rule.
    init(_ configuration: KairosConfiguration, commandPartitions: Int32) {
        let topics = KairosTopics(prefix: configuration.topicPrefix)
        let hosts = HostPolicy(patterns: configuration.allowedHTTPHosts, allowPrivate: configuration.httpAllowPrivate)
        let policy = CommandPolicy(
            allowedTargets: configuration.allowedTargets, forbiddenTopics: Set(topics.all),
            maxPayloadBytes: configuration.maxPayloadBytes, misfireGraceMillis: configuration.misfireGraceMilliseconds,
            httpHosts: hosts, defaultRetryMax: configuration.httpRetryMax,
            defaultRetryBackoffMillis: configuration.httpRetryBackoffMilliseconds)
        var webhooks = WebhookDispatcherSettings()
        webhooks.maxConcurrency = configuration.httpMaxConcurrency
        webhooks.maxPerHost = configuration.httpMaxPerHost
        webhooks.breaker = CircuitBreaker.Policy(
            windowMillis: configuration.httpBreakerWindowMilliseconds,
            minimumAttempts: configuration.httpBreakerMinAttempts,
            failureRatePercent: configuration.httpBreakerFailureRatePercent,
            firstOpenMillis: configuration.httpBreakerOpenMilliseconds,
            maxOpenMillis: configuration.httpBreakerCoolDownMilliseconds)
        webhooks.timeoutMillis = configuration.httpTimeoutMilliseconds
        webhooks.hostPolicy = hosts
        self.init(
            groupID: configuration.groupID, instanceID: configuration.instanceID, topics: topics,
            guarantee: configuration.deliveryGuarantee, stateDirectory: configuration.stateDirectory,
            restoreBufferRecords: configuration.restoreBufferRecords,
            misfireGraceMilliseconds: configuration.misfireGraceMilliseconds,
            shutdownDeadlineMilliseconds: configuration.shutdownDeadlineMilliseconds, commandPolicy: policy,
            webhooks: webhooks, httpRetryMax: configuration.httpRetryMax,
            httpRetryBackoffMilliseconds: configuration.httpRetryBackoffMilliseconds,
            httpRetryBackoffMaxMilliseconds: configuration.httpRetryBackoffMaxMilliseconds)
        sessionTimeoutMilliseconds = configuration.sessionTimeoutMilliseconds
        transactionTimeoutMilliseconds = configuration.transactionTimeoutMilliseconds
        homePartition = HomePartition(rule: configuration.partitioner, partitions: commandPartitions)
    }
}
