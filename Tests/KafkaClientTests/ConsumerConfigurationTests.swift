import Testing

@testable import KafkaClient
import TestThreads

@Suite(.ownThreads) struct ConsumerConfigurationTests {
    @Test func typedFetchAndQueueSettingsArePassedToLibrdkafka() {
        // Each value is outside the property's allowed range, so librdkafka refuses it by name: it was passed on.
        let base = ConsumerConfiguration(kafka: KafkaConfiguration(bootstrapServers: "127.0.0.1:1"))
        var fetchWait = base
        fetchWait.fetchWaitMaxMilliseconds = -1
        var minMessages = base
        minMessages.queuedMinMessages = 0
        var maxKilobytes = base
        maxKilobytes.queuedMaxMessagesKilobytes = 0
        let cases = [
            (fetchWait, "fetch.wait.max.ms"), (minMessages, "queued.min.messages"),
            (maxKilobytes, "queued.max.messages.kbytes"),
        ]
        for (configuration, property) in cases {
            #expect {
                _ = try KafkaConsumer(configuration: configuration)
            } throws: { error in
                String(describing: error).contains("'\(property)'")
            }
        }
    }

    @Test func aPassThroughPropertyIsSetAfterTheTypedValueSoItWins() {
        var configuration = ConsumerConfiguration(kafka: KafkaConfiguration(bootstrapServers: "127.0.0.1:1"))
        #expect(!configuration.properties().contains { $0.0 == "fetch.wait.max.ms" }, "unset is librdkafka's default")
        configuration.fetchWaitMaxMilliseconds = 3_000
        configuration.queuedMinMessages = 500_000
        #expect(configuration.properties().last { $0.0 == "fetch.wait.max.ms" }?.1 == "3000")
        #expect(configuration.properties().last { $0.0 == "queued.min.messages" }?.1 == "500000")
        // librdkafka keeps the last value set for a property: the pass-through one comes last.
        configuration.kafka.properties["fetch.wait.max.ms"] = "10"
        let written = configuration.properties().filter { $0.0 == "fetch.wait.max.ms" }.map(\.1)
        #expect(written == ["3000", "10"])
    }
}
