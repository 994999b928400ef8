import Foundation
import Testing
import WheelhouseAWS
import WheelhouseApp
import WheelhouseCore
import WheelhouseStorage
import WheelhouseTestSupport

/// Uploads into an S3 store (moto_server) whose multipart threshold is low enough that every
/// test wheel goes up in parts while it is verified (`BlobStore.beginWrite`): a file that
/// fails verification leaves no object and no pending multipart upload behind.
@Suite(.tags(.endToEnd), .skippedInFastTier)
struct S3IngestTests {
    static let mib = 1 << 20

    func store(_ moto: MotoServer, label: String) async throws -> S3BlobStore {
        let client = S3Client(
            configuration: S3Configuration(
                region: "us-east-1", endpoint: moto.endpoint, pathStyle: true, multipartThreshold: Int64(5 * Self.mib),
                partSize: Int64(5 * Self.mib)),
            credentials: StaticCredentialProvider(
                AWSCredentials(accessKeyId: MotoServer.dummyAccessKeyId, secretAccessKey: MotoServer.dummySecretAccessKey)))
        return S3BlobStore(client: client, bucket: try await moto.makeBucket(label), prefix: "idx")
    }

    /// A wheel of `payload` stored bytes; `corrupt` flips a byte of the payload after the wheel
    /// is written, so its RECORD hash (and the zip CRC) no longer match.
    func wheel(_ version: String, payload: Int, corrupt: Bool = false, in directory: URL) throws -> URL {
        var builder = WheelBuilder("overlap-demo", version)
        builder.payload = payload
        let url = try builder.writeWheel(in: directory)
        if corrupt {
            var bytes = try Data(contentsOf: url)
            bytes[bytes.count / 2] ^= 0xFF
            try bytes.write(to: url)
        }
        return url
    }

    @Test func aBadArchiveLeavesNoObjectNorPendingUploadAndAnEarlierUploadStaysIntact() async throws {
        let moto = try await MotoServer.shared()
        let store = try await store(moto, label: "ingest-overlap")
        let work = try TestSupport.makeTemporaryDirectory("s3-ingest-overlap")
        defer { try? FileManager.default.removeItem(at: work) }
        let ingestor = Ingestor(store: store)

        let good = try wheel("1.0", payload: 11 * Self.mib, in: work.appendingPathComponent("good"))
        let added = try await ingestor.ingest(.init(file: good))
        #expect(added.status == .added)
        let goodKey = try StorageLayout.fileKey(project: "overlap-demo", filename: good.lastPathComponent)
        let stored = try #require(try await store.head(goodKey))
        #expect(stored.etag.hasSuffix("-3\""), "went up in parts (ETag \(stored.etag))")
        #expect(try await store.read(goodKey)?.data == (try Data(contentsOf: good)))
        let listedBefore = try await store.list(prefix: "packages/").map(\.key)
        let recordBefore = try await StoreAdmin(store: store).record("overlap-demo")

        // A corrupt archive: refused, and neither its object nor its parts remain.
        let bad = try wheel("1.1", payload: 11 * Self.mib, corrupt: true, in: work.appendingPathComponent("bad"))
        await #expect {
            try await ingestor.ingest(.init(file: bad))
        } throws: { error in
            if case .invalidArchive = error as? IngestError { return true }
            return false
        }
        let badKey = try StorageLayout.fileKey(project: "overlap-demo", filename: bad.lastPathComponent)
        #expect(try await store.head(badKey) == nil)
        #expect(try await store.client.listMultipartUploads(bucket: store.bucket).isEmpty)

        // Other bytes under the good file's name: a conflict, the upload begun for them aborted.
        let other = try wheel("1.0", payload: 12 * Self.mib, in: work.appendingPathComponent("other"))
        await #expect {
            try await ingestor.ingest(.init(file: other))
        } throws: { error in
            if case .conflict = error as? IngestError { return true }
            return false
        }
        #expect(try await store.client.listMultipartUploads(bucket: store.bucket).isEmpty)

        // The earlier upload is as it was: same objects, same record, same bytes.
        #expect(try await store.list(prefix: "packages/").map(\.key) == listedBefore)
        #expect(try await StoreAdmin(store: store).record("overlap-demo") == recordBefore)
        #expect(try await store.head(goodKey)?.etag == stored.etag)
        #expect(try await store.read(goodKey)?.data == (try Data(contentsOf: good)))

        // The identical file again: unchanged, nothing left pending.
        #expect(try await ingestor.ingest(.init(file: good)).status == .unchanged)
        #expect(try await store.client.listMultipartUploads(bucket: store.bucket).isEmpty)
        let report = try await StoreAdmin(store: store).verify()
        #expect(report.problems.isEmpty, "\(report.problems)")
    }
}
