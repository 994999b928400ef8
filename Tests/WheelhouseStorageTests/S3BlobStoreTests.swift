import Crypto
import Foundation
import Testing
import WheelhouseAWS
import WheelhouseStorage
import WheelhouseTestSupport

/// Clients for S3 stores on moto (the conformance suite runs on them too, in BlobStoreTests).
enum S3TestStore {
    static let credentials = StaticCredentialProvider(
        AWSCredentials(accessKeyId: MotoServer.dummyAccessKeyId, secretAccessKey: MotoServer.dummySecretAccessKey))

    static func client(_ moto: MotoServer, multipartThreshold: Int64 = S3Configuration.defaultMultipartThreshold, partSize: Int64 = 16 << 20) -> S3Client {
        S3Client(
            configuration: S3Configuration(
                region: "us-east-1", endpoint: moto.endpoint, pathStyle: true, multipartThreshold: multipartThreshold,
                partSize: partSize),
            credentials: credentials)
    }
}

@Suite("S3BlobStore on moto_server", .tags(.endToEnd), .skippedInFastTier)
struct S3BlobStoreTests {
    @Test func keysLiveUnderThePrefixAndListingStripsIt() async throws {
        let moto = try await MotoServer.shared()
        let bucket = try await moto.makeBucket("store-prefix")
        let client = S3TestStore.client(moto)
        let store = S3BlobStore(client: client, bucket: bucket, prefix: "team/index")
        try await store.write("packages/a.whl", data: Data("a".utf8), contentType: "application/zip", condition: .ifAbsent)
        try await client.putObject(bucket: bucket, key: "team/other/b.whl", data: Data("b".utf8))
        try await client.putObject(bucket: bucket, key: "team/indexx/c", data: Data("c".utf8))

        #expect(try await client.headObject(bucket: bucket, key: "team/index/packages/a.whl") != nil)
        #expect(try await store.list(prefix: "").map(\.key) == ["packages/a.whl"])
        #expect(try await store.list(prefix: "packages/").map(\.key) == ["packages/a.whl"])
        #expect(store.displayName == "s3://\(bucket)/team/index")

        let whole = S3BlobStore(client: client, bucket: bucket)
        #expect(try await whole.list(prefix: "team/").map(\.key) == ["team/index/packages/a.whl", "team/indexx/c", "team/other/b.whl"])
    }

    @Test func sameBytesKeepTheSameEtagOnS3() async throws {
        // S3's ETag of a single-part object is the MD5 of its bytes: unlike the other stores, a
        // rewrite of identical bytes keeps the etag (compare-and-swap stays correct: it compares content).
        let moto = try await MotoServer.shared()
        let store = S3BlobStore(client: S3TestStore.client(moto), bucket: try await moto.makeBucket("store-etag"))
        let first = try await store.write("r", data: Data("same".utf8), contentType: nil, condition: .none)
        let second = try await store.write("r", data: Data("same".utf8), contentType: nil, condition: .none)
        let third = try await store.write("r", data: Data("other".utf8), contentType: nil, condition: .ifMatch(second.etag))
        #expect(first.etag == second.etag)
        #expect(third.etag != second.etag)
    }

