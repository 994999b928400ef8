import Foundation
import Synchronization
import Testing
import WheelhouseCore
import WheelhouseStorage
import WheelhouseTestSupport

@testable import WheelhouseApp

/// `index rebuild` against uploads that land while it runs, in process.
struct IndexRebuildTests {
    /// A `MemoryBlobStore` that runs `hook` once, before the first read of a distribution file:
    /// after the rebuild has listed `packages/`, while it reads what it listed.
    final class HookStore: BlobStore, Sendable {
        let inner = MemoryBlobStore()
        let hook = Mutex<(@Sendable () async throws -> Void)?>(nil)
        var displayName: String { "hooked" }

        func get(_ key: String, range: ByteRange?) async throws -> (info: BlobInfo, body: BlobBody) {
            if key.hasPrefix("packages/"), !key.hasSuffix(".metadata"),
                let hook = hook.withLock({ h in
                    defer { h = nil }; return h
                })
            {
                try await hook()
            }
            return try await inner.get(key, range: range)
        }
        func head(_ key: String) async throws -> BlobInfo? { try await inner.head(key) }
        func read(_ key: String) async throws -> (data: Data, info: BlobInfo)? { try await inner.read(key) }
        func write(_ key: String, data: Data, contentType: String?, condition: WriteCondition) async throws -> BlobInfo {
            try await inner.write(key, data: data, contentType: contentType, condition: condition)
        }
        func write(_ key: String, contentsOf file: URL, contentType: String?, condition: WriteCondition) async throws -> BlobInfo {
            try await inner.write(key, contentsOf: file, contentType: contentType, condition: condition)
        }
        func list(prefix: String) async throws -> [BlobInfo] { try await inner.list(prefix: prefix) }
        func delete(_ key: String) async throws { try await inner.delete(key) }
    }

    @Test func anUploadCommittedDuringARebuildStaysInTheRecord() async throws {
        let dir = try TestSupport.makeTemporaryDirectory("rebuild-race")
        let first = try WheelBuilder.make("racy", "1.0", in: dir)
        let second = try WheelBuilder.make("racy", "2.0", in: dir)
        let store = HookStore()
        _ = try await Ingestor(store: store.inner).ingest(Ingestor.Candidate(file: first))
        // While the rebuild reads 1.0 (its listing did not see 2.0), 2.0 is uploaded.
        store.hook.withLock { $0 = { _ = try await Ingestor(store: store.inner).ingest(Ingestor.Candidate(file: second)) } }
        _ = try await StoreAdmin(store: store).rebuild(jobs: 1)
        let record = try #require(try await ProjectRecords(store: store.inner).load("racy")?.record)
        #expect(record.files.map(\.filename) == [first.lastPathComponent, second.lastPathComponent], "\(record.files.map(\.filename))")
    }

    @Test func aFileWhoseBytesAreGoneLeavesTheRecord() async throws {
        let dir = try TestSupport.makeTemporaryDirectory("rebuild-gone")
        let kept = try WheelBuilder.make("gone", "1.0", in: dir)
        let lost = try WheelBuilder.make("gone", "2.0", in: dir)
        let store = HookStore()
        for file in [kept, lost] { _ = try await Ingestor(store: store.inner).ingest(Ingestor.Candidate(file: file)) }
        try await store.inner.delete("packages/gone/\(lost.lastPathComponent)")
        _ = try await StoreAdmin(store: store).rebuild(jobs: 1)
        let record = try #require(try await ProjectRecords(store: store.inner).load("gone")?.record)
        #expect(record.files.map(\.filename) == [kept.lastPathComponent])
    }
}
