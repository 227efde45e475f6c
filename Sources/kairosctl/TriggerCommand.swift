import ArgumentParser

/// `kairosctl trigger`: one extra firing of a schedule now.
struct TriggerCommand: ActionCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger",
        abstract: "Fire a schedule once now, as an extra firing (occurrence -1, -2, ...); the schedule is unchanged.")
    static let action = "trigger"

    @Argument(help: "The schedule id.")
    var id: String

    @OptionGroup(title: "Connection and output options") var connection: ConnectionOptions
}
