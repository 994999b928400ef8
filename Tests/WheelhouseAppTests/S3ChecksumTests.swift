import Crypto
import Foundation
import Testing
import NIOCore
@testable import WheelhouseAWS
import WheelhouseApp
import WheelhouseCore
import WheelhouseStorage
import WheelhouseTestSupport
import NIOHTTP1

/// S3 stores (moto_server) with stored SHA-256 checksums: uploads whose parts go up while they
/// are verified (`BlobStore.beginWrite`; the multipart threshold is low enough here that every
/// test wheel does), and replication by CopyObject between buckets of one endpoint.
@Suite(.tags(.endToEnd), .skippedInFastTier)
struct S3ChecksumTests {
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

    /// Small wheels of two projects uploaded to `store`; returns the wheels.
    func upload(_ projects: [String: Int], to store: any BlobStore, in directory: URL) async throws -> [URL] {
        var wheels: [URL] = []
        for (project, count) in projects {
            for version in 0..<count {
                var builder = WheelBuilder(project, "1.\(version)")
                builder.payload = 1000 + version
                wheels.append(try builder.writeWheel(in: directory))
            }
        }
        for result in await Ingestor(store: store).ingest(batch: wheels.map { .init(file: $0) }) {
            _ = try result.get()
        }
        return wheels
    }

    /// The lines of moto's log that GET an object of `bucket` whose key ends in `.whl`.
    func wheelDownloads(_ moto: MotoServer, bucket: String) -> [String] {
        String(decoding: moto.log, as: UTF8.self).split(separator: "\n").map(String.init).filter {
            $0.contains("\"GET /\(bucket)/") && $0.contains(".whl HTTP")
        }
    }

    @Test func sameEndpointReplicationCopiesInsideS3AndTheCopyVerifies() async throws {
        let moto = try await MotoServer.shared()
        let source = try await store(moto, label: "rep-copy-src")
        let target = try await store(moto, label: "rep-copy-dst")
        let work = try TestSupport.makeTemporaryDirectory("s3-rep-copy")
        defer { try? FileManager.default.removeItem(at: work) }
        _ = try await upload(["copy-a": 3, "copy-b": 2], to: source, in: work)

        let replicator = Replicator(source: source)
        let report = try await replicator.replicate(to: target)
        #expect(report.succeeded, "\(report.conflicts) \(report.failures)")
        #expect(report.projectsChanged == 2)
        #expect(wheelDownloads(moto, bucket: source.bucket).isEmpty, "the wheels were copied inside S3, not downloaded")

        let differences = try await replicator.verify(target: target).differences
        #expect(differences.isEmpty, "\(differences)")
        let problems = try await StoreAdmin(store: target).verify().problems
        #expect(problems.isEmpty, "\(problems)")
        for file in try await StoreAdmin(store: target).record("copy-a").files {
            let key = try StorageLayout.fileKey(project: "copy-a", filename: file.filename)
            #expect(try await target.headWithSHA256(key)?.sha256 == file.sha256, "the copy keeps a stored checksum")
        }
        #expect(try await replicator.replicate(to: target).projectsChanged == 0)
    }

