import ArgumentParser
import Foundation
import KairosControl

/// `kairosctl`: the admin CLI of Kairos. Every subcommand lives in a file of its own; add new ones to `subcommands`.
@main
struct Kairosctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kairosctl",
        abstract: "Inspect and drive a Kairos installation through its Kafka topics.",
        discussion: """
            Every subcommand takes --bootstrap-servers (or KAIROS_BOOTSTRAP_SERVERS, or --state-dir DIR of a kairos \
            with the embedded broker), --topic-prefix (KAIROS_TOPIC_PREFIX, default kairos), --kafka-property \
            NAME=VALUE and --output table|json.

            Exit status: 0 ok, 1 runtime failure (unreachable cluster, unknown id, failed check), 2 usage or \
            validation error (nothing was written).
            """,
        subcommands: [
            StatusCommand.self,
            ScheduleCommand.self,
            CancelCommand.self,
            PauseCommand.self,
            ResumeCommand.self,
            TriggerCommand.self,
            ApplyCommand.self,
            ListCommand.self,
            GetCommand.self,
            DeadLetterCommand.self,
            TopicsCommand.self,
            VerifyCommand.self,
        ]
    )

    /// Runs the chosen subcommand. Failures of the library end with their own status and message; ArgumentParser's
    /// usage errors end with status 2 instead of its default 64.
    static func main() async {
        do {
            var command = try await asyncParseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as ControlError {
            FileHandle.standardError.write(Data("kairosctl: \(error.message)\n".utf8))
            Foundation.exit(error.exitStatus)
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
