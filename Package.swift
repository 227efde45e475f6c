// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "kairos",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kairos", targets: ["kairos"]),
        .executable(name: "kairosctl", targets: ["kairosctl"]),
        .library(name: "KafkaClient", targets: ["KafkaClient"]),
        .library(name: "Storage", targets: ["Storage"]),
        .library(name: "ScheduleModel", targets: ["ScheduleModel"]),
        .library(name: "KairosWire", targets: ["KairosWire"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        // C libraries from Debian, wrapped by the two thin layers below.
        .systemLibrary(
            name: "CRDKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .systemLibrary(
            name: "CRocksDB",
            pkgConfig: "rocksdb",
            providers: [.apt(["librocksdb-dev"])]
        ),

        // Typed Swift layer over librdkafka; knows nothing of schedules.
        .target(name: "KafkaClient", dependencies: ["CRDKafka"], swiftSettings: strict),
        // Typed Swift layer over RocksDB; knows nothing of schedules.
        .target(name: "Storage", dependencies: ["CRocksDB"], swiftSettings: strict),
        // Pure schedule model: schedules, cron, intervals, recurrences, time zones. No I/O.
        .target(name: "ScheduleModel", swiftSettings: strict),
        // The wire contract: every header name and record format (commands, changelog, events, dead letters, fired
        // records, webhook headers), each written and read by one type, for the engine and the clients alike.
        .target(name: "KairosWire", dependencies: ["KafkaClient", "ScheduleModel"], swiftSettings: strict),
        // HTTP delivery of firings: client, retry policy, circuit breakers, host allowlist.
        .target(
            name: "HTTPDelivery",
            dependencies: [
                "ScheduleModel",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The engine: partition ownership, restore, the store, the delivery loop and how batches commit.
        .target(
            name: "KairosEngine",
            dependencies: [
                "KafkaClient",
                "Storage",
                "ScheduleModel",
                "KairosWire",
                "HTTPDelivery",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        // The HTTP API /v1: schedules, lifecycle actions, events, dead letters, previews; roles, tokens and JWTs; any
        // instance answers for any id (the directory of instances). A client of the engine, never a second path.
        .target(
            name: "KairosAPI",
            dependencies: [
                "KafkaClient",
                "ScheduleModel",
                "KairosWire",
                "KairosEngine",
                "KairosControl",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        // The list of settings (names, flags, defaults, meanings) and the refusal of names that are not settings.
        .target(name: "KairosSettings", swiftSettings: strict),
        // Configuration, start-up, the admin HTTP server and the scheduler service.
        .target(
            name: "KairosService",
            dependencies: [
                "KairosSettings",
                "KafkaClient",
                "ScheduleModel",
                "KairosWire",
                "KairosEngine",
                "KairosAPI",
                "HTTPDelivery",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "kairos",
            dependencies: ["KairosService", "Storage"],
            swiftSettings: strict
        ),

        // The admin CLI: inspection and commands against a whole cluster, through Kafka and the instances' admin API.
        .target(
            name: "KairosControl",
            dependencies: [
                "KafkaClient",
                "ScheduleModel",
                "KairosWire",
                "KairosSettings",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "kairosctl",
            dependencies: [
                "KairosControl",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),

        // Speed of the schedule arithmetic (parse, next occurrence); prints numbers.
        .executableTarget(
            name: "ScheduleBenchmark",
            dependencies: ["ScheduleModel"],
            path: "Benchmarks/ScheduleBenchmark",
            swiftSettings: strict
        ),

        // End-to-end numbers: ingest, fire, lateness and a plain-Kafka baseline; prints one table.
        .executableTarget(
            name: "KairosBenchmark",
            dependencies: [
                "KafkaClient", "HTTPDelivery", "ScheduleModel", "WebhookReceiver",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/KairosBenchmark",
            swiftSettings: strict
        ),

        // A local HTTP server that records the webhooks it receives and answers as told; for tests and benchmarks.
        .target(
            name: "WebhookReceiver",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/WebhookReceiver",
            swiftSettings: strict
        ),
        // The `.ownThreads` suite trait: tests that block run on threads of their own.
        .target(name: "TestThreads", path: "Tests/TestThreads", swiftSettings: strict),

        .testTarget(name: "KafkaClientTests", dependencies: ["KafkaClient", "TestThreads"], swiftSettings: strict),
        .testTarget(
            name: "HTTPDeliveryTests",
            dependencies: ["HTTPDelivery", "WebhookReceiver", "TestThreads", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "TestThreads"], swiftSettings: strict),
        .testTarget(
            name: "ScheduleModelTests",
            dependencies: ["ScheduleModel", "TestThreads"],
            exclude: ["conformance"],
            swiftSettings: strict
        ),
        .testTarget(name: "KairosWireTests", dependencies: ["KairosWire", "KafkaClient"], swiftSettings: strict),
        .testTarget(
            name: "KairosEngineTests",
            dependencies: ["KairosEngine", "KairosWire", "KafkaClient", "Storage", "WebhookReceiver", "TestThreads"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "KairosAPITests",
            dependencies: [
                "KairosAPI", "KairosEngine", "TestThreads",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "KairosServiceTests",
            dependencies: [
                "KairosService", "KafkaClient", "KairosWire", "KairosControl", "WebhookReceiver", "TestThreads",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
