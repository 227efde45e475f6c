import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import KafkaClient
import KairosControl
public import KairosEngine
import KairosWire
public import Logging
import NIOCore
import NIOSSL
import ScheduleModel
public import ServiceLifecycle
import Synchronization

/// The HTTP API `/v1` of one instance: schedules (create or replace, read, list, cancel, pause, resume, trigger,
/// events), dead letters (list, replay), a preview of fire times, and its own OpenAPI document. Any instance answers
/// for any id: a request about an id is answered by the instance serving its home partition, passed on to it when
/// that is another one (`OwnerRouter`). Writes are commands on `commands`, as from any client.
public struct APIServer: Sendable {
    let settings: APISettings
    let operations: ScheduleOperations
    let router: OwnerRouter
    let directory: InstanceDirectory
    let authenticator: Authenticator
    let events: EventsReader
    let connection: ConnectionSettings
    let partitions: Int32
    let reader: ScheduleReader
    let logger: Logger

    /// Builds the server; `reader` is the engine's (what this instance serves), `partitions` the partition count of
    /// `commands`.
    public init(
        settings: APISettings, kafka: KafkaConfiguration, reader: ScheduleReader, partitions: Int32, logger: Logger
    ) async throws {
        self.settings = settings
        self.partitions = partitions
        self.reader = reader
        self.logger = logger
        let home = HomePartition(rule: settings.partitioner, partitions: partitions)
        let publisher = try CommandPublisher(kafka: kafka, topic: settings.topics.commands, home: home)
        operations = ScheduleOperations(reader: reader, publisher: publisher, settings: settings, logger: logger)
        directory = InstanceDirectory(
            instance: settings.instanceID ?? "kairos-\(UUID().uuidString.prefix(8))", topic: settings.topics.instances,
            kafka: kafka, logger: logger)
        router = OwnerRouter(reader: reader, directory: directory)
        authenticator = try await Authenticator(tokens: settings.tokens, jwt: settings.jwt)
        events = EventsReader(kafka: kafka, topic: settings.topics.events, rule: settings.partitioner)
        connection = ConnectionSettings(
            bootstrapServers: kafka.bootstrapServers, topicPrefix: settings.topics.prefix,
            kafkaProperties: kafka.properties.map { "\($0.key)=\($0.value)" }, partitioner: settings.partitioner.rawValue,
            environment: [:])
    }

    /// The URL other instances reach this one at.
    func advertisedURL(boundPort: Int) -> String {
        if let url = settings.advertisedURL { return url }
        let scheme = settings.tlsCertificatePath == nil ? "http" : "https"
        let host =
            ["0.0.0.0", "::", "[::]"].contains(settings.host)
            ? (ProcessInfo.processInfo.hostName.isEmpty ? "localhost" : ProcessInfo.processInfo.hostName)
            : settings.host
        return "\(scheme)://\(host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host):\(boundPort)"
    }

    /// The server and the directory of instances, as services; `onListening` gets the bound address.
    public func services(onListening: @escaping @Sendable (String) -> Void) throws -> [any Service] {
        let router = Router(context: APIContext.self)
        router.add(middleware: MethodNotAllowedMiddleware())
        addRoutes(to: router)
        var configuration = ApplicationConfiguration(address: .hostname(settings.host, port: settings.port))
        configuration.serverName = "kairos"
        let server: HTTPServerBuilder
        if let certificate = settings.tlsCertificatePath, let key = settings.tlsKeyPath {
            let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
            let tls = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
            server = try .tls(.http1(), tlsConfiguration: tls)
        } else {
            server = .http1()
        }
        let boundURL = BoundURL()
        let application = Application(
            router: router, server: server, configuration: configuration,
            onServerRunning: { [self] channel in
                let port = channel.localAddress?.port ?? settings.port
                boundURL.set(advertisedURL(boundPort: port))
                onListening("\(settings.host):\(port)")
            }, logger: logger)
        // A service group shuts its services down in reverse order: the router's client closes after the server.
        return [
            RouterService(router: self.router), application,
            DirectoryService(directory: directory, url: boundURL, reader: reader),
        ]
    }
}

/// The bound URL, known once the server listens.
final class BoundURL: Sendable {
    private let value = Mutex<String?>(nil)
    func set(_ url: String) { value.withLock { $0 = url } }
    var url: String? { value.withLock { $0 } }
}

/// Closes the router's HTTP client once the group shuts down and the server has stopped.
struct RouterService: Service, CustomStringConvertible {
    let router: OwnerRouter
    var description: String { "OwnerRouter" }

    func run() async throws {
        try? await gracefulShutdown()
        await router.shutdown()
    }
}

/// Runs the directory of instances on a thread of its own (it blocks in librdkafka) while the service group runs.
struct DirectoryService: Service, CustomStringConvertible {
    let directory: InstanceDirectory
    let url: BoundURL
    let reader: ScheduleReader
    var description: String { "InstanceDirectory" }

    func run() async throws {
        while url.url == nil {
            try await Task.sleep(for: .milliseconds(20))
        }
        let api = url.url ?? ""
        let directory = directory
        let reader = reader
        try await withGracefulShutdownHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let thread = Thread {
                    do {
                        try directory.run(api: api) { reader.partitions }
                        continuation.resume()
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
                thread.name = "kairos-directory"
                thread.start()
            }
        } onGracefulShutdown: {
            directory.stop()
        }
    }
}
