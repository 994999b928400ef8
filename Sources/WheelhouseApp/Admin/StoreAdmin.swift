import Crypto
import Foundation
public import WheelhouseArchive
public import WheelhouseCore
public import WheelhouseStorage

/// Curation and maintenance of a store: list, yank, rebuild, verify. Used by the CLI.
public struct StoreAdmin: Sendable {
    public let store: any BlobStore
    public var limits: ArchiveLimits
    var records: ProjectRecords { ProjectRecords(store: store) }

    public init(store: any BlobStore, limits: ArchiveLimits = ArchiveLimits()) {
        self.store = store
        self.limits = limits
    }

    public enum AdminError: Error, CustomStringConvertible {
        case noSuchProject(String)
        case noSuchVersion(project: String, version: String)
        public var description: String {
            switch self {
            case .noSuchProject(let p): "no project named '\(p)' in the store"
            case .noSuchVersion(let p, let v): "project '\(p)' has no files for version '\(v)'"
            }
        }
    }

    public func projects() async throws -> [String] {
        try await records.projectNames()
    }

    public func record(_ project: String) async throws -> ProjectRecord {
        let normalized = ProjectName.normalize(project)
        guard let (record, _) = try await records.load(normalized) else { throw AdminError.noSuchProject(normalized) }
        return record
    }

    /// PEP 592: marks every file of `version` yanked (nil reason: yanked without a reason),
    /// or clears the mark. Returns the new record.
    public func setYanked(_ yanked: Bool, project: String, version: String, reason: String?) async throws -> ProjectRecord {
        let normalized = ProjectName.normalize(project)
        let canonical = (try? Version(version))?.description ?? version
        let result = try await records.update(normalized) { current in
            guard let current else { throw AdminError.noSuchProject(normalized) }
            guard current.files.contains(where: { $0.version == canonical }) else {
                throw AdminError.noSuchVersion(project: normalized, version: version)
            }
            return yanked ? try current.yanking(version: canonical, reason: reason) : try current.unyanking(version: canonical)
        }
        try await StaticExport(store: store).exportProject(normalized)
        switch result {
        case .unchanged(let record): return record ?? ProjectRecord(name: normalized, displayName: normalized)
        case .written(_, let new, _): return new
        }
    }

    // MARK: status

    /// PEP 792: sets the project's status (and reason; nil clears it). Returns the record before
    /// and after. The project must have a record (a hosted or mirrored file); the status is
    /// stored in it, so replicas and every server on the store follow.
    ///
    /// The one place a status changes: a `project.status` event belongs here.
    public func setStatus(_ status: ProjectStatus, project: String) async throws -> (old: ProjectStatus, new: ProjectRecord) {
        let normalized = ProjectName.normalize(project)
        var old = ProjectStatus.active
        let result = try await records.update(normalized) { current in
            guard let current else { throw AdminError.noSuchProject(normalized) }
            old = current.status
            return current.withStatus(status)
        }
        try await StaticExport(store: store).exportProject(normalized)
        switch result {
        case .unchanged(let record): return (old, record ?? ProjectRecord(name: normalized, displayName: normalized, status: status))
        case .written(_, let new, _): return (old, new)
        }
    }

    // MARK: rebuild

    public struct RebuildReport: Sendable, Codable {
        public var projects = 0
        public var files = 0
        public var refused: [String: String] = [:]  // key → reason
        public var removedRecords: [String] = []
    }

