/// One configuration setting: its environment variable (also its key in a config file), its command-line flag,
/// its default and what it means. The table in `KairosConfiguration.settings` is the single list of settings; the
/// README's configuration reference and `kairos --help` are written from it.
public struct Setting: Sendable {
    public let environmentName: String
    public let flag: String
    public let defaultValue: String
    public let meaning: String

    init(_ environmentName: String, flag: String, default defaultValue: String, _ meaning: String) {
        self.environmentName = environmentName
        self.flag = flag
        self.defaultValue = defaultValue
        self.meaning = meaning
    }
}

/// A setting that could not be used; the message names the setting, the value and what is expected.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
