import Foundation
import Synchronization
import Testing
import WheelhouseCore
import WheelhouseStorage

@testable import WheelhouseApp

/// The index cache against a real in-memory store that counts what it is asked.
struct IndexCacheTests {
    /// A `MemoryBlobStore` that counts heads and listings, and can hold them back.
    final class CountingStore: BlobStore, Sendable {
        let inner = MemoryBlobStore()
        let heads = Atomic(0)
        let lists = Atomic(0)
        let delay = Mutex(Duration.zero)
        var displayName: String { "counting" }

        func head(_ key: String) async throws -> BlobInfo? {
            heads.add(1, ordering: .relaxed)
            try await Task.sleep(for: delay.withLock { $0 })
            return try await inner.head(key)
        }
        func list(prefix: String) async throws -> [BlobInfo] {
            lists.add(1, ordering: .relaxed)
            try await Task.sleep(for: delay.withLock { $0 })
            return try await inner.list(prefix: prefix)
        }
        func get(_ key: String, range: ByteRange?) async throws -> (info: BlobInfo, body: BlobBody) {
            try await inner.get(key, range: range)
        }
        func read(_ key: String) async throws -> (data: Data, info: BlobInfo)? { try await inner.read(key) }
        func write(_ key: String, data: Data, contentType: String?, condition: WriteCondition) async throws -> BlobInfo {
            try await inner.write(key, data: data, contentType: contentType, condition: condition)
        }
        func write(_ key: String, contentsOf file: URL, contentType: String?, condition: WriteCondition) async throws -> BlobInfo {
            try await inner.write(key, contentsOf: file, contentType: contentType, condition: condition)
        }
        func delete(_ key: String) async throws { try await inner.delete(key) }
    }

    static func file(_ version: String) -> FileRecord {
        FileRecord(
            filename: "demo-\(version)-py3-none-any.whl", version: version, packageType: "bdist_wheel",
            sha256: String(repeating: "a", count: 64), size: 10, uploadTime: Date(timeIntervalSince1970: 0),
            requiresPython: nil, metadataSha256: nil, pythonTag: "py3")
    }

    /// Another writer's record change, as another server would make it.
    static func publish(_ versions: [String], in store: any BlobStore) async throws {
        _ = try await ProjectRecords(store: store).update("demo") { _ in
            ProjectRecord(name: "demo", displayName: "demo", files: versions.map(file))
        }
    }

    @Test func aStalePageIsServedAtOnceAndRevalidatedOnceInTheBackground() async throws {
        let store = CountingStore()
        try await Self.publish(["1.0"], in: store)
        let cache = IndexCache(store: store, staleness: .milliseconds(100))
        let first = try #require(try await cache.projectPage("demo", format: .jsonV1))
        #expect(String(buffer: first.body).contains("demo-1.0-py3-none-any.whl"))

        try await Self.publish(["1.0", "2.0"], in: store)
        try await Task.sleep(for: .milliseconds(150))
        // Stale now; the store takes 300 ms to answer. 50 requests at once do not wait for it
        // and cause one revalidation between them.
        store.delay.withLock { $0 = .milliseconds(300) }
        let headsBefore = store.heads.load(ordering: .relaxed)
        let started = ContinuousClock.now
        let pages = try await withThrowingTaskGroup(of: RenderedPage?.self) { group in
            for _ in 0..<50 { group.addTask { try await cache.projectPage("demo", format: .jsonV1) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(ContinuousClock.now - started < .milliseconds(250), "requests waited for the store")
        #expect(pages.allSatisfy { $0?.etag == first.etag }, "the stale page is served meanwhile")
        // The revalidation finds the change; later requests see it.
        var latest = first
        let deadline = ContinuousClock.now + .seconds(5)
        while latest.etag == first.etag, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            latest = try #require(try await cache.projectPage("demo", format: .jsonV1))
        }
        #expect(String(buffer: latest.body).contains("demo-2.0-py3-none-any.whl"))
        #expect(store.heads.load(ordering: .relaxed) - headsBefore == 1, "one revalidation for 50 requests")
    }

    @Test func theRootListIsRevalidatedInTheBackgroundToo() async throws {
        let store = CountingStore()
        try await Self.publish(["1.0"], in: store)
        let cache = IndexCache(store: store, staleness: .milliseconds(100))
        let first = try await cache.rootPage(format: .htmlV1)
        _ = try await ProjectRecords(store: store).update("other") { _ in ProjectRecord(name: "other", displayName: "other") }
        try await Task.sleep(for: .milliseconds(150))
        store.delay.withLock { $0 = .milliseconds(300) }
        let listsBefore = store.lists.load(ordering: .relaxed)
        let started = ContinuousClock.now
        for _ in 0..<20 { #expect(try await cache.rootPage(format: .htmlV1).etag == first.etag) }
        #expect(ContinuousClock.now - started < .milliseconds(250), "requests waited for the listing")
        var latest = first
        let deadline = ContinuousClock.now + .seconds(5)
        while latest.etag == first.etag, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            latest = try await cache.rootPage(format: .htmlV1)
        }
        #expect(String(buffer: latest.body).contains("other"))
        #expect(store.lists.load(ordering: .relaxed) - listsBefore == 1)
    }

    @Test func aRevalidationThatStartedBeforeAnInvalidateDoesNotBringBackTheOldRecord() async throws {
        let store = CountingStore()
        try await Self.publish(["1.0"], in: store)
        let cache = IndexCache(store: store, staleness: .milliseconds(50))
        _ = try await cache.projectPage("demo", format: .jsonV1)
        try await Task.sleep(for: .milliseconds(80))
        store.delay.withLock { $0 = .milliseconds(200) }
        // Sets off a revalidation that will read the record before this process changes it.
        _ = try await cache.projectPage("demo", format: .jsonV1)
        store.delay.withLock { $0 = .zero }
        try await Self.publish(["1.0", "3.0"], in: store)
        cache.invalidate("demo")
        let page = try #require(try await cache.projectPage("demo", format: .jsonV1))
        #expect(String(buffer: page.body).contains("demo-3.0"))
        try await Task.sleep(for: .milliseconds(300))  // the old revalidation has ended
        let after = try #require(try await cache.projectPage("demo", format: .jsonV1))
        #expect(String(buffer: after.body).contains("demo-3.0"), "an older revalidation overwrote a newer record")
    }
}
