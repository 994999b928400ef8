import Foundation
import Synchronization
import Testing
import WheelhouseCore
import WheelhouseStorage

@testable import WheelhouseApp
import NIOCore

/// The index cache against a real in-memory store that counts what it is asked.
struct IndexCacheTests {
    /// A `MemoryBlobStore` that counts heads and listings, and can hold them until released.
    final class CountingStore: BlobStore, Sendable {
        let inner = MemoryBlobStore()
        let heads = Atomic(0)
        let lists = Atomic(0)
        private let gate = Mutex<(closed: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))
        var displayName: String { "counting" }

        func hold() { gate.withLock { $0.closed = true } }
        func release() {
            let waiting = gate.withLock { g in
                g.closed = false
                defer { g.waiting = [] }
                return g.waiting
            }
            for w in waiting { w.resume() }
        }
        private func pass() async {
            await withCheckedContinuation { c in
                let open = gate.withLock { g in
                    if g.closed { g.waiting.append(c) }
                    return !g.closed
                }
                if open { c.resume() }
            }
        }

        func head(_ key: String) async throws -> BlobInfo? {
            heads.add(1, ordering: .relaxed)
            await pass()
            return try await inner.head(key)
        }
        func list(prefix: String) async throws -> [BlobInfo] {
            lists.add(1, ordering: .relaxed)
            await pass()
            return try await inner.list(prefix: prefix)
        }
        func get(_ key: String, range: ByteRange?) async throws -> (info: BlobInfo, body: BlobBody) {
            try await inner.get(key, range: range)
        }
        private let readHold = Mutex<(armed: Bool, released: Bool, waiting: CheckedContinuation<Void, Never>?)>((false, false, nil))
        /// The next read returns what the store held then, but only once `releaseRead()` is called.
        func holdNextRead() { readHold.withLock { $0 = (true, false, nil) } }
        func releaseRead() {
            let waiting = readHold.withLock { h in
                h.released = true
                defer { h.waiting = nil }
                return h.waiting
            }
            waiting?.resume()
        }
        func read(_ key: String) async throws -> (data: Data, info: BlobInfo)? {
            let result = try await inner.read(key)
            let held = readHold.withLock { h in
                defer { h.armed = false }
                return h.armed
            }
            if held {
                await withCheckedContinuation { c in
                    let released = readHold.withLock { h in
                        if !h.released { h.waiting = c }
                        return h.released
                    }
                    if released { c.resume() }
                }
            }
            return result
        }
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
        // Stale now, and the store does not answer until released: 50 requests at once are
        // answered all the same, and cause one revalidation between them.
        store.hold()
        let headsBefore = store.heads.load(ordering: .relaxed)
        let pages = try await withThrowingTaskGroup(of: RenderedPage?.self) { group in
            for _ in 0..<50 { group.addTask { try await cache.projectPage("demo", format: .jsonV1) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        store.release()
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
        store.hold()
        let listsBefore = store.lists.load(ordering: .relaxed)
        // Answered while the listing is held back.
        for _ in 0..<20 { #expect(try await cache.rootPage(format: .htmlV1).etag == first.etag) }
        store.release()
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
        try await Self.publish(["1.0"], in: store.inner)
        let cache = IndexCache(store: store, staleness: .milliseconds(50))
        _ = try await cache.projectPage("demo", format: .jsonV1)
        // Another writer's change; once stale, a background revalidation reads it and is held.
        try await Self.publish(["1.0", "2.0"], in: store.inner)
        try await Task.sleep(for: .milliseconds(80))
        store.holdNextRead()
        _ = try await cache.projectPage("demo", format: .jsonV1)
        // Meanwhile this process publishes 3.0 and invalidates; the next request loads it.
        try await Task.sleep(for: .milliseconds(50))
        try await Self.publish(["1.0", "2.0", "3.0"], in: store.inner)
        cache.invalidate("demo")
        let page = try #require(try await cache.projectPage("demo", format: .jsonV1))
        #expect(String(buffer: page.body).contains("demo-3.0"))
        // The held revalidation ends with the 2.0 record: it must not replace the newer one.
        store.releaseRead()
        try await Task.sleep(for: .milliseconds(30))
        let after = try #require(try await cache.projectPage("demo", format: .jsonV1))
        #expect(String(buffer: after.body).contains("demo-3.0"), "an older revalidation overwrote a newer record")
    }
}
