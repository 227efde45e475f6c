import ArgumentParser
import KairosControl

/// `kairos-error-kind` values.
enum DeadLetterKindOption: String, ExpressibleByArgument, CaseIterable {
    case rejected
    case deliveryFailed = "delivery-failed"

    var kind: DeadLetterFilter.Kind {
        switch self {
        case .rejected: .rejected
        case .deliveryFailed: .deliveryFailed
        }
    }
}

/// `kairosctl dlq`: the dead-letter topic.
struct DeadLetterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq",
        abstract: "Inspect and replay dead letters (<prefix>.dlq).",
        subcommands: [DeadLetterListCommand.self, DeadLetterReplayCommand.self])
}
