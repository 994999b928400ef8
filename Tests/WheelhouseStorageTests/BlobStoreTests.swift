import Crypto
import Foundation
import NIOCore
import Testing
import WheelhouseAWS
import WheelhouseStorage
import WheelhouseTestSupport

/// The conformance suite: every `BlobStore` backend must pass all of it.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case fileSystem
    case memory
    /// `S3BlobStore` on a `moto_server`, under a key prefix, in a bucket of its own per test.
    /// The server handles one request at a time: only then are moto's conditional writes
    /// atomic, as S3's are (see `MotoServer.sharedSerialized`).
    case s3
    /// The same on a moto_server with its authentication on: every request's signature is checked.
    case s3Authenticated

    var testDescription: String { rawValue }

    /// Every backend; in the fast tier (`TestTier.isFast`) only the in-process ones, as the S3
    /// ones need a moto_server process.
    static var tested: [Backend] { TestTier.isFast ? [.fileSystem, .memory] : allCases }

    /// The backends whose etag changes on every write, even of the same bytes (S3's ETag is
    /// the MD5 of the bytes).
    static let etagChangesOnEveryWrite: [Backend] = [.fileSystem, .memory]

    /// Runs `body` with a new empty store of this backend, and removes it afterwards.
    func withStore(chunkSize: Int = 64 * 1024, _ body: (any BlobStore) async throws -> Void) async throws {
        switch self {
        case .memory:
            try await body(MemoryBlobStore(chunkSize: chunkSize))
        case .fileSystem:
            let root = try TestSupport.makeTemporaryDirectory("blobstore")
            defer { try? FileManager.default.removeItem(at: root) }
            try await body(FileSystemBlobStore(root: root, chunkSize: chunkSize))
        case .s3:
            let moto = try await MotoServer.sharedSerialized()
            let bucket = try await moto.makeBucket("conformance")
            try await body(S3BlobStore(client: S3TestStore.client(moto), bucket: bucket, prefix: "store/root", chunkSize: chunkSize))
        case .s3Authenticated:
            let (moto, id, secret) = try await MotoServer.sharedAuthenticated()
            let client = S3Client(
                configuration: S3Configuration(region: "us-east-1", endpoint: moto.endpoint, pathStyle: true),
                credentials: StaticCredentialProvider(AWSCredentials(accessKeyId: id, secretAccessKey: secret)))
            let bucket = "conformance-auth-" + UUID().uuidString.lowercased().prefix(8)
            try await client.createBucket(bucket)
            try await body(S3BlobStore(client: client, bucket: bucket, prefix: "store/root", chunkSize: chunkSize))
        }
    }
}

/// A body's bytes and the size of each chunk it came in.
func collect(_ body: BlobBody) async throws -> (data: Data, chunkSizes: [Int]) {
    var data = Data()
    var sizes: [Int] = []
    for try await chunk in body {
        data.append(contentsOf: chunk.readableBytesView)
        sizes.append(chunk.readableBytes)
    }
    return (data, sizes)
}

/// Appends `line` to the object under `key` with read → modify → `.ifMatch`/`.ifAbsent`,
/// retrying when another writer got there first. Returns the number of attempts.
@discardableResult
func appendLine(_ line: String, to key: String, in store: any BlobStore) async throws -> Int {
    var attempts = 0
    while true {
        attempts += 1
        let current = try await store.read(key)
        let updated = (current?.data ?? Data()) + Data((line + "\n").utf8)
        let condition: WriteCondition = current.map { .ifMatch($0.info.etag) } ?? .ifAbsent
        do {
            try await store.write(key, data: updated, contentType: nil, condition: condition)
            return attempts
        } catch BlobStoreError.preconditionFailed {
            continue
        }
    }
}

func lines(of data: Data) -> [String] {
    String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
}

