import Testing

@testable import KairosEngine

@Suite struct OpenTransactionsTests {
    @Test func onlyPartitionsWhoseStableOffsetIsBelowTheHighWatermarkAreOpen() {
        let transactions = OpenTransactions(stable: [0: 10, 1: 7, 2: 0], high: [0: 10, 1: 12, 2: 3])
        #expect(transactions.partitions == [1, 2])
        #expect(transactions.open[1] == OpenTransaction(stableOffset: 7, highWatermark: 12))
        #expect(OpenTransactions(stable: [0: 5], high: [0: 5]).isEmpty)
        #expect(OpenTransactions(stable: [0: 5], high: [:]).isEmpty, "no high watermark known: nothing to wait for")
    }

    @Test func aTransactionEndsWhenTheStableOffsetPassesTheHighWatermarkSeenAtTheStart() {
        var transactions = OpenTransactions(stable: [1: 7, 2: 0], high: [1: 12, 2: 3])
        #expect(transactions.update(stable: [1: 7, 2: 0]).isEmpty)
        #expect(transactions.update(stable: [1: 11, 2: 0]).isEmpty, "still below")
        // Aborted or committed, the end marker lies at the old high watermark: the stable offset moves past it.
        #expect(transactions.update(stable: [1: 13, 2: 0]) == [1])
        #expect(transactions.partitions == [2])
        #expect(transactions.update(stable: [1: 20]).isEmpty, "an ended transaction is not reported again")
        #expect(transactions.update(stable: [2: 3]) == [2])
        #expect(transactions.isEmpty)
    }
}
