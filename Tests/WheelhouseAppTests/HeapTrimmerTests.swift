import Foundation
import Logging
import Synchronization
import Testing
import WheelhouseCore
import WheelhouseStorage

@testable import WheelhouseApp

/// The heap trimmer: glibc's `malloc_trim` is found, the index cache reports what it keeps, and
/// the service ends when its task is cancelled.
struct HeapTrimmerTests {
    #if canImport(Glibc)
        @Test func mallocTrimIsFoundAndRuns() {
            #expect(HeapTrimmer.mallocTrim != nil)
            _ = HeapTrimmer.mallocTrim?(0)
        }
    #endif

    @Test func theIndexCacheReportsEveryRecordAndPageItKeeps() async throws {
        let store = MemoryBlobStore()
        try await IndexCacheTests.publish(["1.0"], in: store)
        let cache = IndexCache(store: store, staleness: .seconds(60))
        let before = HeapTrimmer.growth.load(ordering: .relaxed)
        _ = try await cache.projectPage("demo", format: .htmlLegacy)
        _ = try await cache.rootPage(format: .htmlLegacy)
        // The record, its page and the root page (other tests may add to the count meanwhile).
        #expect(HeapTrimmer.growth.load(ordering: .relaxed) - before >= 3)
        // Unknown projects are not kept, so they are not reported either (nor trimmed for).
        #expect(try await cache.projectPage("no-such-project", format: .htmlLegacy) == nil)
    }

    @Test func theServiceEndsWhenCancelled() async throws {
        let trimmer = HeapTrimmer(interval: .milliseconds(10), logger: Logger(label: "test"))
        let running = Task { try await trimmer.run() }
        HeapTrimmer.noteGrowth()
        try await Task.sleep(for: .milliseconds(50))
        running.cancel()
        try await running.value
    }
}