    @Test func largeFilesGoUpInParts() async throws {
        let moto = try await MotoServer.shared()
        let mib = 1 << 20
        let store = S3BlobStore(
            client: S3TestStore.client(moto, multipartThreshold: Int64(5 * mib), partSize: Int64(5 * mib)),
            bucket: try await moto.makeBucket("store-multipart"), prefix: "p")
        let directory = try TestSupport.makeTemporaryDirectory("s3-store-multipart")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("big.whl")
        let data = patternedData(count: 16 * mib + 7)
        try data.write(to: file)

        let written = try await store.write("big.whl", contentsOf: file, contentType: nil, condition: .ifAbsent)
        #expect(written.size == Int64(data.count))
        #expect(written.etag.hasSuffix("-4\""), "4 parts of at most 5 MiB (ETag \(written.etag))")
        #expect(try await store.head("big.whl")?.etag == written.etag)
        #expect(try await store.read("big.whl")?.data == data)
        for condition in [WriteCondition.ifAbsent, .ifMatch("\"stale\"")] {
            await #expect(throws: BlobStoreError.preconditionFailed(key: "big.whl")) {
                try await store.write("big.whl", contentsOf: file, contentType: nil, condition: condition)
            }
        }
        await #expect(throws: BlobStoreError.preconditionFailed(key: "new.whl")) {
            try await store.write("new.whl", contentsOf: file, contentType: nil, condition: .ifMatch(written.etag))
        }
        let replaced = try await store.write("big.whl", contentsOf: file, contentType: nil, condition: .ifMatch(written.etag))
        #expect(replaced.etag == written.etag, "same bytes, same parts: S3's multipart ETag is a content hash too")
        #expect(try await store.client.listMultipartUploads(bucket: store.bucket).isEmpty)
    }

    /// Parts go up while the caller still checks the file; nothing is listed or readable until
    /// the commit, an abort leaves no pending upload, and a commit whose condition fails is
    /// aborted too, leaving the earlier object as it was.
    @Test func begunWritesSendPartsEarlyAndCommitOrAbort() async throws {
        let moto = try await MotoServer.shared()
        let mib = 1 << 20
        let store = S3BlobStore(
            client: S3TestStore.client(moto, multipartThreshold: Int64(5 * mib), partSize: Int64(5 * mib)),
            bucket: try await moto.makeBucket("store-begin"), prefix: "p")
        let directory = try TestSupport.makeTemporaryDirectory("s3-store-begin")
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("big.whl")
        let data = patternedData(count: 11 * mib + 3)
        try data.write(to: file)

        let pending = try #require(try await store.beginWrite("big.whl", contentsOf: file, contentType: "application/zip"))
        #expect(try await store.head("big.whl") == nil)
        #expect(try await store.list(prefix: "").isEmpty)
        #expect(try await store.client.listMultipartUploads(bucket: store.bucket).count == 1)
        let written = try await pending.commit(condition: .ifAbsent)
        #expect(written.etag.hasSuffix("-3\""))
        #expect(try await store.read("big.whl")?.data == data)
        let stored = try #require(try await store.client.headObject(bucket: store.bucket, key: "p/big.whl", checksumMode: true))
        #expect(stored.checksumSHA256 != nil, "a composite SHA-256 checksum of the parts")
        #expect(stored.fullObjectSHA256 == nil, "a composite checksum is not the hash of the bytes")

        let dropped = try #require(try await store.beginWrite("other.whl", contentsOf: file, contentType: nil))
        await dropped.abort()
        #expect(try await store.head("other.whl") == nil)

        let late = try #require(try await store.beginWrite("big.whl", contentsOf: file, contentType: nil))
        await #expect(throws: BlobStoreError.preconditionFailed(key: "big.whl")) {
            try await late.commit(condition: .ifAbsent)
        }
        #expect(try await store.client.listMultipartUploads(bucket: store.bucket).isEmpty)
        #expect(try await store.head("big.whl")?.etag == written.etag)

        // Small files are not worth it: written afterwards.
        let small = directory.appendingPathComponent("small.whl")
        try Data("small".utf8).write(to: small)
        #expect(try await store.beginWrite("small.whl", contentsOf: small, contentType: nil) == nil)
    }

    /// CopyObject between two S3 stores of one endpoint: the copy carries the SHA-256 S3
    /// computed of it.
    @Test func copiesInsideS3BetweenStoresOfOneEndpoint() async throws {
        let moto = try await MotoServer.shared()
        let client = S3TestStore.client(moto)
        let source = S3BlobStore(client: client, bucket: try await moto.makeBucket("store-copy-src"), prefix: "a")
        let target = S3BlobStore(client: client, bucket: try await moto.makeBucket("store-copy-dst"))
        let bytes = Data("copied inside S3".utf8)
        let written = try await source.write("x.whl", data: bytes, contentType: "application/zip", condition: .ifAbsent)
        let expected = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        #expect(try await source.headWithSHA256("x.whl")?.sha256 == expected)

        let copied = try #require(
            try await target.copyInBackend(
                from: source, sourceKey: "x.whl", sourceETag: written.etag, to: "y.whl", size: written.size,
                contentType: "application/zip"))
        #expect(copied.sha256 == expected)
        #expect(try await target.read("y.whl")?.data == bytes)
        #expect(try await target.headWithSHA256("y.whl")?.sha256 == expected)

        // Without a source ETag: whatever is there is copied, and the SHA-256 says what it was.
        let unconditional = try #require(
            try await target.copyInBackend(
                from: source, sourceKey: "x.whl", sourceETag: nil, to: "z.whl", size: nil, contentType: "application/zip"))
        #expect(unconditional.sha256 == expected)
        #expect(try await target.read("z.whl")?.data == bytes)

        // (`x-amz-copy-source-if-match`, which makes S3 refuse a source changed since its ETag
        // was read, is not checked by moto: not asserted here.)

        // Another kind of store, or another endpoint: nothing copied, the caller streams.
        #expect(
            try await target.copyInBackend(
                from: MemoryBlobStore(), sourceKey: "x.whl", sourceETag: written.etag, to: "w.whl", size: 1, contentType: nil)
                == nil)
    }

    @Test func listingPagesThroughMoreThanOnePage() async throws {
        let moto = try await MotoServer.shared()
        let bucket = try await moto.makeBucket("store-pages")
        let store = S3BlobStore(client: S3TestStore.client(moto), bucket: bucket, prefix: "x", listPageSize: 7)
        let keys = (0..<40).map { "k/\($0)" }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for key in keys {
                group.addTask { try await store.write(key, data: Data(key.utf8), contentType: nil, condition: .none) }
            }
            try await group.waitForAll()
        }
        #expect(try await store.list(prefix: "k/").map(\.key) == keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }

    @Test func listingPagesThroughMoreThanAThousandKeys() async throws {
        let moto = try await MotoServer.shared()
        let bucket = try await moto.makeBucket("store-thousand")
        let store = S3BlobStore(client: S3TestStore.client(moto), bucket: bucket)
        let keys = (0..<1005).map { String(format: "many/%04d", $0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var pending = keys[...]
            for _ in 0..<16 {
                guard let key = pending.popFirst() else { break }
                group.addTask { try await store.write(key, data: Data(), contentType: nil, condition: .none) }
            }
            while try await group.next() != nil {
                guard let key = pending.popFirst() else { continue }
                group.addTask { try await store.write(key, data: Data(), contentType: nil, condition: .none) }
            }
        }
        #expect(try await store.list(prefix: "many/").map(\.key) == keys)
    }

    @Test func makeBlobStoreOpensAnS3Location() async throws {
        let moto = try await MotoServer.shared()
        let bucket = try await moto.makeBucket("store-location")
        let location = try StoreLocation(parsing: "s3://\(bucket)/pre/fix?region=us-east-1&endpoint=\(moto.endpointString)&path-style=true")
        let environment = ["AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "HOME": "/nonexistent"]
        let store = try makeBlobStore(location, environment: environment)
        #expect(store is S3BlobStore)
        #expect(store.displayName == location.description)
        try await store.write("a", data: Data("via location".utf8), contentType: nil, condition: .ifAbsent)
        let client = S3TestStore.client(moto)
        #expect(try await client.headObject(bucket: bucket, key: "pre/fix/a") != nil)

        // Without credentials the error says what to set.
        let bare = try makeBlobStore(location, environment: ["HOME": "/nonexistent"])
        await #expect {
            try await bare.head("a")
        } throws: { error in
            "\(error)".contains("no AWS credentials found")
        }
    }
}
