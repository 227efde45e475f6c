import Dispatch
import Foundation
import KafkaClient
import Logging

/// Starts Kairos: logging, the embedded broker when no cluster is configured, the topics, and the scheduler engine;
/// runs until SIGTERM or SIGINT, then shuts down gracefully.
public enum KairosService {
    /// Runs the scheduler; returns the process exit code.
    public static func run(configuration: KairosConfiguration) -> Int32 {
        let logger = makeLogger(configuration)
        do {
            let started = try start(configuration: configuration, logger: logger)
            let engine = started.engine
            let finished = DispatchSemaphore(value: 0)
            let outcome = EngineOutcome()
            let thread = Thread {
                do {
                    try engine.run()
                } catch {
                    outcome.set(error)
                }
                finished.signal()
            }
            thread.name = "kairos-engine"
            thread.stackSize = 8 << 20
            let signals = onTerminationSignal { number in
                logger.info("signal received; shutting down", metadata: ["signal": "\(number)"])
                engine.requestStop()
                DispatchQueue.global().asyncAfter(
                    deadline: .now() + .milliseconds(configuration.shutdownDeadlineMilliseconds)
                ) {
                    logger.error("shutdown deadline passed; exiting without finishing")
                    exit(3)
                }
            }
            thread.start()
            finished.wait()
            signals.forEach { $0.cancel() }
            withExtendedLifetime(started.cluster) {}
            if let error = outcome.error {
                logger.critical("scheduler failed", metadata: ["error": "\(error)"])
                return 1
            }
            return 0
        } catch let error as ConfigurationError {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            return 2
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            return 1
        }
    }

    struct Started {
        var engine: SchedulerEngine
        var cluster: EmbeddedKafkaCluster?
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
        if let cluster {
            try setup.ensure(embedded: cluster, admin: admin)
        } else {
            try setup.ensure(admin: admin)
        }
        let engine = try SchedulerEngine(configuration: configuration, kafka: kafka, logger: logger)
        return Started(engine: engine, cluster: cluster)
    }

    static func makeLogger(_ configuration: KairosConfiguration) -> Logger {
        let format: KairosLogHandler.Format = configuration.logFormat == "json" ? .json : .text
        var logger = Logger(label: "kairos") { label in KairosLogHandler(label: label, format: format) }
        logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
        return logger
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
            let sources = onTerminationSignal { _ in stop.signal() }
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

/// Calls `handler` on SIGTERM or SIGINT (instead of the default exit) until the returned sources are cancelled.
private func onTerminationSignal(_ handler: @escaping @Sendable (Int32) -> Void) -> [any DispatchSourceSignal] {
    [SIGTERM, SIGINT].map { number in
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler { handler(number) }
        source.resume()
        return source
    }
}

/// Writes the embedded broker's address to `<state dir>/embedded-bootstrap` (creating the directory).
private func writeEmbeddedBootstrap(_ bootstrap: String, stateDirectory: String) throws -> URL {
    try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
    let file = URL(fileURLWithPath: stateDirectory).appendingPathComponent("embedded-bootstrap")
    try Data(bootstrap.utf8).write(to: file, options: .atomic)
    return file
}

/// The engine thread's error, read by the main thread after the thread signalled that it finished.
private final class EngineOutcome: @unchecked Sendable {
    // Written once by the engine thread before it signals; read after the wait (the semaphore orders them).
    private(set) var error: (any Error)?
    func set(_ error: any Error) { self.error = error }
}
