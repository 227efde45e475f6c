import ArgumentParser

/// `kairosctl resume`: a paused schedule fires again.
struct ResumeCommand: ActionCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume a paused schedule; occurrences that fell due while it was paused are skipped.")
    static let action = "resume"

    @Argument(help: "The schedule id.")
    var id: String

    @OptionGroup(title: "Connection and output options") var connection: ConnectionOptions
}
