import Dispatch
import Foundation
import KafkaClient
import KairosAPI
import KairosEngine
import KairosSettings
import Logging
import ServiceLifecycle

/// Starts Kairos: logging, the embedded broker when no cluster is configured, the topics, the scheduler engine and
/// the admin HTTP server, as services of one `ServiceGroup`; runs until SIGTERM or SIGINT, then shuts down
/// gracefully (architecture invariant 9).
public enum KairosService {
    /// Runs the scheduler; returns the process exit code (0 after a graceful shutdown, 1 on failure, 2 on a
    /// configuration error, 3 when the shutdown deadline passed).
    public static func run(configuration: KairosConfiguration) async -> Int32 {
        let logger = makeLogger(configuration)
        do {
            let started = try start(configuration: configuration, logger: logger)
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
                .init(
                    service: EngineService(engine: started.engine, configuration: configuration, logger: logger),
                    successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup)
            ]
            if configuration.adminAddress != nil {
                let stateDirectory = configuration.stateDirectory
                let application = try AdminServer.makeApplication(
                    configuration: configuration, status: started.engine.status, metrics: started.engine.metrics,
                    broker: BrokerReachability(admin: started.admin), logger: logger
                ) { address in
                    logger.notice("admin server listening", metadata: ["address": "\(address)"])
                    let file = URL(fileURLWithPath: stateDirectory).appendingPathComponent("admin-address")
                    try? Data(address.utf8).write(to: file, options: .atomic)
                }
                services.append(.init(service: application, failureTerminationBehavior: .gracefullyShutdownGroup))
            }
            if let api = configuration.api {
                let stateDirectory = configuration.stateDirectory
                let server = try await APIServer(
                    settings: APISettings(configuration, api), kafka: started.kafka, reader: started.engine.reader,
                    partitions: started.commandPartitions, logger: logger)
                for service in try server.services(onListening: { address in
                    logger.notice("API listening", metadata: ["address": "\(address)"])
                    let file = URL(fileURLWithPath: stateDirectory).appendingPathComponent("api-address")
                    try? Data(address.utf8).write(to: file, options: .atomic)
                }) {
                    services.append(.init(service: service, failureTerminationBehavior: .gracefullyShutdownGroup))
                }
            }
            var groupConfiguration = ServiceGroupConfiguration(services: services, logger: logger)
            groupConfiguration.gracefulShutdownSignals = [.sigterm, .sigint]
            let group = ServiceGroup(configuration: groupConfiguration)
            try await group.run()
            withExtendedLifetime(started.cluster) {}
            return 0
        } catch let error as ConfigurationError {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            return 2
        } catch {
            logger.critical("scheduler failed", metadata: ["error": "\(error)"])
            return 1
        }
    }

    struct Started {
        var engine: SchedulerEngine
        var admin: KafkaAdmin
        var cluster: EmbeddedKafkaCluster?
        var kafka: KafkaConfiguration
        var commandPartitions: Int32
    }

    static func start(configuration: KairosConfiguration, logger: Logger) throws -> Started {
        try FileManager.default.createDirectory(atPath: configuration.stateDirectory, withIntermediateDirectories: true)
        var cluster: EmbeddedKafkaCluster?
        let bootstrap: String
        if let servers = configuration.bootstrapServers {
            bootstrap = servers
        } else {
            let embedded = try EmbeddedKafkaCluster(brokers: configuration.embeddedBrokers)
            cluster = embedded
            bootstrap = embedded.bootstrapServers
            let file = try writeEmbeddedBootstrap(bootstrap, stateDirectory: configuration.stateDirectory)
            logger.notice(
                "embedded broker started (in memory; for trying Kairos out, not for production)",
                metadata: ["bootstrap": "\(bootstrap)", "file": "\(file.path)"])
        }
        let kafka = KafkaConfiguration(
            bootstrapServers: bootstrap, clientID: "kairos", properties: configuration.kafkaProperties,
            logHandler: { line in
                let level: Logger.Level = line.level <= 3 ? .error : line.level == 4 ? .warning : .debug
                logger.log(level: level, "librdkafka: \(line.message)", metadata: ["facility": "\(line.facility)"])
            })
        let admin = try KafkaAdmin(configuration: kafka)
        let setup = TopicSetup(configuration: configuration, logger: logger)
        let commandPartitions =
            if let cluster { try setup.ensure(embedded: cluster, admin: admin) } else { try setup.ensure(admin: admin) }
        let engine = try SchedulerEngine(
            settings: EngineSettings(configuration, commandPartitions: commandPartitions), kafka: kafka, logger: logger)
        return Started(
            engine: engine, admin: admin, cluster: cluster, kafka: kafka, commandPartitions: commandPartitions)
    }

    static func makeLogger(_ configuration: KairosConfiguration) -> Logger {
        let format: KairosLogHandler.Format = configuration.logFormat == "json" ? .json : .text
        var logger = Logger(label: "kairos") { label in KairosLogHandler(label: label, format: format) }
        logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
        return logger
    }

    /// `kairos token-hash TOKEN`: what `KAIROS_API_TOKENS` stores of a token.
    public static func tokenDigest(_ token: String) -> String {
        "sha256:" + Authenticator.digestHex(of: token)
    }

    /// Runs a standalone embedded broker with Kairos's topics until SIGTERM or SIGINT (tests and demos, where the
    /// broker must outlive Kairos processes). Prints the bootstrap address on standard output.
    public static func runBroker(configuration: KairosConfiguration) -> Int32 {
        let logger = makeLogger(configuration)
        do {
            let cluster = try EmbeddedKafkaCluster(brokers: configuration.embeddedBrokers)
            let admin = try KafkaAdmin(configuration: KafkaConfiguration(bootstrapServers: cluster.bootstrapServers))
            try TopicSetup(configuration: configuration, logger: logger).ensure(embedded: cluster, admin: admin)
            // Written once the topics exist, so whoever waits for the file finds a ready broker.
            _ = try writeEmbeddedBootstrap(cluster.bootstrapServers, stateDirectory: configuration.stateDirectory)
            FileHandle.standardOutput.write(Data((cluster.bootstrapServers + "\n").utf8))
            logger.notice("embedded broker running", metadata: ["bootstrap": "\(cluster.bootstrapServers)"])
            let stop = DispatchSemaphore(value: 0)
            let sources = [SIGTERM, SIGINT].map { number in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { stop.signal() }
                source.resume()
                return source
            }
            stop.wait()
            sources.forEach { $0.cancel() }
            cluster.shutdown()
            return 0
        } catch {
            logger.critical("cannot start the embedded broker", metadata: ["error": "\(error)"])
            return 1
        }
    }
}

/// The engine as a service: a graceful shutdown asks it to stop after the batch in progress and arms the shutdown
/// deadline, past which the process exits with status 3 and the next owner redoes what was not committed.
struct EngineService: Service, CustomStringConvertible {
    let engine: SchedulerEngine
    let configuration: KairosConfiguration
    let logger: Logger

    /// How the service group logs it: never the configuration, which may hold secrets.
    var description: String { "EngineService" }

    func run() async throws {
        let engine = engine
        let deadline = configuration.shutdownDeadlineMilliseconds
        let logger = logger
        try await withGracefulShutdownHandler {
            try await engine.run()
        } onGracefulShutdown: {
            logger.info("shutting down: finishing the batch in progress")
            engine.requestStop()
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(deadline)) {
                logger.error("shutdown deadline passed; exiting without finishing")
                exit(3)
            }
        }
    }
}

/// Writes the embedded broker's address to `<state dir>/embedded-bootstrap` (creating the directory).
private func writeEmbeddedBootstrap(_ bootstrap: String, stateDirectory: String) throws -> URL {
    try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
    let file = URL(fileURLWithPath: stateDirectory).appendingPathComponent("embedded-bootstrap")
    try Data(bootstrap.utf8).write(to: file, options: .atomic)
    return file
}
