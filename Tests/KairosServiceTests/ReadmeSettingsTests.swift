import Foundation
import KairosService
import Testing

@Suite struct ReadmeSettingsTests {
    @Test func theReadmesConfigurationTableListsEverySettingWithItsFlagAndDefault() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("| `KAIROS_") }
        for setting in KairosConfiguration.settings {
            let row = rows.first { $0.hasPrefix("| `\(setting.environmentName)` |") }
            #expect(row != nil, "README lacks \(setting.environmentName)")
            #expect(row?.contains("| `\(setting.flag)` |") == true, "README's flag of \(setting.environmentName)")
            let shownDefault = setting.defaultValue.hasPrefix("(") || setting.defaultValue.isEmpty
                ? setting.defaultValue : "`\(setting.defaultValue)`"
            #expect(row?.contains("| \(shownDefault) |") == true, "README's default of \(setting.environmentName)")
        }
        #expect(rows.count == KairosConfiguration.settings.count, "README lists settings kairos does not have")
    }
}
