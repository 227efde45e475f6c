import ArgumentParser
import Foundation
import KairosControl

/// `kairosctl apply -f FILE`: schedules as code.
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Make the live schedules what a YAML file says: plan, print, then write what changed.",
        discussion: """
            The file has one key, schedules: a list of schedules with the fields of the HTTP API's body and an id \
            each (at, cron or every; a delay or a past at would change at each apply). Each is compared with the \
            live one: create, replace, or unchanged (nothing written). With --prune, the live schedules under \
            --prefix that the file does not have are cancelled. The plan is printed with each schedule's next fire \
            times; --dry-run stops there. Otherwise the commands are written and apply waits until the changelog \
            shows them applied. Applying the same file twice writes nothing the second time.
            """)

    @Option(name: .customShort("f"), help: ArgumentHelp("The schedules file (YAML or JSON); - for standard input.", valueName: "file"))
    var file: String

    @Flag(help: "Cancel the live schedules under --prefix that the file does not have.")
    var prune = false

    @Option(help: ArgumentHelp("The ids this file manages (needed with --prune); every id of the file must start with it.", valueName: "prefix"))
    var prefix: String?

    @Flag(help: "Print the plan and write nothing.")
    var dryRun = false

    @OptionGroup(title: "Connection and output options") var connection: ConnectionOptions

    func run() async throws {
        let path = file
        let text: String
        if path == "-" {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else {
            guard let contents = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ControlError.usage("cannot read \(path)")
            }
            text = contents
        }
        let (prune, prefix, dryRun) = (prune, prefix, dryRun)
        try await connection.run { (cluster) throws(ControlError) in
            let schedules = try SchedulesFile(
                text: text, name: path == "-" ? "standard input" : path, topics: cluster.topics)
            return try await SchedulesApply(file: schedules, prune: prune, prefix: prefix, dryRun: dryRun)
                .run(on: cluster)
        }
    }
}
