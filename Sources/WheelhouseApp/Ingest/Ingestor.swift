import Crypto
public import Foundation
public import Logging
import Synchronization
public import WheelhouseArchive
public import WheelhouseCore
public import WheelhouseStorage

/// The one ingest pipeline behind every way in (CLI, HTTP upload, mirror).
///
/// Order of writes (DESIGN.md §2), so readers never see a partial state:
/// 1. the file's bytes, with `If-None-Match: *` (a file key never changes once written);
/// 2. its `.metadata` (deterministic, derived from the bytes) and PEP 740 `.provenance`;
/// 3. the project record, compare-and-swap — only now is the file visible in the index;
/// 4. the static export of the project, and of the root list when the project is new.
/// A crash between steps leaves at worst an unlisted object, which a retry adopts when its
/// bytes are identical and `wheelhouse verify` reports as an orphan otherwise.
public struct Ingestor: Sendable {
    public struct Candidate: Sendable {
        public var file: URL
        public var filename: String
        public var projectHint: String?
        /// Precomputed when the bytes were hashed while being received.
        public var digest: FileDigest?
        /// The `name` and `version` fields of an upload form, checked against the file.
        public var formName: String?
        public var formVersion: String?
        /// Set for a file fetched from an upstream index: recorded as mirrored.
        public var mirror: MirrorSource?
        /// PEP 740: the provenance object to store beside the file (already checked for shape:
        /// `Provenance.object(fromUploadField:)` for an upload, the upstream's for a mirror).
        public var provenance: [UInt8]?

        public init(
            file: URL, filename: String? = nil, projectHint: String? = nil, digest: FileDigest? = nil,
            formName: String? = nil, formVersion: String? = nil, mirror: MirrorSource? = nil
        ) {
            self.file = file
            self.filename = filename ?? file.lastPathComponent
            self.projectHint = projectHint
            self.digest = digest
            self.formName = formName
            self.formVersion = formVersion
            self.mirror = mirror
        }
    }

    /// Where a mirrored file came from, and what the upstream said of it.
    public struct MirrorSource: Sendable {
        /// The upstream index's URL, without credentials (`FileRecord.origin`).
        public var origin: String
        /// PEP 700 `upload-time` at the upstream; nil records the time of ingest.
        public var uploadTime: Date?
        /// The upstream's PEP 658 metadata file, already checked against its advertised hash;
        /// stored instead of the METADATA extracted from the wheel, so the hash our page
        /// advertised stays true. Nil extracts it as for an upload.
        public var metadata: [UInt8]?
        public var yank: SimpleProjectPage.Yank

        public init(origin: String, uploadTime: Date?, metadata: [UInt8]? = nil, yank: SimpleProjectPage.Yank = .notYanked) {
            self.origin = origin
            self.uploadTime = uploadTime
            self.metadata = metadata
            self.yank = yank
        }

        var isYanked: Bool { yank != .notYanked }
        var yankReason: String? {
            if case .yanked(let reason) = yank { return reason }
            return nil
        }
    }

    public let store: any BlobStore
    public var limits: ArchiveLimits
    public var now: @Sendable () -> Date
    /// Called with the project name after its record changed (cache invalidation).
    public var onChange: @Sendable (String) -> Void
    /// Where failures that do not fail an upload are logged (the static export).
    public var logger = Logger(label: "wheelhouse.ingest")
    /// Told of each file added, once its record is written (an `upload` event per file).
    public var events: any EventSink = NoEvents()

    public init(
        store: any BlobStore,
        limits: ArchiveLimits = ArchiveLimits(),
        now: @escaping @Sendable () -> Date = { Date() },
        onChange: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.store = store
        self.limits = limits
        self.now = now
        self.onChange = onChange
    }

    /// Ingests one file.
    public func ingest(_ candidate: Candidate) async throws(IngestError) -> IngestOutcome {
        let results = await ingest(batch: [candidate])
        return try results[0].get()
    }

    /// Ingests several files; the files of one project share one record update. One bad file
    /// never stops the others. Results are in the order of `batch`.
    public func ingest(batch: [Candidate]) async -> [Result<IngestOutcome, IngestError>] {
        await ingest(parallel: batch, jobs: 1)
    }

