/// A cron expression that was refused. ``description`` is a sentence naming the field and
/// the offending token, e.g. `cron field day-of-month: '32' is out of range 1-31`.
public struct CronParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The field at fault, or nil when the expression as a whole is wrong (field count, macro).
    public let field: CronField?
    /// The text at fault (a token, a field, or the whole expression).
    public let token: String
    /// What is wrong with `token`, e.g. `is out of range 1-31`.
    public let problem: String

    /// An error about `token` in `field`.
    public init(field: CronField?, token: String, problem: String) {
        self.field = field
        self.token = token
        self.problem = problem
    }

    /// `cron field <field>: '<token>' <problem>` or `cron expression '<token>' <problem>`.
    public var description: String {
        if let field { return "cron field \(field.rawValue): '\(token)' \(problem)" }
        return "cron expression '\(token)' \(problem)"
    }
}
