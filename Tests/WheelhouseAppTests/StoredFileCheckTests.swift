import Crypto
import Foundation
import NIOCore
import Testing
import WheelhouseCore
import WheelhouseStorage

@testable import WheelhouseApp

/// The one check of stored objects against a record, behind `verify` and `replicate --verify`.
@Suite struct StoredFileCheckTests {
    static func hex(_ data: Data) -> String { SHA256.hash(data: data).hexString }

    static func file(_ filename: String, _ data: Data, metadata: Data?) -> FileRecord {
        FileRecord(
            filename: filename, version: "1.0", packageType: "bdist_wheel", sha256: hex(data), size: Int64(data.count),
            uploadTime: Date(timeIntervalSince1970: 0), requiresPython: nil, metadataSha256: metadata.map(hex), pythonTag: "py3")
    }

    @Test func findsEachKindOfDifferenceOnce() async throws {
        let store = MemoryBlobStore()
        let good = Data("good wheel".utf8), meta = Data("Metadata-Version: 2.1\n".utf8)
        let files = [
            Self.file("p-1.0-py3-none-any.whl", good, metadata: meta),  // intact
            Self.file("p-1.1-py3-none-any.whl", good, metadata: nil),  // missing bytes
            Self.file("p-1.2-py3-none-any.whl", Data("recorded".utf8), metadata: nil),  // other bytes, other size
            Self.file("p-1.3-py3-none-any.whl", good, metadata: meta),  // metadata missing
            Self.file("p-1.4-py3-none-any.whl", good, metadata: meta),  // metadata other bytes
        ]
        let record = ProjectRecord(name: "p", displayName: "p", files: files)
        func key(_ index: Int) throws -> String { try StorageLayout.fileKey(project: "p", filename: files[index].filename) }
        func metadataKey(_ index: Int) throws -> String { try StorageLayout.metadataKey(project: "p", filename: files[index].filename) }
        for index in [0, 3, 4] { _ = try await store.write(try key(index), data: good, contentType: nil, condition: .none) }
        _ = try await store.write(try key(2), data: Data("tampered!".utf8), contentType: nil, condition: .none)
        _ = try await store.write(try metadataKey(0), data: meta, contentType: nil, condition: .none)
        _ = try await store.write(try metadataKey(4), data: Data("other".utf8), contentType: nil, condition: .none)

        let result = try await StoredFileCheck(store: store, jobs: 3).check(record, project: "p")
        let found = result.findings.map { ($0.key, $0.kind) }
        let expected: [(String, StoredFileCheck.Finding.Kind)] = [
            (try key(1), .missingFile),
            (try key(2), .sizeMismatch(stored: 9)),
            (try key(2), .hashMismatch(stored: Self.hex(Data("tampered!".utf8)))),
            (try metadataKey(3), .missingMetadata),
            (try metadataKey(4), .metadataHashMismatch(stored: Self.hex(Data("other".utf8)))),
        ]
        #expect(found.map(\.0) == expected.map(\.0))
        #expect(found.map(\.1) == expected.map(\.1))
        #expect(result.bytes == Int64(good.count * 3 + 9), "the bytes of every file present are hashed")
        #expect(
            try StoredFileCheck.expectedKeys(of: record, project: "p")
                == Set([key(0), key(1), key(2), key(3), key(4), metadataKey(0), metadataKey(3), metadataKey(4)]))
        let sentence = try #require(result.findings.first { $0.key == (try? key(2)) }).detail(record: "the source", store: "the target")
        #expect(sentence == "the source says 8 bytes, the target holds 9")
    }
}

/// Bounded concurrency: results in input order, never more than `jobs` at once.
@Suite struct BoundedConcurrencyTests {
    actor Gauge {
        var running = 0, peak = 0
        func enter() { running += 1; peak = max(peak, running) }
        func leave() { running -= 1 }
    }

