/// Why a `kairosctl` command failed, with the exit status it ends with.
public struct ControlError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as a sentence for the person at the terminal.
    public let message: String
    /// 1 for a runtime failure (unreachable broker, unknown id), 2 for a usage or validation error.
    public let exitStatus: Int32

    /// A runtime failure (exit status 1): the command was right but could not be carried out.
    public static func failure(_ message: String) -> ControlError {
        ControlError(message: message, exitStatus: 1)
    }

    /// A usage or validation error (exit status 2): the command itself is wrong; nothing was written.
    public static func usage(_ message: String) -> ControlError {
        ControlError(message: message, exitStatus: 2)
    }

    public var description: String { message }
}
