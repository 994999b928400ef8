import Crypto
import Foundation
import NIOCore
import WheelhouseCore
import WheelhouseStorage

extension Replicator {
    struct CopyTally: Sendable {
        var objects = 0
        var bytes: Int64 = 0
        var conflicts: [String] = []

        mutating func add(_ other: CopyTally) {
            objects += other.objects
            bytes += other.bytes
            conflicts += other.conflicts
        }
    }

    /// Copies the bytes and metadata of every file of `record` the target does not hold yet,
    /// at most `jobs` objects at once across all projects. Files the target's record already
    /// lists with the same sha256 were verified when they were copied and are skipped; for the
    /// others one listing of the project's folder at the target says what is there.
    func copyFiles(
        of record: ProjectRecord, listedAt targetRecord: ProjectRecord?, to target: any BlobStore, limit: ConcurrencyLimit
    ) async throws -> CopyTally {
        let needed = record.files.filter { file in
            guard let listed = targetRecord?.file(named: file.filename) else { return true }
            return listed.sha256 != file.sha256 || listed.metadataSha256 != file.metadataSha256
        }
        guard !needed.isEmpty else { return CopyTally() }
        let folder = StorageLayout.packagesPrefix + record.name + "/"
        let present = Set(try await limit.run { try await target.list(prefix: folder) }.map(\.key))
        // Every file at once: the shared `limit` bounds the objects in flight across projects.
        let tallies = try await concurrentMap(needed, jobs: needed.count) { file in
            try await copyFile(file, project: record.name, present: present, to: target, limit: limit)
        }
        var total = CopyTally()
        for tally in tallies { total.add(tally) }
        return total
    }

    /// One file and its metadata. An object already under the key is accepted only when its
    /// bytes hash to the recorded sha256; otherwise it is a conflict and nothing is written.
    func copyFile(
        _ file: FileRecord, project: String, present: Set<String>, to target: any BlobStore, limit: ConcurrencyLimit
    ) async throws -> CopyTally {
        var tally = CopyTally()
        let key = try StorageLayout.fileKey(project: project, filename: file.filename)
        var mustCheck = true
        if !present.contains(key) {
            if try await limit.run({ try await transfer(key, size: file.size, sha256: file.sha256, to: target) }) {
                tally.objects += 1
                tally.bytes += file.size
                mustCheck = false
            }
        }
        if mustCheck {
            let (size, sha256) = try await limit.run { try await target.digest(of: key) }
            guard size == file.size, sha256 == file.sha256 else {
                tally.conflicts.append(
                    "\(key): the target holds other bytes (\(size) bytes, sha256 \(sha256)) than the source (\(file.size) bytes, sha256 \(file.sha256)); not overwritten"
                )
                return tally
            }
        }
        if let metadataSha256 = file.metadataSha256 {
            let metadataKey = try StorageLayout.metadataKey(project: project, filename: file.filename)
            let copied = try await limit.run {
                try await copyMetadata(metadataKey, sha256: metadataSha256, checkTarget: present.contains(metadataKey), to: target)
            }
            if let copied {
                tally.objects += 1
                tally.bytes += copied
            }
        }
        // PEP 740: the provenance object, like the metadata, before the record names it.
        if let provenanceSha256 = file.provenanceSha256 {
            let provenanceKey = try StorageLayout.provenanceKey(project: project, filename: file.filename)
            let copied = try await limit.run {
                try await copyMetadata(
                    provenanceKey, sha256: provenanceSha256, checkTarget: present.contains(provenanceKey), to: target,
                    contentType: StoredContentType.provenance)
            }
            if let copied {
                tally.objects += 1
                tally.bytes += copied
            }
        }
        return tally
    }

    /// Streams `key` from the source to the target, checking size and sha256 before the object
    /// becomes visible: small files in memory, larger ones through a spool file (the S3 store
    /// uploads those in parts). Written put-if-absent; false when another writer got there first.
    func transfer(_ key: String, size: Int64, sha256: String, to target: any BlobStore) async throws -> Bool {
        if try await copyInBackend(key, size: size, sha256: sha256, to: target) { return true }
        let (info, body) = try await source.get(key, range: nil)
        var hasher = SHA256()
        var count: Int64 = 0
        let contentType = StoredContentType.of(key)
        do {
            if info.size <= memoryLimit {
                var data = Data()
                data.reserveCapacity(Int(info.size))
                for try await chunk in body {
                    chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                    data.append(contentsOf: chunk.readableBytesView)
                    count += Int64(chunk.readableBytes)
                }
                try check(key, size: count, sha256: hasher.finalize().hexString, expectedSize: size, expectedSha256: sha256)
                try await target.write(key, data: data, contentType: contentType, condition: .ifAbsent)
            } else {
                let spool = spoolDirectory.appendingPathComponent("wheelhouse-replicate-\(UUID().uuidString)")
                guard FileManager.default.createFile(atPath: spool.path, contents: nil) else {
                    throw ReplicationError.spool(path: spool.path)
                }
                defer { try? FileManager.default.removeItem(at: spool) }
                let handle = try FileHandle(forWritingTo: spool)
                do {
                    for try await chunk in body {
                        chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
                        try handle.write(contentsOf: Data(chunk.readableBytesView))
                        count += Int64(chunk.readableBytes)
                    }
                    try handle.close()
                } catch {
                    try? handle.close()
                    throw error
                }
                try check(key, size: count, sha256: hasher.finalize().hexString, expectedSize: size, expectedSha256: sha256)
                try await target.write(key, contentsOf: spool, contentType: contentType, condition: .ifAbsent)
            }
            return true
        } catch BlobStoreError.preconditionFailed {
            return false
        }
    }