@Suite("BlobStore conformance")
struct BlobStoreTests {
    @Test(arguments: Backend.tested)
    func writeThenReadHeadAndGet(backend: Backend) async throws {
        try await backend.withStore { store in
            let data = patternedData(count: 10_000)
            let written = try await store.write("packages/demo/demo-1.0.tar.gz", data: data, contentType: nil, condition: .none)
            #expect(written.key == "packages/demo/demo-1.0.tar.gz")
            #expect(written.size == 10_000)

            let head = try #require(try await store.head("packages/demo/demo-1.0.tar.gz"))
            #expect(head.size == 10_000)
            #expect(head.etag == written.etag)

            let read = try #require(try await store.read("packages/demo/demo-1.0.tar.gz"))
            #expect(read.data == data)
            #expect(read.info.etag == written.etag)

            let (info, body) = try await store.get("packages/demo/demo-1.0.tar.gz", range: nil)
            #expect(info.etag == written.etag)
            #expect(info.size == 10_000)
            #expect(try await collect(body).data == data)
        }
    }

    @Test(arguments: Backend.tested)
    func rangedGets(backend: Backend) async throws {
        // (first, last) → the slice expected; ranges past the end are cut, after it are empty.
        let cases: [(ByteRange, Range<Int>)] = [
            (ByteRange(first: 0, last: 0), 0..<1),
            (ByteRange(first: 500, last: 500), 500..<501),
            (ByteRange(first: 999, last: 999), 999..<1000),
            (ByteRange(first: 0, last: 999), 0..<1000),
            (ByteRange(first: 100, last: 349), 100..<350),
            (ByteRange(first: 10, last: 5000), 10..<1000),
            (ByteRange(first: 1000, last: 1005), 1000..<1000),
            (ByteRange(first: 0, last: Int64.max), 0..<1000),
        ]
        try await backend.withStore(chunkSize: 64) { store in
            let data = patternedData(count: 1000)
            try await store.write("a", data: data, contentType: nil, condition: .none)
            for (range, expected) in cases {
                let (info, body) = try await store.get("a", range: range)
                #expect(info.size == 1000, "info describes the whole object")
                let (bytes, sizes) = try await collect(body)
                #expect(bytes == data.subdata(in: expected), "range \(range.first)-\(range.last)")
                #expect(sizes.allSatisfy { $0 > 0 && $0 <= 64 })
            }
        }
    }

    @Test(arguments: Backend.tested)
    func emptyObject(backend: Backend) async throws {
        try await backend.withStore { store in
            let written = try await store.write("empty", data: Data(), contentType: nil, condition: .ifAbsent)
            #expect(written.size == 0)
            #expect(try await store.read("empty")?.data == Data())
            let (_, body) = try await store.get("empty", range: nil)
            #expect(try await collect(body).chunkSizes.isEmpty)
        }
    }

    @Test(arguments: Backend.tested)
    func listByPrefixSortedByKey(backend: Backend) async throws {
        try await backend.withStore { store in
            for key in ["b/2", "a/2", "ab", "a/10", "c", "a/1", "a/0/x", "_wheelhouse/projects/p.json"] {
                try await store.write(key, data: Data(key.utf8), contentType: nil, condition: .none)
            }
            func keys(_ prefix: String) async throws -> [String] { try await store.list(prefix: prefix).map(\.key) }
            #expect(try await keys("") == ["_wheelhouse/projects/p.json", "a/0/x", "a/1", "a/10", "a/2", "ab", "b/2", "c"])
            #expect(try await keys("a/") == ["a/0/x", "a/1", "a/10", "a/2"])
            #expect(try await keys("a") == ["a/0/x", "a/1", "a/10", "a/2", "ab"])
            #expect(try await keys("a/1") == ["a/1", "a/10"])
            #expect(try await keys("a/0/") == ["a/0/x"])
            #expect(try await keys("_wheelhouse/") == ["_wheelhouse/projects/p.json"])
            #expect(try await keys("zzz").isEmpty)
            #expect(try await keys("../").isEmpty)
            #expect(try await keys("/").isEmpty)

            let listed = try #require(try await store.list(prefix: "c").first)
            let head = try #require(try await store.head("c"))
            #expect(listed == head)
        }
    }

    @Test(arguments: Backend.tested)
    func keysAreBytesNotCanonicalEquivalents(backend: Backend) async throws {
        try await backend.withStore { store in
            try await store.write("caf\u{E9}", data: Data("composed".utf8), contentType: nil, condition: .none)
            try await store.write("cafe\u{301}", data: Data("decomposed".utf8), contentType: nil, condition: .ifAbsent)
            #expect(try await store.read("caf\u{E9}")?.data == Data("composed".utf8))
            #expect(try await store.read("cafe\u{301}")?.data == Data("decomposed".utf8))
            #expect(try await store.list(prefix: "caf").count == 2)
        }
    }

