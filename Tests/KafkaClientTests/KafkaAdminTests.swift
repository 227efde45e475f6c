import Foundation
import KafkaClient
import Testing
import TestThreads

@Suite(.ownThreads) struct KafkaAdminTests {
    @Test func embeddedTopicsAppearInMetadataWithTheirPartitions() throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 3)
        try cluster.createTopic("alpha", partitions: 12, replicationFactor: 3)
        try cluster.createTopic("beta", partitions: 1)
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
        let metadata = try admin.metadata()
        #expect(metadata.brokerIDs == [1, 2, 3])
        let alpha = try metadata.topic(named: "alpha")
        #expect(alpha.partitions.map(\.id) == Array(0..<12))
        #expect(alpha.partitions.allSatisfy { $0.replicas.count == 3 })
        #expect(try metadata.topic(named: "beta").partitions.count == 1)
        #expect(throws: KafkaError.self) { try metadata.topic(named: "gamma") }
    }

    @Test func creatingAnExistingTopicFailsWithTopicAlreadyExists() throws {
        let cluster = try EmbeddedKafkaCluster()
        try cluster.createTopic("twice", partitions: 2)
        #expect {
            try cluster.createTopic("twice", partitions: 2)
        } throws: { error in
            (error as? KafkaError)?.code == KafkaError.Code.topicAlreadyExists
        }
    }

    @Test func createTopicsReportsAClearErrorWhenTheBrokerCannotServeIt() throws {
        // The embedded broker does not answer CreateTopics; the caller gets an error naming the operation.
        let cluster = try EmbeddedKafkaCluster()
        let admin = try KafkaAdmin(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
        #expect {
            _ = try admin.createTopics([NewTopic(name: "x", partitions: 1, configs: ["cleanup.policy": "compact"])],
                                       timeoutMilliseconds: 1_000)
        } throws: { error in
            String(describing: error).contains("create topics")
        }
    }
}
