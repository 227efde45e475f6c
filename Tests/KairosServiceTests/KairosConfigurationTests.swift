import Foundation
import KafkaClient
import KairosService
import Testing

@Suite struct KairosConfigurationTests {
    @Test func defaultsStartTheEmbeddedBroker() throws {
        let configuration = try KairosConfiguration.load(arguments: [], environment: [:])
        #expect(configuration.bootstrapServers == nil)
        #expect(configuration.groupID == "kairos")
        #expect(configuration.topics.commands == "kairos.commands")
        #expect(configuration.topics.changelog == "kairos.changelog")
        #expect(configuration.deliveryGuarantee == .exactlyOnce)
        #expect(configuration.partitions == 12)
    }

    @Test func flagsBeatEnvironmentWhichBeatsTheConfigFile() throws {
        let scratch = try ScratchDirectory()
        let file = scratch.path("kairos.conf")
        try """
            # comment
            KAIROS_GROUP_ID=from-file
            KAIROS_TOPIC_PREFIX="filed"
            KAIROS_PARTITIONS=3
            KAIROS_KAFKA_SASL_MECHANISM=PLAIN
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let configuration = try KairosConfiguration.load(
            arguments: ["--partitions", "5", "--kafka-property", "ssl.ca.location=/ca.pem", "--state-dir=/tmp/x"],
            environment: [
                "KAIROS_CONFIG_FILE": file, "KAIROS_GROUP_ID": "from-env", "KAIROS_PARTITIONS": "4",
                "KAIROS_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "PATH": "/bin",
            ])
        #expect(configuration.groupID == "from-env")
        #expect(configuration.topicPrefix == "filed")
        #expect(configuration.partitions == 5)
        #expect(configuration.stateDirectory == "/tmp/x")
        #expect(configuration.kafkaProperties == [
            "sasl.mechanism": "PLAIN", "security.protocol": "SASL_SSL", "ssl.ca.location": "/ca.pem",
        ])
    }

    @Test(arguments: [
        (["--partitions", "0"], [String: String](), "KAIROS_PARTITIONS"),
        ([], ["KAIROS_PARTITIONS": "twelve"], "KAIROS_PARTITIONS"),
        ([], ["KAIROS_BOOTSTRAP_SERVERS": "localhost"], "KAIROS_BOOTSTRAP_SERVERS"),
        ([], ["KAIROS_BOOTSTRAP_SERVERS": "a:9092,b:99999"], "KAIROS_BOOTSTRAP_SERVERS"),
        ([], ["KAIROS_DELIVERY_GUARANTEE": "maybe"], "KAIROS_DELIVERY_GUARANTEE"),
        ([], ["KAIROS_TOPIC_PREFIX": "bad prefix"], "KAIROS_TOPIC_PREFIX"),
        ([], ["KAIROS_TOPIC_PREFIX": "__internal"], "KAIROS_TOPIC_PREFIX"),
        ([], ["KAIROS_REPLICATION_FACTOR": "0"], "KAIROS_REPLICATION_FACTOR"),
        ([], ["KAIROS_LOG_LEVEL": "loud"], "KAIROS_LOG_LEVEL"),
        ([], ["KAIROS_EMBEDDED_BROKERS": "10"], "KAIROS_EMBEDDED_BROKERS"),
        ([], ["KAIROS_CONFIG_FILE": "/no/such/file"], "KAIROS_CONFIG_FILE"),
        ([], ["KAIROS_ALLOWED_HTTP_HOSTS": "api.example.com,bad host"], "KAIROS_ALLOWED_HTTP_HOSTS"),
        ([], ["KAIROS_HTTP_ALLOW_PRIVATE": "yes"], "KAIROS_HTTP_ALLOW_PRIVATE"),
        (["--http-timeout-ms", "5"], [String: String](), "KAIROS_HTTP_TIMEOUT_MS"),
        ([], ["KAIROS_HTTP_RETRY_MAX": "0"], "KAIROS_HTTP_RETRY_MAX"),
        ([], ["KAIROS_HTTP_MAX_PER_HOST": "many"], "KAIROS_HTTP_MAX_PER_HOST"),
        ([], ["KAIROS_HTTP_BREAKER_FAILURE_RATE": "0"], "KAIROS_HTTP_BREAKER_FAILURE_RATE"),
        ([], ["KAIROS_HTTP_BREAKER_FAILURE_RATE": "101"], "KAIROS_HTTP_BREAKER_FAILURE_RATE"),
        ([], ["KAIROS_HTTP_BREAKER_MIN_ATTEMPTS": "0"], "KAIROS_HTTP_BREAKER_MIN_ATTEMPTS"),
        ([], ["KAIROS_HTTP_BREAKER_WINDOW_MS": "10"], "KAIROS_HTTP_BREAKER_WINDOW_MS"),
        (
            [], ["KAIROS_HTTP_BREAKER_OPEN_MS": "5000", "KAIROS_HTTP_BREAKER_COOLDOWN_MS": "1000"],
            "KAIROS_HTTP_BREAKER_COOLDOWN_MS"
        ),
        (["--restore-buffer-records", "0"], [String: String](), "KAIROS_RESTORE_BUFFER_RECORDS"),
        (["--no-such-flag", "1"], [:], "--no-such-flag"),
        (["--group-id"], [:], "--group-id"),
        (["--kafka-property", "novalue"], [:], "--kafka-property"),
    ])
    func badValuesStopStartUpNamingTheSetting(arguments: [String], environment: [String: String], setting: String) {
        #expect {
            _ = try KairosConfiguration.load(arguments: arguments, environment: environment)
        } throws: { error in
            "\(error)".contains(setting)
        }
    }

    @Test func unknownKeysInTheConfigFileAreErrors() throws {
        let scratch = try ScratchDirectory()
        let file = scratch.path("typo.conf")
        try "KAIROS_GROUPID=x\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect {
            _ = try KairosConfiguration.load(arguments: ["--config", file], environment: [:])
        } throws: { error in
            "\(error)".contains("KAIROS_GROUPID (config file \(file)) is not a Kairos setting; did you mean KAIROS_GROUP_ID?")
        }
    }

    @Test(arguments: [
        ("KAIROS_BOOTSTRAP_SERVER", "KAIROS_BOOTSTRAP_SERVERS"), ("KAIROS_GROUPID", "KAIROS_GROUP_ID"),
        ("KAIROS_DELIVERY_GUARANTE", "KAIROS_DELIVERY_GUARANTEE"), ("KAIROS_STATEDIR", "KAIROS_STATE_DIR"),
    ])
    func aMisspeltVariableStopsStartUpNamingItAndTheClosestSetting(typo: String, closest: String) {
        #expect {
            _ = try KairosConfiguration.load(arguments: [], environment: [typo: "kafka:9092", "PATH": "/bin"])
        } throws: { error in
            "\(error)".contains("\(typo) (environment) is not a Kairos setting; did you mean \(closest)?")
        }
    }

    @Test func aNameFarFromEverySettingIsRefusedWithoutAGuess() {
        #expect {
            _ = try KairosConfiguration.load(arguments: [], environment: ["KAIROS_WHATEVER_ELSE_ENTIRELY": "1"])
        } throws: { error in
            "\(error)".contains("KAIROS_WHATEVER_ELSE_ENTIRELY (environment) is not a Kairos setting (")
        }
    }

    @Test func theBreakerSettingsHaveTheirDefaultsAndCanBeSet() throws {
        let defaults = try KairosConfiguration.load(arguments: [], environment: [:])
        #expect(defaults.httpBreakerWindowMilliseconds == 10_000)
        #expect(defaults.httpBreakerMinAttempts == 20)
        #expect(defaults.httpBreakerFailureRatePercent == 75)
        #expect(defaults.httpBreakerOpenMilliseconds == 1_000)
        #expect(defaults.httpBreakerCoolDownMilliseconds == 30_000)
        let set = try KairosConfiguration.load(
            arguments: ["--http-breaker-failure-rate", "90"],
            environment: [
                "KAIROS_HTTP_BREAKER_WINDOW_MS": "60000", "KAIROS_HTTP_BREAKER_MIN_ATTEMPTS": "5",
                "KAIROS_HTTP_BREAKER_OPEN_MS": "2000", "KAIROS_HTTP_BREAKER_COOLDOWN_MS": "2000",
            ])
        #expect(set.httpBreakerWindowMilliseconds == 60_000)
        #expect(set.httpBreakerMinAttempts == 5)
        #expect(set.httpBreakerFailureRatePercent == 90)
        #expect(set.httpBreakerOpenMilliseconds == 2_000)
        #expect(set.httpBreakerCoolDownMilliseconds == 2_000)
    }

    @Test func theReplacedConsecutiveFailuresSettingStopsStartUpSayingWhatToSetInstead() throws {
        let scratch = try ScratchDirectory()
        let file = scratch.path("old.conf")
        try "KAIROS_HTTP_BREAKER_FAILURES=5\n".write(toFile: file, atomically: true, encoding: .utf8)
        let attempts: [([String], [String: String], String)] = [
            ([], ["KAIROS_HTTP_BREAKER_FAILURES": "5"], "KAIROS_HTTP_BREAKER_FAILURES (environment)"),
            (["--http-breaker-failures", "5"], [:], "--http-breaker-failures (command line)"),
            (["--http-breaker-failures=5"], [:], "--http-breaker-failures (command line)"),
            (["--config", file], [:], "KAIROS_HTTP_BREAKER_FAILURES (config file \(file))"),
        ]
        for (arguments, environment, named) in attempts {
            #expect {
                _ = try KairosConfiguration.load(arguments: arguments, environment: environment)
            } throws: { error in
                "\(error)".contains("\(named) is no longer a Kairos setting")
                    && "\(error)".contains("KAIROS_HTTP_BREAKER_MIN_ATTEMPTS and KAIROS_HTTP_BREAKER_FAILURE_RATE")
            }
        }
    }

    @Test func kafkaPassThroughVariablesAreNotTypos() throws {
        let configuration = try KairosConfiguration.load(
            arguments: [], environment: ["KAIROS_KAFKA_SOCKET_TIMEOUT_MS": "5000", "KAIROSCTL_INSTANCES": "x"])
        #expect(configuration.kafkaProperties == ["socket.timeout.ms": "5000"])
    }

    @Test func theBinaryRefusesAMisspeltVariableInsteadOfStartingAnEmbeddedBroker() throws {
        let scratch = try ScratchDirectory()
        let process = try KairosProcess(
            arguments: ["--state-dir", scratch.path("s")], environment: ["KAIROS_BOOTSTRAP_SERVER": "kafka:9092"],
            logPath: scratch.path("typo.log"))
        process.process.waitUntilExit()
        #expect(process.process.terminationStatus == 2)
        #expect(process.log.contains("did you mean KAIROS_BOOTSTRAP_SERVERS?"), "log:\n\(process.log)")
        #expect(!process.log.contains("embedded broker started"))
    }

    @Test func theBinaryRefusesABadValueWithExitCodeTwoAndNamesIt() throws {
        let scratch = try ScratchDirectory()
        let process = try KairosProcess(
            arguments: [], environment: ["KAIROS_PARTITIONS": "-3"], logPath: scratch.path("bad.log"))
        process.process.waitUntilExit()
        #expect(process.process.terminationStatus == 2)
        #expect(process.log.contains("KAIROS_PARTITIONS"))
    }

    @Test func theBinaryRefusesMismatchedCommandsAndChangelogPartitions() throws {
        let scratch = try ScratchDirectory()
        let cluster = try EmbeddedKafkaCluster()
        for (role, partitions) in [("commands", 4), ("changelog", 2), ("events", 1), ("dlq", 1)] {
            try cluster.createTopic("odd.\(role)", partitions: Int32(partitions))
        }
        let process = try KairosProcess(
            arguments: ["--topic-prefix", "odd", "--state-dir", scratch.path("s")],
            environment: ["KAIROS_BOOTSTRAP_SERVERS": cluster.bootstrapServers], logPath: scratch.path("odd.log"))
        process.process.waitUntilExit()
        #expect(process.process.terminationStatus == 2)
        #expect(process.log.contains("odd.commands has 4 partitions but odd.changelog has 2"), "log:\n\(process.log)")
    }
}