    @Test(arguments: [1, 3, 50])
    func concurrentMapKeepsOrderAndBound(jobs: Int) async throws {
        let gauge = Gauge()
        let results = await concurrentMap(Array(0..<20), jobs: jobs) { (value: Int) -> Int in
            await gauge.enter()
            try? await Task.sleep(for: .milliseconds(value % 3))
            await gauge.leave()
            return value * 2
        }
        #expect(results == (0..<20).map { $0 * 2 })
        #expect(await gauge.peak <= min(jobs, 20))
        #expect(await gauge.peak >= 1)
    }

    struct Boom: Error {}

    @Test func throwingMapRethrows() async {
        await #expect(throws: Boom.self) {
            _ = try await concurrentMap([1, 2, 3], jobs: 2) { (value: Int) throws -> Int in
                if value == 2 { throw Boom() }
                return value
            }
        }
    }

    @Test func limitBoundsSharedWork() async throws {
        let gauge = Gauge()
        let limit = ConcurrencyLimit(2)
        _ = await concurrentMap(Array(0..<10), jobs: 10) { (_: Int) -> Bool in
            (try? await limit.run {
                await gauge.enter()
                try await Task.sleep(for: .milliseconds(2))
                await gauge.leave()
                return true
            }) ?? false
        }
        #expect(await gauge.peak == 2)
    }
}

/// `upload`'s paths: files as given, folders searched for distributions, sorted.
@Suite struct DistributionFinderTests {
    @Test func findsDistributionsInFoldersSorted() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("finder-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let nested = root.appendingPathComponent("dist/sub")
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        for name in ["dist/b-1.0-py3-none-any.whl", "dist/a-1.0.tar.gz", "dist/sub/c-1.0.zip", "dist/notes.txt", "dist/x.whl.metadata"] {
            try Data().write(to: root.appendingPathComponent(name))
        }
        let loose = root.appendingPathComponent("loose.txt")
        try Data().write(to: loose)
        let found = try DistributionFinder.find([root.appendingPathComponent("dist").path, loose.path])
        #expect(
            found.map { $0.path.replacingOccurrences(of: root.path + "/", with: "") }
                == ["dist/a-1.0.tar.gz", "dist/b-1.0-py3-none-any.whl", "dist/sub/c-1.0.zip", "loose.txt"])
        #expect(throws: DistributionFinder.FinderError.noSuchPath(root.path + "/missing")) {
            try DistributionFinder.find([root.path + "/missing"])
        }
    }
}

/// The upload form as `wheelhouse upload --repository-url` streams it, read back by the
/// server's own multipart parser.
@Suite struct MultipartFormTests {
    @Test func streamsFieldsThenTheFileThenTheClosingBoundary() async throws {
        let form = MultipartForm(
            boundary: "b0undary", fields: [(":action", "file_upload"), ("name", "demo")], filename: "demo-1.0-py3-none-any.whl")
        let file = (0..<5).map { ByteBuffer(string: String(repeating: Character(UnicodeScalar(UInt8(65 + $0))), count: 1000)) }
        var body = ByteBuffer()
        let content = AsyncStream<ByteBuffer> { continuation in
            for chunk in file { continuation.yield(chunk) }
            continuation.finish()
        }
        for try await chunk in form.body(content: content) {
            var chunk = chunk
            body.writeBuffer(&chunk)
        }
        let text = String(buffer: body)
        #expect(text.hasPrefix("--b0undary\r\nContent-Disposition: form-data; name=\":action\"\r\n\r\nfile_upload\r\n"))
        #expect(text.contains("name=\"content\"; filename=\"demo-1.0-py3-none-any.whl\"\r\nContent-Type: application/octet-stream\r\n\r\nAAAA"))
        #expect(text.hasSuffix("EEEE\r\n--b0undary--\r\n"))
        #expect(body.readableBytes == form.head.readableBytes + 5000 + form.tail.readableBytes)
    }
}
