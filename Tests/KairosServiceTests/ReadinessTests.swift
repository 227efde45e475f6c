import Testing

@testable import KairosEngine
@testable import KairosService

@Suite struct ReadinessTests {
    @Test func aRestoreWaitingForAnOpenTransactionSaysWhichPartitionAndItsOffsets() {
        var waiting = EngineStatus.Partition(partition: 3, state: .restoring)
        waiting.openTransaction = OpenTransaction(stableOffset: 120, highWatermark: 135)
        let partitions = [
            EngineStatus.Partition(partition: 5, state: .restoring), waiting,
            EngineStatus.Partition(partition: 1, state: .serving),
        ]
        #expect(
            AdminServer.Readiness.restoringReason(partitions)
                == "restoring partitions 3,5; partition 3 waits for a transaction open on its changelog (stable offset "
                + "120, high watermark 135) to end")
        #expect(
            AdminServer.Readiness.restoringReason([EngineStatus.Partition(partition: 0, state: .restoring)])
                == "restoring partitions 0")
    }
}