    /// Like `ingest(batch:)`, verifying up to `jobs` files at once and committing up to `jobs`
    /// projects at once (verification is CPU-bound; commits wait on the store).
    public func ingest(parallel batch: [Candidate], jobs: Int) async -> [Result<IngestOutcome, IngestError>] {
        let jobs = max(1, jobs)
        var results = [Result<IngestOutcome, IngestError>?](repeating: nil, count: batch.count)
        var byProject: [String: [(index: Int, prepared: Prepared)]] = [:]

        let prepared = await concurrentMap(Array(batch.enumerated()), jobs: jobs) { item in
            // A large file starts on its way into the store (S3: the parts of a multipart upload,
            // invisible until completed) while it is verified; completed in `writeBytes` once it
            // passed, aborted otherwise.
            let early = await beginEarlyWrite(item.element)
            // Verification blocks its thread for as long as reading the archive takes: it runs
            // off the cooperative pool, which meanwhile sends the parts of an early write and
            // serves every other task (the pool has one thread per core).
            let result: Result<Prepared, IngestError> = await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    continuation.resume(returning: Result { () throws(IngestError) -> Prepared in try prepare(item.element) })
                }
            }
            switch result {
            case .success(var ready):
                ready.early = early
                return (item.offset, Result<Prepared, IngestError>.success(ready))
            case .failure(let error):
                await early?.write.abort()
                return (item.offset, .failure(error))
            }
        }
        for (index, result) in prepared {
            switch result {
            case .success(let p): byProject[p.inspected.project, default: []].append((index, p))
            case .failure(let error): results[index] = .failure(error)
            }
        }
        // Commits wait on the store (fsync, S3 round trips) more than on the CPU: run more at once.
        let groups = byProject.sorted { $0.key < $1.key }
        let committed = await concurrentMap(groups, jobs: jobs * 4) { group in
            (group.value.map(\.index), await commit(project: group.key, items: group.value.map(\.prepared)))
        }
        var newProject = false
        for (indices, (outcomes, created)) in committed {
            newProject = newProject || created
            for (index, outcome) in zip(indices, outcomes) { results[index] = outcome }
        }
        // The root list changes only when a project is new; written once per batch.
        if newProject {
            do {
                try await StaticExport(store: store).exportRoot()
            } catch {
                // The files are published (their records are written); only the static copy of
                // the project list is behind. The server does not read it.
                logger.error("static export of the project list failed", metadata: ["error": "\(error)"])
                for (index, result) in results.enumerated() {
                    if case .success(var outcome)? = result, outcome.status == .added {
                        outcome.warnings.append(Self.exportWarning("the project list"))
                        results[index] = .success(outcome)
                    }
                }
            }
        }
        return results.enumerated().map { index, result in
            result ?? .failure(.store(filename: batch[index].filename, underlying: "internal error: no result"))
        }
    }

    /// What an upload's answer says when its file is published but the static export (the
    /// pages a plain web server or S3 website would serve) could not be rewritten.
    static func exportWarning(_ page: String) -> String {
        "published, but the static export of \(page) failed (the cause is logged); `wheelhouse index rebuild` rewrites it"
    }

    struct Prepared: Sendable {
        var candidate: Candidate
        var digest: FileDigest
        var inspected: InspectedDistribution
        var metadataSHA256: String?
        /// The store write begun while the file was verified (`beginEarlyWrite`), under `key`.
        var early: EarlyWrite?
    }

    /// A write of a candidate's bytes begun before its verification ended.
    struct EarlyWrite: Sendable {
        var key: String
        var write: any PendingBlobWrite
    }

    /// Begins writing the candidate's bytes under the key its filename gives, when the store
    /// gains from overlapping the transfer with verification (`BlobStore.beginWrite`: S3 and a
    /// file above the multipart threshold). Nil otherwise, and on any failure (the bytes are
    /// then written after verification, as for every other store).
    func beginEarlyWrite(_ candidate: Candidate) async -> EarlyWrite? {
        guard let parsed = try? DistributionFilename(candidate.filename, projectHint: candidate.projectHint),
            let key = try? StorageLayout.fileKey(project: parsed.normalizedName, filename: candidate.filename)
        else { return nil }
        do {
            guard let write = try await store.beginWrite(key, contentsOf: candidate.file, contentType: StoredContentType.of(candidate.filename))
            else { return nil }
            return EarlyWrite(key: key, write: write)
        } catch {
            logger.debug("could not begin the upload early; writing after verification", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Files this large are hashed on another thread while they are verified.
    static let parallelDigestThreshold = 32 << 20

    func prepare(_ candidate: Candidate) throws(IngestError) -> Prepared {
        // The file's own digest and the archive verification each read the whole file: for a
        // large file they run side by side, on two cores.
        let background: DispatchGroup?
        let digestResult = Mutex<Result<FileDigest, any Error>?>(nil)
        let size = (try? FileManager.default.attributesOfItem(atPath: candidate.file.path)[.size] as? Int) ?? 0
        let md5 = Int64(size) <= FileRecord.md5SizeLimit  // what the record keeps
        if candidate.digest == nil, size >= Self.parallelDigestThreshold {
            let group = DispatchGroup()
            let file = candidate.file
            DispatchQueue.global().async(group: group) {
                let result = Result { try FileDigest.compute(file: file, md5: md5) }
                digestResult.withLock { $0 = result }
            }
            background = group
        } else {
            background = nil
        }
        let inspection = Result { () throws(IngestError) -> InspectedDistribution in
            try inspectDistribution(
                at: candidate.file, filename: candidate.filename, projectHint: candidate.projectHint, limits: limits,
                checkTags: candidate.mirror == nil)
        }
        background?.wait()

        let digest: FileDigest
        do {
            if let known = candidate.digest {
                digest = known
            } else if let computed = digestResult.withLock({ $0 }) {
                digest = try computed.get()
            } else {
                digest = try FileDigest.compute(file: candidate.file, md5: md5)
            }
        } catch {
            throw .invalidArchive(filename: candidate.filename, reason: "cannot read the file: \(error)")
        }
        var inspected = try inspection.get()
        do {
            _ = try StorageLayout.metadataKey(project: inspected.project, filename: candidate.filename)
        } catch {
            throw .invalidFilename(filename: candidate.filename, reason: "it cannot be stored: \(error)")
        }
        if let metadata = candidate.mirror?.metadata, inspected.packageType == "bdist_wheel" { inspected.metadata = metadata }
        if let name = candidate.formName, ProjectName.normalize(name) != inspected.project {
            throw .formMismatch(
                filename: candidate.filename,
                reason: "the form field name '\(name)' does not match the file's project '\(inspected.project)'")
        }
        if let version = candidate.formVersion, (try? Version(version))?.description != inspected.version {
            throw .formMismatch(
                filename: candidate.filename,
                reason: "the form field version '\(version)' does not match the file's version '\(inspected.version)'")
        }
        let metadataSHA256 = inspected.metadata.map { SHA256.hash(data: $0).hexString }
        return Prepared(candidate: candidate, digest: digest, inspected: inspected, metadataSHA256: metadataSHA256)
    }

    /// Writes one project's files and record; returns the outcomes and whether the record is new.
    func commit(project: String, items: [Prepared]) async -> ([Result<IngestOutcome, IngestError>], Bool) {
        let records = ProjectRecords(store: store)
        var results = [Result<IngestOutcome, IngestError>?](repeating: nil, count: items.count)
        var pending: [(Int, Prepared, FileRecord)] = []
        /// Items whose bytes this ingest wrote (not adopted): removed again if the record update fails.
        var wrote: Set<Int> = []

        // Refuse conflicts against the current record before writing anything.
        let existing: ProjectRecord?
        do {
            existing = try await records.load(project)?.record
        } catch {
            for item in items { await item.early?.write.abort() }
            return (items.map { .failure(.store(filename: $0.candidate.filename, underlying: "\(error)")) }, false)
        }
        var seen: [String: String] = [:]
        for (index, item) in items.enumerated() {
            let filename = item.candidate.filename
            // PEP 792: archived and quarantined projects take no new upload (a mirror fetch is no upload).
            if let status = existing?.status, !status.acceptsUploads, item.candidate.mirror == nil {
                results[index] = .failure(.projectClosed(filename: filename, project: project, status: status))
                continue
            }
            if let known = existing?.files.first(where: { $0.filename == filename }) {
                await item.early?.write.abort()
                results[index] =
                    known.sha256 == item.digest.sha256
                    ? .success(outcome(item, .unchanged))
                    : .failure(.conflict(filename: filename, existingSHA256: known.sha256, newSHA256: item.digest.sha256))
                continue
            }
            if let earlier = seen[filename] {
                await item.early?.write.abort()
                results[index] =
                    earlier == item.digest.sha256
                    ? .success(outcome(item, .unchanged))
                    : .failure(.conflict(filename: filename, existingSHA256: earlier, newSHA256: item.digest.sha256))
                continue
            }
            seen[filename] = item.digest.sha256
            do {
                if try await writeBytes(project: project, item) { wrote.insert(index) }
                pending.append((index, item, fileRecord(item)))
            } catch {
                results[index] = .failure(error)
            }
        }

        var created = false
        if !pending.isEmpty {
            do {
                var rejected: [Int: IngestError] = [:]
                let update = try await records.update(project) { current in
                    rejected = [:]
                    var record = current ?? ProjectRecord(name: project, displayName: pending[0].1.inspected.displayName)
                    for (index, item, file) in pending {
                        // The status may have changed since the record was first read.
                        if !record.status.acceptsUploads, item.candidate.mirror == nil {
                            rejected[index] = .projectClosed(filename: item.candidate.filename, project: project, status: record.status)
                            continue
                        }
                        do {
                            record = try record.adding(file)
                        } catch {
                            rejected[index] = recordConflict(item, error)
                        }
                    }
                    return record
                }
                var addedHere: Set<String> = []
                if case .written(let old, _, _) = update {
                    created = old == nil
                    // Files another writer listed meanwhile are that writer's to announce.
                    addedHere = Set(pending.map(\.2.filename)).filter { old?.file(named: $0) == nil }
                }
                for (index, item, _) in pending {
                    results[index] = rejected[index].map { .failure($0) } ?? .success(outcome(item, .added))
                }
                onChange(project)
                // Files cached from an upstream index (the mirror) are not uploads: no event.
                for (index, item, file) in pending
                where rejected[index] == nil && addedHere.contains(file.filename) && item.candidate.mirror == nil {
                    events.emit(StoreEvent(type: .upload, store: store.displayName, project: project, version: file.version, files: [.init(file)]))
                }
                do {
                    try await StaticExport(store: store).exportProject(project)
                } catch {
                    // Published all the same: only the static copy of the page is behind.
                    logger.error("static export failed", metadata: ["project": "\(project)", "error": "\(error)"])
                    for (index, _, _) in pending {
                        if case .success(var published)? = results[index] {
                            published.warnings.append(Self.exportWarning("/simple/\(project)/"))
                            results[index] = .success(published)
                        }
                    }
                }
            } catch {
                for (index, item, _) in pending where results[index] == nil {
                    results[index] = .failure(.store(filename: item.candidate.filename, underlying: "\(error)"))
                    if wrote.contains(index) { await removeUnpublished(project: project, item) }
                }
            }
        }
        let outcomes = results.enumerated().map { index, result in
            result ?? .failure(.store(filename: items[index].candidate.filename, underlying: "internal error: no result"))
        }
        return (outcomes, created)
    }

    /// Steps 1 and 2: bytes (never replaced) and metadata. Returns true when this call wrote the
    /// bytes, false when it adopted identical ones already there. When the metadata cannot be
    /// written, bytes it wrote are removed again before it throws.
    func writeBytes(project: String, _ item: Prepared) async throws(IngestError) -> Bool {
        let filename = item.candidate.filename
        var wroteBytes = false
        do {
            let fileKey: String
            do {
                fileKey = try StorageLayout.fileKey(project: project, filename: filename)
            } catch {
                await item.early?.write.abort()
                throw error
            }
            do {
                if let early = item.early, early.key == fileKey {
                    // Verified: the parts already sent become the object (a failed commit is aborted).
                    try await early.write.commit(condition: .ifAbsent)
                } else {
                    await item.early?.write.abort()
                    try await store.write(
                        fileKey, contentsOf: item.candidate.file, contentType: StoredContentType.of(filename), condition: .ifAbsent)
                }
                wroteBytes = true
            } catch BlobStoreError.preconditionFailed {
                // Bytes already there but not in the record we read: a concurrent upload of the
                // same file, or a crash before its record was written. Adopt identical bytes only.
                let stored = try await store.digest(of: fileKey).sha256
                guard stored == item.digest.sha256 else {
                    throw IngestError.conflict(filename: filename, existingSHA256: stored, newSHA256: item.digest.sha256)
                }
            }
            if let metadata = item.inspected.metadata {
                try await store.write(
                    try StorageLayout.metadataKey(project: project, filename: filename),
                    data: Data(metadata), contentType: StoredContentType.metadata, condition: .none)
            }
            if let provenance = item.candidate.provenance {
                try await store.write(
                    try StorageLayout.provenanceKey(project: project, filename: filename),
                    data: Data(provenance), contentType: StoredContentType.provenance, condition: .none)
            }
            return wroteBytes
        } catch let error as IngestError {
            throw error
        } catch {
            if wroteBytes { await removeUnpublished(project: project, item) }
            throw .store(filename: filename, underlying: "\(error)")
        }
    }

    /// Removes the bytes and metadata a failed ingest wrote, so that they neither stay behind as
    /// an orphan nor block a later upload of that filename with other bytes (issue 13).
    ///
    /// A concurrent upload of the identical file may have adopted these bytes and listed them:
    /// then nothing is removed, and if that happens between the check and the removal, the
    /// bytes (identical, from our own copy) are written back.
    func removeUnpublished(project: String, _ item: Prepared) async {
        let filename = item.candidate.filename
        guard let fileKey = try? StorageLayout.fileKey(project: project, filename: filename),
            let metadataKey = try? StorageLayout.metadataKey(project: project, filename: filename)
        else { return }
        let records = ProjectRecords(store: store)
        // Nil when the record cannot be read: then nothing is removed.
        func listed() async -> Bool? {
            do {
                return try await records.load(project)?.record.files.contains { $0.filename == filename } ?? false
            } catch {
                return nil
            }
        }
        guard await listed() == false else { return }
        if item.candidate.provenance != nil, let provenanceKey = try? StorageLayout.provenanceKey(project: project, filename: filename) {
            try? await store.delete(provenanceKey)
        }
        try? await store.delete(metadataKey)
        try? await store.delete(fileKey)
        if await listed() == true {
            _ = try? await store.write(
                fileKey, contentsOf: item.candidate.file, contentType: StoredContentType.of(filename), condition: .ifAbsent)
            if let metadata = item.inspected.metadata {
                _ = try? await store.write(
                    metadataKey, data: Data(metadata), contentType: StoredContentType.metadata, condition: .none)
            }
        }
    }

    func fileRecord(_ item: Prepared) -> FileRecord {
        FileRecord(
            filename: item.candidate.filename,
            version: item.inspected.version,
            packageType: item.inspected.packageType,
            sha256: item.digest.sha256,
            size: item.digest.size,
            uploadTime: item.candidate.mirror?.uploadTime ?? now(),
            requiresPython: item.inspected.requiresPython,
            metadataSha256: item.metadataSHA256,
            yanked: item.candidate.mirror?.isYanked ?? false,
            yankedReason: item.candidate.mirror?.yankReason,
            pythonTag: item.inspected.pythonTag,
            origin: item.candidate.mirror?.origin,
            provenanceSha256: item.candidate.provenance.map { SHA256.hash(data: $0).hexString },
            md5: item.digest.md5
        )
    }

    func outcome(_ item: Prepared, _ status: IngestOutcome.Status) -> IngestOutcome {
        IngestOutcome(
            status: status, project: item.inspected.project, filename: item.candidate.filename,
            version: item.inspected.version, sha256: item.digest.sha256, size: item.digest.size,
            warnings: item.inspected.warnings)
    }

    func recordConflict(_ item: Prepared, _ error: any Error) -> IngestError {
        if let error = error as? RecordError, case .conflict(_, let existing, let new) = error {
            return .conflict(filename: item.candidate.filename, existingSHA256: existing, newSHA256: new)
        }
        return .store(filename: item.candidate.filename, underlying: "\(error)")
    }
}