    /// Recreates every record and the static export from `packages/` alone. Upload times and
    /// yank marks of files that an existing record already knew are kept. An entry of an
    /// existing record stands when the listing shows its object unchanged (ETag = the entry's
    /// MD5: `listingShowsUnchanged`) or when the sha256 the store keeps for it (S3) is the
    /// entry's (`unchanged`). Another wheel with a kept sha256 and a `.metadata` is recorded from
    /// those (`trustedWheel`). Every other file is downloaded, hashed and inspected, and its
    /// metadata written anew. Projects are rebuilt
    /// `jobs` at a time, and the files of a project `jobs` at a time (on S3 every file is a
    /// download and a metadata write: latency, not bandwidth, bounds a sequential rebuild).
    public func rebuild(jobs: Int = 16, progress: @escaping @Sendable (String) -> Void = { _ in }) async throws -> RebuildReport {
        var report = RebuildReport()
        var byProject: [String: [BlobInfo]] = [:]
        // The metadata and provenance objects the listing holds: no request asks for them again.
        var besideKeys = Set<String>()
        for info in try await store.list(prefix: StorageLayout.packagesPrefix) {
            if StorageLayout.parseMetadataKey(info.key) != nil || StorageLayout.parseProvenanceKey(info.key) != nil {
                besideKeys.insert(info.key)
            }
            guard let (project, filename) = StorageLayout.parseFileKey(info.key), !filename.hasSuffix(".metadata") else { continue }
            byProject[project, default: []].append(info)
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("wheelhouse-rebuild-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }

        let jobs = max(1, jobs)
        let work = byProject.sorted(by: { $0.key < $1.key })
        let knownBeside = besideKeys
        let rebuilt = try await concurrentMap(work, jobs: jobs) { entry in
            let (project, infos) = entry
            progress("rebuilding \(project) (\(infos.count) files)")
            return try await rebuildProject(project, infos: infos, besideKeys: knownBeside, scratch: scratch, jobs: jobs)
        }
        for done in rebuilt {
            if done.count > 0 {
                report.projects += 1
                report.files += done.count
            }
            report.refused.merge(done.refused) { first, _ in first }
        }
        // Records whose project has no files left.
        for project in try await records.projectNames() where byProject[project] == nil {
            try await store.delete(try StorageLayout.recordKey(project: project))
            try await store.delete(try StorageLayout.exportProjectKey(project: project))
            report.removedRecords.append(project)
        }
        try await StaticExport(store: store).exportRoot()
        return report
    }

    /// Rebuilds one project's record, metadata files and export; returns how many files it
    /// lists and the files refused (key → reason). `besideKeys`: the metadata and provenance
    /// objects the store's listing holds.
    func rebuildProject(
        _ project: String, infos: [BlobInfo], besideKeys: Set<String>, scratch: URL, jobs: Int
    ) async throws -> (count: Int, refused: [String: String]) {
        let previous = try? await records.load(project)?.record
        let store = self.store
        let limits = self.limits
        var files: [FileRecord] = []
        var refused: [String: String] = [:]
        var displayName = previous?.displayName
        let results = await concurrentMap(infos, jobs: jobs) { info -> Result<(FileRecord, String?), RebuildRefusal> in
            guard let (_, filename) = StorageLayout.parseFileKey(info.key) else {
                return .failure(RebuildRefusal(key: info.key, reason: "not a file key"))
            }
            let local = scratch.appendingPathComponent(UUID().uuidString + "-" + filename)
            defer { try? FileManager.default.removeItem(at: local) }
            do {
                // PEP 740: a provenance object beside the file is listed again.
                let provenanceKey = try StorageLayout.provenanceKey(project: project, filename: filename)
                let hasProvenance = besideKeys.contains(provenanceKey)
                // An entry of the existing record whose bytes are still the ones it recorded says
                // everything those bytes give; only a provenance object added or removed since is
                // looked at. The listing alone can tell (S3: the ETag is the MD5 of an object
                // written in one PUT), else the sha256 S3 keeps for the object (one HeadObject).
                let listed = previous?.files.first { $0.filename == filename }
                if let listed, Self.listingShowsUnchanged(listed, info: info, project: project, besideKeys: besideKeys) {
                    return .success((try await Self.withProvenance(listed, key: provenanceKey, listed: hasProvenance, store: store), nil))
                }
                let head = try await Self.storedWheelSHA256(info, project: project, filename: filename, besideKeys: besideKeys, store: store)
                if let listed, let head, let known = Self.unchanged(listed, sha256: head, size: info.size) {
                    return .success((try await Self.withProvenance(known, key: provenanceKey, listed: hasProvenance, store: store), nil))
                }
                if let head,
                    let trusted = try await Self.trustedWheel(
                        info, sha256: head, project: project, filename: filename, besideKeys: besideKeys, store: store)
                {
                    let old = previous?.files.first { $0.filename == filename && $0.sha256 == trusted.sha256 }
                    let provenanceSHA = hasProvenance ? try await Self.storedSHA256(of: provenanceKey, store: store) : nil
                    return .success(
                        (
                            FileRecord(
                                filename: filename, version: trusted.wheel.version.description, packageType: "bdist_wheel",
                                sha256: trusted.sha256, size: info.size,
                                uploadTime: old?.uploadTime ?? info.lastModified ?? Date(),
                                requiresPython: trusted.metadata.usableRequiresPython,
                                metadataSha256: SHA256.hash(data: trusted.metadata.rawBytes).hexString,
                                yanked: old?.yanked ?? false, yankedReason: old?.yankedReason,
                                pythonTag: DistributionFilename.wheel(trusted.wheel).pythonTag, origin: old?.origin,
                                provenanceSha256: provenanceSHA, md5: old?.md5),
                            trusted.metadata.name ?? trusted.wheel.name
                        ))
                }
                try await store.download(info.key, to: local)
                let digest = try FileDigest.compute(file: local, md5: info.size <= FileRecord.md5SizeLimit)
                // Files already in the store (mirrored ones among them) are not refused anew for their tags.
                let inspected = try inspectDistribution(
                    at: local, filename: filename, projectHint: project, limits: limits, checkTags: false)
                guard inspected.project == project else {
                    return .failure(
                        RebuildRefusal(
                            key: info.key, reason: "belongs to project '\(inspected.project)', not '\(project)'"))
                }
                var metadataSHA: String?
                if let metadata = inspected.metadata {
                    try await store.write(
                        try StorageLayout.metadataKey(project: project, filename: filename), data: Data(metadata),
                        contentType: StoredContentType.metadata, condition: .none)
                    metadataSHA = SHA256.hash(data: metadata).hexString
                }
                let old = previous?.files.first { $0.filename == filename && $0.sha256 == digest.sha256 }
                let provenanceSHA = hasProvenance ? try await Self.storedSHA256(of: provenanceKey, store: store) : nil
                return .success(
                    (
                        FileRecord(
                            filename: filename, version: inspected.version, packageType: inspected.packageType,
                            sha256: digest.sha256, size: digest.size,
                            uploadTime: old?.uploadTime ?? info.lastModified ?? Date(),
                            requiresPython: inspected.requiresPython, metadataSha256: metadataSHA,
                            yanked: old?.yanked ?? false, yankedReason: old?.yankedReason, pythonTag: inspected.pythonTag,
                            origin: old?.origin, provenanceSha256: provenanceSHA, md5: digest.md5),
                        inspected.displayName
                    ))
            } catch {
                return .failure(RebuildRefusal(key: info.key, reason: "\(error)"))
            }
        }
        for result in results {
            switch result {
            case .success(let (file, name)):
                files.append(file)
                displayName = displayName ?? name
            case .failure(let refusal):
                refused[refusal.key] = refusal.reason
            }
        }
        files.sort { $0.filename < $1.filename }
        // The PEP 792 status lives only in the record: it is kept.
        let rebuilt = try files.reduce(
            ProjectRecord(name: project, displayName: displayName ?? project, status: previous?.status ?? .active)
        ) { try $0.adding($1) }
        // A file committed while this project was being rebuilt (the record gained it after it
        // was read above, and the listing missed it) is kept: rebuilding never loses an upload.
        let known = Set(previous?.files.map(\.filename) ?? [])
        let seen = Set(files.map(\.filename))
        var empty = false
        _ = try await records.update(project) { current in
            let concurrent = (current?.files ?? []).filter { !known.contains($0.filename) && !seen.contains($0.filename) }
            let merged = try concurrent.reduce(rebuilt.withStatus(current?.status ?? rebuilt.status)) { try $0.adding($1) }
            empty = merged.files.isEmpty
            return empty ? nil : merged
        }
        if empty { try await store.delete(try StorageLayout.recordKey(project: project)) }
        try await StaticExport(store: store).exportProject(project)
        return (files.count, refused)
    }

    /// What the store already says of a wheel, enough for its record without downloading it:
    /// the sha256 the store checked when the bytes were written (`storedWheelSHA256`) and the
    /// `.metadata` written beside it at ingest, whose name and version must be the filename's.
    /// Nil when there is no metadata file or it does not fit: the wheel is then downloaded and
    /// inspected.
    static func trustedWheel(
        _ info: BlobInfo, sha256: String, project: String, filename: String, besideKeys: Set<String>, store: any BlobStore
    ) async throws -> (wheel: WheelFilename, sha256: String, metadata: CoreMetadata)? {
        guard case .wheel(let wheel)? = try? DistributionFilename(filename, projectHint: project),
            let metadataKey = try? StorageLayout.metadataKey(project: project, filename: filename),
            let (data, _) = try await store.read(metadataKey)
        else { return nil }
        let metadata = CoreMetadata.parse(Array(data))
        guard let name = metadata.name, ProjectName.normalize(name) == project,
            let version = metadata.version.flatMap({ try? Version($0) }), version == wheel.version
        else { return nil }
        return (wheel, sha256, metadata)
    }

    /// The sha256 the store checked when a wheel's bytes were written (S3's stored whole-object
    /// checksum, one HeadObject), when the wheel has its `.metadata` beside it and the object is
    /// the size the listing gave; nil otherwise (a local store, an sdist, an S3 object written
    /// in parts or before checksums were stored): the file is then downloaded and hashed.
    static func storedWheelSHA256(
        _ info: BlobInfo, project: String, filename: String, besideKeys: Set<String>, store: any BlobStore
    ) async throws -> String? {
        guard filename.hasSuffix(".whl"), hasListedMetadata(project: project, filename: filename, besideKeys: besideKeys),
            let (current, sha256) = try await store.headWithSHA256(info.key), let sha256, current.size == info.size
        else { return nil }
        return sha256
    }

    /// The file's `.metadata` object is in the listing.
    static func hasListedMetadata(project: String, filename: String, besideKeys: Set<String>) -> Bool {
        guard let metadataKey = try? StorageLayout.metadataKey(project: project, filename: filename) else { return false }
        return besideKeys.contains(metadataKey)
    }

    /// The listing shows the object is the file `entry` recorded: its ETag is the MD5 the entry
    /// keeps and its size the entry's (S3 gives an object written in one PUT, without SSE-KMS or
    /// SSE-C, its MD5 as ETag; any other ETag does not match, and the object is asked about).
    /// A wheel's entry must also have metadata and its `.metadata` object must be listed.
    static func listingShowsUnchanged(_ entry: FileRecord, info: BlobInfo, project: String, besideKeys: Set<String>) -> Bool {
        guard let md5 = entry.md5, entry.size == info.size else { return false }
        let etag = info.etag.trimmingCharacters(in: CharacterSet(charactersIn: "\"")).lowercased()
        guard etag == md5 else { return false }
        guard entry.filename.hasSuffix(".whl") else { return true }
        return entry.metadataSha256 != nil && hasListedMetadata(project: project, filename: entry.filename, besideKeys: besideKeys)
    }

    /// `entry` with the provenance the store holds beside its file: none when no provenance
    /// object is listed, the entry's own digest when it has one, else the object's sha256.
    static func withProvenance(_ entry: FileRecord, key: String, listed: Bool, store: any BlobStore) async throws -> FileRecord {
        var entry = entry
        if !listed {
            entry.provenanceSha256 = nil
        } else if entry.provenanceSha256 == nil {
            entry.provenanceSha256 = try await storedSHA256(of: key, store: store)
        }
        return entry
    }

    /// An existing record's entry for a file whose bytes are still the ones it recorded (same
    /// sha256 and size) and that had metadata: everything else in it was derived from those
    /// bytes at ingest, so it stands without reading the `.metadata` again.
    static func unchanged(_ listed: FileRecord, sha256: String, size: Int64) -> FileRecord? {
        guard listed.sha256 == sha256, listed.size == size, listed.metadataSha256 != nil else { return nil }
        return listed
    }

    /// The sha256 of an object: the store's checked checksum when it keeps one, else hashed.
    static func storedSHA256(of key: String, store: any BlobStore) async throws -> String {
        if let (_, sha256) = try await store.headWithSHA256(key), let sha256 { return sha256 }
        return try await store.digest(of: key).sha256
    }

    struct RebuildRefusal: Error {
        var key: String
        var reason: String
    }

    // MARK: verify

    public struct Problem: Sendable, Codable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable, Codable {
            case corruptRecord = "corrupt-record"
            case missingFile = "missing-file"
            case sizeMismatch = "size-mismatch"
            case hashMismatch = "hash-mismatch"
            case missingMetadata = "missing-metadata"
            case metadataHashMismatch = "metadata-hash-mismatch"
            case missingProvenance = "missing-provenance"
            case provenanceHashMismatch = "provenance-hash-mismatch"
            case orphan
        }
        public var kind: Kind
        public var key: String
        public var detail: String
        public var description: String { "\(kind.rawValue): \(key): \(detail)" }
    }

    public struct VerifyReport: Sendable, Codable {
        public var projects = 0
        public var files = 0
        public var bytes: Int64 = 0
        public var problems: [Problem] = []
    }

    /// Checks every recorded file's size and sha256 against the bytes in the store, every
    /// metadata file against its recorded hash, and reports objects under `packages/` that no
    /// record lists (orphans, e.g. left by an interrupted upload). Hashes up to `jobs` objects
    /// at once.
    public func verify(jobs: Int = 8, progress: @Sendable (String) -> Void = { _ in }) async throws -> VerifyReport {
        var report = VerifyReport()
        var listed = Set<String>()
        let checker = StoredFileCheck(store: store, jobs: jobs)
        for project in try await records.projectNames() {
            let record: ProjectRecord
            do {
                guard let loaded = try await records.load(project) else { continue }
                record = loaded.record
            } catch {
                report.problems.append(.init(kind: .corruptRecord, key: (try? StorageLayout.recordKey(project: project)) ?? project, detail: "\(error)"))
                continue
            }
            report.projects += 1
            report.files += record.files.count
            progress("verifying \(project) (\(record.files.count) files)")
            listed.formUnion(try StoredFileCheck.expectedKeys(of: record, project: project))
            let checked = try await checker.check(record, project: project)
            report.bytes += checked.bytes
            var problems = checked.findings.map { finding in
                Problem(kind: Problem.Kind(finding.kind), key: finding.key, detail: finding.detail(record: "the record", store: "the store"))
            }
            for file in record.files where file.metadataSha256 == nil && file.packageType == "bdist_wheel" {
                let key = try StorageLayout.fileKey(project: project, filename: file.filename)
                problems.append(.init(kind: .missingMetadata, key: key, detail: "the record has no core metadata for this wheel"))
            }
            report.problems += problems.sorted { $0.key < $1.key }
        }
        for info in try await store.list(prefix: StorageLayout.packagesPrefix) where !listed.contains(info.key) {
            report.problems.append(.init(kind: .orphan, key: info.key, detail: "in the store but in no project record (\(info.size) bytes)"))
        }
        return report
    }
}

extension StoreAdmin.Problem.Kind {
    init(_ kind: StoredFileCheck.Finding.Kind) {
        switch kind {
        case .missingFile: self = .missingFile
        case .sizeMismatch: self = .sizeMismatch
        case .hashMismatch: self = .hashMismatch
        case .missingMetadata: self = .missingMetadata
        case .metadataHashMismatch: self = .metadataHashMismatch
        case .missingProvenance: self = .missingProvenance
        case .provenanceHashMismatch: self = .provenanceHashMismatch
        }
    }
}
