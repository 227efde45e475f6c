import Testing

@testable import KairosEngine

@Suite struct WallClockStepsTests {
    @Test func aClockThatKeepsPaceWithTheMonotonicClockHasNoStep() {
        var steps = WallClockSteps()
        #expect(steps.step(wall: 1_000_000, monotonic: 50) == nil)
        // Readings a few hundred ms apart, with a little drift either way.
        #expect(steps.step(wall: 1_000_200, monotonic: 250) == nil)
        #expect(steps.step(wall: 1_030_200, monotonic: 30_240) == nil)
        #expect(steps.step(wall: 1_031_200, monotonic: 31_240 - 900) == nil)
    }

    @Test func aStepBackOrForwardIsReportedOnceWithItsSize() {
        var steps = WallClockSteps()
        _ = steps.step(wall: 10_000_000, monotonic: 0)
        #expect(steps.step(wall: 10_000_100 - 3_600_000, monotonic: 100) == -3_600_000)
        // The next reading is measured from the stepped one.
        #expect(steps.step(wall: 10_000_300 - 3_600_000, monotonic: 300) == nil)
        #expect(steps.step(wall: 10_000_500, monotonic: 500) == 3_600_000)
        #expect(steps.step(wall: 10_002_001, monotonic: 500) == 1_501)
    }
}
