import Foundation
import KairosService
import Storage

// At most eight malloc arenas instead of eight per core: RocksDB's and librdkafka's threads otherwise each grow an
// arena of up to 64 MiB, which multiplies resident memory without holding more data. Fewer than eight make the
// engine, its store writer and librdkafka's threads queue for the allocator's locks (two arenas cost a fifth of
// the ingest rate on two cores; 10 M pending schedules take 266 MiB with eight, 230 MiB with two).
RocksDatabase.limitAllocatorArenas(8)

let arguments = Array(CommandLine.arguments.dropFirst())
var command = "run"
var options = arguments
if let first = arguments.first, !first.hasPrefix("-") {
    command = first
    options = Array(arguments.dropFirst())
}
if command == "next" {
    exit(NextCommand.run(arguments: options))
}
if command == "token-hash" {
    guard options.count == 1 else {
        FileHandle.standardError.write(Data("usage: kairos token-hash TOKEN (prints what KAIROS_API_TOKENS keeps)\n".utf8))
        exit(2)
    }
    print(KairosService.tokenDigest(options[0]))
    exit(0)
}
if options.contains("--help") || options.contains("-h") || command == "help" {
    print(KairosConfiguration.usage)
    exit(0)
}
let configuration: KairosConfiguration
do {
    configuration = try KairosConfiguration.load(arguments: options, environment: ProcessInfo.processInfo.environment)
} catch {
    FileHandle.standardError.write(Data("kairos: configuration error: \(error)\n".utf8))
    exit(2)
}
switch command {
case "run":
    exit(await KairosService.run(configuration: configuration))
case "broker":
    exit(KairosService.runBroker(configuration: configuration))
default:
    FileHandle.standardError.write(Data("kairos: unknown command '\(command)'; see kairos --help\n".utf8))
    exit(2)
}