    /// A source object replaced by other bytes (with their own valid checksum): the copy S3
    /// made of it has another SHA-256 than the record, so it is deleted before anything lists
    /// it, and the object is streamed and hashed, which reports it as the streaming copy reports
    /// corrupt objects. An object stored without a checksum is copied inside S3 too: S3's
    /// SHA-256 of the copy is what is checked.
    @Test func aSourceObjectWhoseChecksumDisagreesIsNotCopied() async throws {
        let moto = try await MotoServer.shared()
        let source = try await store(moto, label: "rep-bad-src")
        let target = try await store(moto, label: "rep-bad-dst")
        let work = try TestSupport.makeTemporaryDirectory("s3-rep-bad")
        defer { try? FileManager.default.removeItem(at: work) }
        let wheels = try await upload(["bad-sum": 1, "no-sum": 1], to: source, in: work)
        let badWheel = try #require(wheels.first { $0.lastPathComponent.hasPrefix("bad_sum") })
        let plainWheel = try #require(wheels.first { $0.lastPathComponent.hasPrefix("no_sum") })
        let badKey = try StorageLayout.fileKey(project: "bad-sum", filename: badWheel.lastPathComponent)
        let plainKey = try StorageLayout.fileKey(project: "no-sum", filename: plainWheel.lastPathComponent)
        // Other bytes under the recorded file, stored with their own (correct) checksum.
        try await source.client.putObject(bucket: source.bucket, key: "idx/" + badKey, data: Data("other bytes".utf8))
        // The same bytes again, written without a checksum (a PutObject as older versions sent it).
        _ = try await source.client.send(
            .PUT, S3Client.Target(operation: "PutObject", bucket: source.bucket, key: "idx/" + plainKey),
            body: .bytes(ByteBuffer(bytes: try Data(contentsOf: plainWheel))))
        #expect(try await source.headWithSHA256(plainKey)?.sha256 == nil)

        let report = try await Replicator(source: source).replicate(to: target)
        #expect(report.failures.count == 1)
        #expect(report.failures.first?.contains("\(badKey): the source's bytes") == true, "\(report.failures)")
        #expect(try await target.head(badKey) == nil)
        #expect(try await target.read(try StorageLayout.recordKey(project: "bad-sum")) == nil)

        #expect(try await target.list(prefix: "packages/").map(\.key).allSatisfy { !$0.hasPrefix("packages/bad-sum/") })
        let log = String(decoding: moto.log, as: UTF8.self)
        #expect(log.contains("\"PUT /\(target.bucket)/idx/\(badKey) HTTP"), "the copy was made")
        #expect(log.contains("DELETE /\(target.bucket)/idx/\(badKey) HTTP"), "and deleted again")

        #expect(try await target.read(plainKey)?.data == (try Data(contentsOf: plainWheel)))
        #expect(try await target.headWithSHA256(plainKey)?.sha256 == (try FileDigest.compute(file: plainWheel)).sha256)
        let downloads = wheelDownloads(moto, bucket: source.bucket)
        #expect(downloads.count == 1 && downloads.first?.contains(badKey) == true, "only the mismatching object was downloaded: \(downloads)")
        let problems = try await StoreAdmin(store: target).verify().problems
        #expect(problems.isEmpty, "\(problems)")
    }

