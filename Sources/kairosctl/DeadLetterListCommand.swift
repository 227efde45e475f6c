import ArgumentParser
import KairosControl

/// `kairosctl dlq list`.
struct DeadLetterListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the most recent dead letters: key, kind, error, origin and time.")

    @OptionGroup var selection: DeadLetterSelection

    @Option(help: "Show at most this many (the most recent).")
    var limit: Int = 50

    @OptionGroup(title: "Connection and output options") var connection: ConnectionOptions

    func run() async throws {
        let listing = DeadLetterListing(
            filter: selection.filter(), limit: limit)
        try await connection.run { (cluster) throws(ControlError) in try listing.run(on: cluster) }
    }
}

/// Which dead letters `dlq list` and `dlq replay` take.
struct DeadLetterSelection: ParsableArguments {
    @Option(help: "Only dead letters of this kind.")
    var kind: DeadLetterKindOption?

    @Option(help: ArgumentHelp("Only keys (schedule ids) starting with this text.", valueName: "prefix"))
    var idPrefix: String?

    @Option(help: "Only this dlq partition.")
    var partition: Int32?

    func filter(offsetFrom: Int64? = nil) -> DeadLetterFilter {
        DeadLetterFilter(kind: kind?.kind, idPrefix: idPrefix, partition: partition, offsetFrom: offsetFrom)
    }
}
