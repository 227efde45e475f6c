import ArgumentParser
import KairosControl

/// `kairosctl topics`: Kairos's four topics.
struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "Create or check Kairos's topics (<prefix>.commands, .changelog, .events, .dlq).",
        subcommands: [TopicsCreateCommand.self, TopicsCheckCommand.self])
}