    /// `index rebuild` on S3 records a wheel from its stored checksum and its `.metadata`
    /// without downloading it; a wheel whose metadata file is gone is downloaded and inspected.
    @Test func rebuildTrustsStoredChecksumsAndMetadata() async throws {
        let moto = try await MotoServer.shared()
        let store = try await store(moto, label: "rebuild-trust")
        let work = try TestSupport.makeTemporaryDirectory("s3-rebuild")
        defer { try? FileManager.default.removeItem(at: work) }
        let wheels = try await upload(["trust-a": 3, "trust-b": 2], to: store, in: work)
        let admin = StoreAdmin(store: store)
        let before = [try await admin.record("trust-a"), try await admin.record("trust-b")]
        for project in ["trust-a", "trust-b"] { try await store.delete(try StorageLayout.recordKey(project: project)) }
        let stripped = try #require(wheels.first { $0.lastPathComponent.hasPrefix("trust_b") })
        let strippedKey = try StorageLayout.fileKey(project: "trust-b", filename: stripped.lastPathComponent)
        try await store.delete(try StorageLayout.metadataKey(project: "trust-b", filename: stripped.lastPathComponent))
        // A PEP 740 provenance object beside a trusted wheel is listed again too.
        let attested = try #require(wheels.first { $0.lastPathComponent.hasPrefix("trust_a") })
        let provenance = Data(#"{"version": 1, "attestation_bundles": []}"#.utf8)
        try await store.write(
            try StorageLayout.provenanceKey(project: "trust-a", filename: attested.lastPathComponent), data: provenance,
            contentType: StoredContentType.provenance, condition: .none)
        let downloadsBefore = wheelDownloads(moto, bucket: store.bucket).count

        let report = try await admin.rebuild()
        #expect(report.files == 5)
        #expect(report.refused.isEmpty)
        let downloads = wheelDownloads(moto, bucket: store.bucket).dropFirst(downloadsBefore)
        #expect(downloads.count == 1 && downloads.first?.contains(strippedKey) == true, "\(downloads)")
        let after = [try await admin.record("trust-a"), try await admin.record("trust-b")]
        for (old, new) in zip(before, after) {
            #expect(old.files.map(\.sha256) == new.files.map(\.sha256))
            #expect(old.files.map(\.metadataSha256) == new.files.map(\.metadataSha256))
            #expect(old.files.map(\.requiresPython) == new.files.map(\.requiresPython))
            #expect(old.files.map(\.pythonTag) == new.files.map(\.pythonTag))
            #expect(old.displayName == new.displayName)
        }
        let provenanceSha256 = try await admin.record("trust-a").file(named: attested.lastPathComponent)?.provenanceSha256
        #expect(provenanceSha256 == SHA256.hash(data: provenance).map { String(format: "%02x", $0) }.joined())
        let problems = try await admin.verify().problems
        #expect(problems.isEmpty, "\(problems)")
    }

    /// With the records still there, a rebuild asks S3 nothing about a wheel whose listed ETag
    /// is the MD5 its entry keeps: the entry stands as it was (yank mark included). A wheel
    /// whose bytes were replaced (another ETag) is asked about, and recorded anew from what the
    /// store now holds.
    @Test func rebuildKeepsEntriesTheListingShowsUnchanged() async throws {
        let moto = try await MotoServer.shared()
        let store = try await store(moto, label: "rebuild-known")
        let work = try TestSupport.makeTemporaryDirectory("s3-rebuild-known")
        defer { try? FileManager.default.removeItem(at: work) }
        _ = try await upload(["known-a": 3], to: store, in: work)
        let admin = StoreAdmin(store: store)
        _ = try await admin.setYanked(true, project: "known-a", version: "1.1", reason: "bad build")
        let before = try await admin.record("known-a")
        let logged = moto.log.count

        var report = try await admin.rebuild()
        #expect(report.files == 3 && report.refused.isEmpty)
        #expect(try await admin.record("known-a") == before)
        #expect(before.files.allSatisfy { $0.md5?.count == 32 })
        var requests = objectRequests(moto, bucket: store.bucket, since: logged)
        #expect(requests.filter { $0.hasSuffix(".whl") || $0.hasSuffix(".metadata") }.isEmpty, "\(requests)")

        // Other bytes under the name of 1.2 (a hand edit): the entry is made again from the store.
        let replaced = try #require(before.files.last)
        var builder = WheelBuilder("known-a", "1.2")
        builder.payload = 5000
        let other = try builder.writeWheel(in: work.appendingPathComponent("other"))
        let otherBytes = try Data(contentsOf: other)
        try await store.write(
            try StorageLayout.fileKey(project: "known-a", filename: replaced.filename), data: otherBytes,
            contentType: StoredContentType.of(replaced.filename), condition: .none)
        let loggedAgain = moto.log.count
        report = try await admin.rebuild()
        #expect(report.files == 3 && report.refused.isEmpty)
        let after = try await admin.record("known-a")
        #expect(Array(after.files.dropLast()) == Array(before.files.dropLast()))
        #expect(after.files.last?.sha256 == SHA256.hash(data: otherBytes).map { String(format: "%02x", $0) }.joined())
        #expect(after.files.last?.size == Int64(otherBytes.count))
        requests = objectRequests(moto, bucket: store.bucket, since: loggedAgain)
        #expect(requests.filter { $0.hasSuffix(".whl") } == ["HEAD \(replaced.filename)"], "\(requests)")
        #expect(requests.filter { $0.hasSuffix(".metadata") } == ["GET \(replaced.filename).metadata"], "\(requests)")
    }

    /// "METHOD filename" of each request moto logged for an object of `bucket` under
    /// `packages/` after the first `since` bytes of its log.
    func objectRequests(_ moto: MotoServer, bucket: String, since: Int) -> [String] {
        String(decoding: moto.log.dropFirst(since), as: UTF8.self).split(separator: "\n").compactMap { line in
            guard let quote = line.firstIndex(of: "\"") else { return nil }
            let request = line[line.index(after: quote)...].split(separator: " ")
            guard request.count >= 2, request[1].hasPrefix("/\(bucket)/"), request[1].contains("/packages/") else { return nil }
            let path = request[1].split(separator: "?")[0]
            return "\(request[0]) \(path.split(separator: "/").last ?? "")"
        }
    }
}
