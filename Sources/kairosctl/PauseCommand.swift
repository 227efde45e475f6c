import ArgumentParser

/// `kairosctl pause`: no firing of a schedule until it is resumed.
struct PauseCommand: ActionCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Pause a schedule: no firing until it is resumed (kairos-action: pause on <prefix>.commands).")
    static let action = "pause"

    @Argument(help: "The schedule id.")
    var id: String

    @OptionGroup(title: "Connection and output options") var connection: ConnectionOptions
}
