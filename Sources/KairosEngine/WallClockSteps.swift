/// Notices the wall clock being stepped (an NTP correction, a manual change, a resumed virtual machine): between two
/// readings it moved by a different amount than the monotonic clock, which nothing steps.
///
/// Kairos keeps firing by the wall clock of the moment (docs/time-semantics.md, "Clock steps"): after a step back,
/// due times wait for the clock to reach them again; after a step forward, what fell due in the skipped span fires
/// now, late, under the misfire rules. The step itself is worth a log line: it explains both.
struct WallClockSteps {
    /// Drift between the two clocks below this is not a step (readings are taken up to a few ms apart).
    static let toleranceMilliseconds: Int64 = 1_000

    private var last: (wall: Int64, monotonic: Int64)?

    /// Takes a reading (both in milliseconds); returns the step since the previous reading (positive: forward) when
    /// the wall clock moved by more than the tolerance more, or less, than the monotonic clock.
    mutating func step(wall: Int64, monotonic: Int64) -> Int64? {
        defer { last = (wall, monotonic) }
        guard let last else { return nil }
        let step = (wall - last.wall) - (monotonic - last.monotonic)
        return abs(step) > Self.toleranceMilliseconds ? step : nil
    }
}
