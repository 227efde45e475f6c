/// A failure of the engine that is not a Kafka or storage error.
struct EngineError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
