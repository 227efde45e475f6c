import KairosControl
import Testing

@Suite struct KairosctlSettingsTests {
    @Test func aMisspeltVariableIsRefusedBeforeAnythingConnects() {
        let settings = ConnectionSettings(
            bootstrapServers: "127.0.0.1:1", environment: ["KAIROS_TOPIC_PREFX": "orders", "HOME": "/root"])
        #expect {
            _ = try settings.connect()
        } throws: { error in
            guard let error = error as? ControlError else { return false }
            return error.exitStatus == 2
                && error.message.contains(
                    "KAIROS_TOPIC_PREFX (environment) is not a Kairos setting; did you mean KAIROS_TOPIC_PREFIX?")
        }
    }

    @Test func kairossOwnSettingsAndPassThroughsAreAccepted() throws {
        let settings = ConnectionSettings(
            bootstrapServers: "127.0.0.1:1",
            environment: ["KAIROS_TOPIC_PREFIX": "orders", "KAIROS_STATE_DIR": "/x", "KAIROS_KAFKA_DEBUG": "all"])
        #expect(try settings.connect().topics.commands == "orders.commands")
    }
}