    @Test(arguments: Backend.etagChangesOnEveryWrite)
    func overwriteChangesEtagEvenWithTheSameBytes(backend: Backend) async throws {
        try await backend.withStore { store in
            var etags: Set<String> = []
            for _ in 0..<20 {
                let info = try await store.write("record", data: Data("same".utf8), contentType: nil, condition: .none)
                etags.insert(info.etag)
                #expect(try await store.head("record")?.etag == info.etag)
            }
            #expect(etags.count == 20)
        }
    }

    @Test(arguments: Backend.tested)
    func ifAbsentRefusesAnExistingKeyAndChangesNothing(backend: Backend) async throws {
        try await backend.withStore { store in
            let original = patternedData(count: 3000)
            let first = try await store.write("k/file.whl", data: original, contentType: nil, condition: .ifAbsent)
            await #expect(throws: BlobStoreError.preconditionFailed(key: "k/file.whl")) {
                try await store.write("k/file.whl", data: Data("other".utf8), contentType: nil, condition: .ifAbsent)
            }
            let after = try #require(try await store.read("k/file.whl"))
            #expect(after.data == original)
            #expect(after.info.etag == first.etag)
            let all = try await store.list(prefix: "")
            #expect(all.map(\.key) == ["k/file.whl"])
        }
    }

    @Test(arguments: Backend.tested)
    func ifMatchComparesAndSwaps(backend: Backend) async throws {
        try await backend.withStore { store in
            let v1 = try await store.write("r", data: Data("v1".utf8), contentType: nil, condition: .none)
            let v2 = try await store.write("r", data: Data("v2".utf8), contentType: nil, condition: .ifMatch(v1.etag))
            #expect(v2.etag != v1.etag)
            await #expect(throws: BlobStoreError.preconditionFailed(key: "r")) {
                try await store.write("r", data: Data("stale".utf8), contentType: nil, condition: .ifMatch(v1.etag))
            }
            #expect(try await store.read("r")?.data == Data("v2".utf8))
            let v3 = try await store.write("r", data: Data("v3".utf8), contentType: nil, condition: .ifMatch(v2.etag))
            #expect(try await store.read("r")?.data == Data("v3".utf8))
            #expect(try await store.head("r")?.etag == v3.etag)

            await #expect(throws: BlobStoreError.preconditionFailed(key: "missing")) {
                try await store.write("missing", data: Data(), contentType: nil, condition: .ifMatch(v3.etag))
            }
            #expect(try await store.head("missing") == nil)
        }
    }

    @Test(arguments: Backend.tested)
    func deleteIsIdempotent(backend: Backend) async throws {
        try await backend.withStore { store in
            try await store.delete("never/written")
            try await store.write("d/x", data: Data("x".utf8), contentType: nil, condition: .none)
            try await store.delete("d/x")
            #expect(try await store.head("d/x") == nil)
            #expect(try await store.read("d/x") == nil)
            #expect(try await store.list(prefix: "").isEmpty)
            try await store.delete("d/x")
            try await store.delete("d")  // only a "directory" of keys on a file system: no object
            try await store.write("d/x", data: Data("again".utf8), contentType: nil, condition: .ifAbsent)
            #expect(try await store.read("d/x")?.data == Data("again".utf8))
        }
    }

    static let invalidKeys = [
        "", "/etc/passwd", "a/../b", "..", "../x", ".", "./a", "a/./b", "a\\b", "a\u{0}b", "a//b", "a/",
        "line\nbreak", "_wheelhouse/tmp", "_wheelhouse/tmp/x.tmp", "_wheelhouse/locks/00.lock",
        String(repeating: "n", count: 256), String(repeating: "a/", count: 512) + "b",
    ]

    @Test(arguments: Backend.tested)
    func invalidKeysAreRefused(backend: Backend) async throws {
        try await backend.withStore { store in
            for key in Self.invalidKeys {
                let refused = BlobStoreError.invalidKey(key)
                await #expect(throws: refused) { try await store.head(key) }
                await #expect(throws: refused) { try await store.get(key, range: nil) }
                await #expect(throws: refused) { try await store.read(key) }
                await #expect(throws: refused) {
                    try await store.write(key, data: Data("x".utf8), contentType: nil, condition: .none)
                }
                await #expect(throws: refused) { try await store.delete(key) }
            }
            let listed = try await store.list(prefix: "")
            #expect(listed.isEmpty)
        }
    }

    @Test(arguments: Backend.tested)
    func validKeysAreAccepted(backend: Backend) async throws {
        let keys = [
            "packages/demo/demo-1.0-py3-none-any.whl", "packages/demo/demo-1.0-py3-none-any.whl.metadata",
            "_wheelhouse/projects/demo.json", "simple/index.html", "..a", "a..", ".hidden", "sp ace",
            "packages/d\u{E9}mo/x", String(repeating: "n", count: 255),
        ]
        try await backend.withStore { store in
            for key in keys {
                try await store.write(key, data: Data(key.utf8), contentType: nil, condition: .ifAbsent)
                #expect(try await store.read(key)?.data == Data(key.utf8))
            }
            #expect(try await store.list(prefix: "").count == keys.count)
        }
    }

    @Test(arguments: Backend.tested)
    func missingObjects(backend: Backend) async throws {
        try await backend.withStore { store in
            try await store.write("present/a", data: Data("a".utf8), contentType: nil, condition: .none)
            for key in ["absent", "present/b", "present/a/deeper", "present"] {
                #expect(try await store.head(key) == nil)
                #expect(try await store.read(key) == nil)
                await #expect(throws: BlobStoreError.notFound(key: key)) { try await store.get(key, range: nil) }
                await #expect(throws: BlobStoreError.notFound(key: key)) {
                    try await store.get(key, range: ByteRange(first: 0, last: 0))
                }
            }
        }
    }

    @Test(arguments: Backend.tested)
    func largeObjectStreamsInBoundedChunks(backend: Backend) async throws {
        let chunkSize = 256 * 1024
        let size = 20 * 1024 * 1024 + 12_345
        let data = patternedData(count: size)
        let source = try TestSupport.makeTemporaryDirectory("blobstore-source")
        defer { try? FileManager.default.removeItem(at: source) }
        let file = source.appendingPathComponent("big.whl")
        try data.write(to: file)

        try await backend.withStore(chunkSize: chunkSize) { store in
            let written = try await store.write("big/big.whl", contentsOf: file, contentType: nil, condition: .ifAbsent)
            #expect(written.size == Int64(size))
            #expect(try Data(contentsOf: file) == data, "the source file is left intact")

            // Compare chunk by chunk instead of collecting: the consumer holds one chunk at a time.
            let (info, body) = try await store.get("big/big.whl", range: nil)
            #expect(info.size == Int64(size))
            var offset = 0
            var chunkSizes: [Int] = []
            for try await chunk in body {
                chunkSizes.append(chunk.readableBytes)
                let matches = Data(chunk.readableBytesView) == data[offset..<(offset + chunk.readableBytes)]
                #expect(matches, "chunk at \(offset)")
                offset += chunk.readableBytes
            }
            #expect(offset == size)
            #expect(chunkSizes.count == (size + chunkSize - 1) / chunkSize)
            #expect(chunkSizes.dropLast().allSatisfy { $0 == chunkSize })
            #expect(chunkSizes.last == size % chunkSize)

            // A range in the middle, across chunk boundaries.
            let range = ByteRange(first: 1_000_000, last: 3_999_999)
            let (_, ranged) = try await store.get("big/big.whl", range: range)
            let part = try await collect(ranged)
            #expect(part.data == data[1_000_000..<4_000_000])
            #expect(part.chunkSizes.allSatisfy { $0 <= chunkSize })
        }
    }

    /// A stored checksum, where a backend keeps one, is the SHA-256 of the bytes; the S3 store
    /// keeps one for every object it writes in one request (from memory or from a file).
    @Test(arguments: Backend.tested)
    func headWithSHA256IsTheHashOfTheBytesOrNothing(backend: Backend) async throws {
        let directory = try TestSupport.makeTemporaryDirectory("blobstore-checksum")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("upload.tmp")
        let fileBytes = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        try fileBytes.write(to: file)
        try await backend.withStore { store in
            try await store.write("m", data: Data("from memory".utf8), contentType: nil, condition: .none)
            try await store.write("f", contentsOf: file, contentType: nil, condition: .none)
            for (key, bytes) in [("m", Data("from memory".utf8)), ("f", fileBytes)] {
                let answer = try #require(try await store.headWithSHA256(key))
                #expect(answer.info == (try await store.head(key)))
                let expected = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
                switch backend {
                case .s3, .s3Authenticated: #expect(answer.sha256 == expected)
                case .fileSystem, .memory: #expect(answer.sha256 == nil || answer.sha256 == expected)
                }
            }
            #expect(try await store.headWithSHA256("missing") == nil)
        }
    }

    /// A write begun while the caller checks the file is invisible until committed, and an
    /// aborted one leaves nothing (stores that do not overlap answer nil and write later).
    @Test(arguments: Backend.tested)
    func begunWritesAreInvisibleUntilCommitted(backend: Backend) async throws {
        let directory = try TestSupport.makeTemporaryDirectory("blobstore-begin")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("upload.tmp")
        try Data("begun".utf8).write(to: file)
        try await backend.withStore { store in
            if let pending = try await store.beginWrite("b", contentsOf: file, contentType: nil) {
                #expect(try await store.head("b") == nil)
                let info = try await pending.commit(condition: .ifAbsent)
                #expect(try await store.head("b")?.etag == info.etag)
            }
            if let dropped = try await store.beginWrite("c", contentsOf: file, contentType: nil) {
                await dropped.abort()
            }
            #expect(try await store.head("c") == nil)
        }
    }

    @Test(arguments: Backend.tested)
    func writeFromFileCopiesTheBytes(backend: Backend) async throws {
        let directory = try TestSupport.makeTemporaryDirectory("blobstore-source")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("upload.tmp")
        try Data("first".utf8).write(to: file)
        try await backend.withStore { store in
            try await store.write("u", contentsOf: file, contentType: nil, condition: .none)
            try Data("changed afterwards".utf8).write(to: file)
            #expect(try await store.read("u")?.data == Data("first".utf8))

            let missing = directory.appendingPathComponent("missing")
            await #expect(throws: BlobStoreError.self) {
                try await store.write("v", contentsOf: missing, contentType: nil, condition: .none)
            }
            #expect(try await store.head("v") == nil)
        }
    }

    @Test(arguments: Backend.tested)
    func aBodyKeepsStreamingTheObjectItStarted(backend: Backend) async throws {
        try await backend.withStore(chunkSize: 1024) { store in
            let old = patternedData(count: 10_000, seed: 1)
            try await store.write("swap", data: old, contentType: nil, condition: .none)
            let (_, body) = try await store.get("swap", range: nil)
            var iterator = body.makeAsyncIterator()
            var received = Data()
            if let first = try await iterator.next() { received.append(contentsOf: first.readableBytesView) }
            try await store.write("swap", data: patternedData(count: 20_000, seed: 2), contentType: nil, condition: .none)
            try await store.delete("swap")
            while let chunk = try await iterator.next() { received.append(contentsOf: chunk.readableBytesView) }
            #expect(received == old)
        }
    }

    @Test(arguments: Backend.tested)
    func concurrentCompareAndSwapLosesNoUpdate(backend: Backend) async throws {
        try await backend.withStore { store in
            let writers = 50
            try await withThrowingTaskGroup(of: Int.self) { group in
                for writer in 0..<writers {
                    group.addTask { try await appendLine("writer \(writer)", to: "_wheelhouse/projects/shared.json", in: store) }
                }
                var attempts = 0
                for try await count in group { attempts += count }
                #expect(attempts >= writers)
            }
            let record = try #require(try await store.read("_wheelhouse/projects/shared.json"))
            let written = lines(of: record.data)
            #expect(written.count == writers)
            #expect(Set(written) == Set((0..<writers).map { "writer \($0)" }))
        }
    }
}