    /// The server-side copy (S3 CopyObject between buckets of one endpoint), in one request:
    /// the backend copies the bytes and computes the SHA-256 of what it copied, which must equal
    /// the record's. A copy whose SHA-256 differs, or of which the backend says none, is deleted
    /// again before anything lists it (the record is written only after every file of it
    /// matched), and false is returned: the caller then streams the source object and hashes every
    /// byte, which reports a source that does not match its record (`sourceMismatch`) and writes
    /// nothing. False too when the stores cannot copy between them.
    func copyInBackend(_ key: String, size: Int64?, sha256: String, to target: any BlobStore) async throws -> Bool {
        guard target.canCopyInBackend(from: source) else { return false }
        let copy: (etag: String, sha256: String?)?
        do {
            copy = try await target.copyInBackend(
                from: source, sourceKey: key, sourceETag: nil, to: key, size: size, contentType: StoredContentType.of(key))
        } catch BlobStoreError.notFound {
            throw ReplicationError.missingAtSource(key: key)
        }
        guard let copy else { return false }
        if let copied = copy.sha256, constantTimeEquals(copied, sha256) { return true }
        try await target.delete(key)
        return false
    }

    /// Writes the metadata file unless the target already has these bytes; returns the bytes
    /// written (nil when none were; 0 when the backend copied them without saying how many).
    /// Metadata is derived from the file, so the source's replaces any other. Between stores
    /// of one backend, where the target has nothing under the key yet, it is copied there and
    /// checked by the SHA-256 the backend computed of the copy, as the files are.
    func copyMetadata(
        _ key: String, sha256: String, checkTarget: Bool, to target: any BlobStore, contentType: String = StoredContentType.metadata
    ) async throws -> Int64? {
        if checkTarget, let existing = try await target.read(key), SHA256.hash(data: existing.data).hexString == sha256 {
            return nil
        }
        // Only where nothing is yet: a copy that fails its check is deleted again.
        if !checkTarget, try await copyInBackend(key, size: nil, sha256: sha256, to: target) { return 0 }
        guard let (data, _) = try await source.read(key) else { throw ReplicationError.missingAtSource(key: key) }
        try check(key, size: Int64(data.count), sha256: SHA256.hash(data: data).hexString, expectedSize: Int64(data.count), expectedSha256: sha256)
        try await target.write(key, data: data, contentType: contentType, condition: .none)
        return Int64(data.count)
    }

    private func check(_ key: String, size: Int64, sha256: String, expectedSize: Int64, expectedSha256: String) throws {
        guard size == expectedSize, constantTimeEquals(sha256, expectedSha256) else {
            throw ReplicationError.sourceMismatch(key: key, size: size, sha256: sha256, recordSize: expectedSize, recordSha256: expectedSha256)
        }
    }
}

/// Why an object could not be replicated.
public enum ReplicationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The source's bytes do not match the source's own record: the source needs `wheelhouse verify`.
    case sourceMismatch(key: String, size: Int64, sha256: String, recordSize: Int64, recordSha256: String)
    /// The source record lists an object the source does not hold.
    case missingAtSource(key: String)
    /// A spool file could not be created.
    case spool(path: String)

    public var description: String {
        switch self {
        case .sourceMismatch(let key, let size, let sha256, let recordSize, let recordSha256):
            "\(key): the source's bytes (\(size) bytes, sha256 \(sha256)) do not match its record (\(recordSize) bytes, sha256 \(recordSha256)); run `wheelhouse verify` on the source; nothing was copied"
        case .missingAtSource(let key):
            "\(key): listed in the source's record but missing from the source; run `wheelhouse verify` on the source"
        case .spool(let path):
            "cannot create the spool file '\(path)'; check that the temporary folder exists and is writable"
        }
    }
}
