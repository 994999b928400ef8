import Crypto
public import Foundation
import WheelhouseCore
public import WheelhouseStorage

/// Makes target stores identical to a source store (DESIGN.md §5), from any store to any store.
///
/// **Order.** Per project: the file bytes (streamed, sha256-checked against the source record
/// before they become visible, written put-if-absent), then their `.metadata`, then the project
/// record (the source's bytes, compare-and-swap on the target's record etag), then the static
/// page `simple/{project}/index.html`; the root list `simple/index.html` last. A replica never
/// lists a file it does not hold, whenever the run stops.
///
/// **Cheap no-change runs.** Each target keeps a checkpoint, `_wheelhouse/replication/<id>.json`
/// (`id` names the source), mapping project → the source record etag last replicated. A run
/// lists the source's `_wheelhouse/projects/` once (the listing carries the etags), reads the
/// checkpoint, and touches only the projects whose etag differs: its cost grows with the changed
/// projects, not with the files. The checkpoint is written after the records it describes, so a
/// run killed at any point redoes at most the projects it had not checkpointed; those whose
/// target record already equals the source's cost two record reads and a rewrite of the page.
/// The checkpoint only saves work: a missing or stale one makes a run compare more projects,
/// never skip one whose record differs. (It assumes the targets are written only by
/// replication; `verify` does not trust it.)
///
/// **Rules.** The source is authoritative for records: yanks and every other record change
/// propagate. A file at the target under the same key but with other bytes is a conflict: it is
/// reported, never overwritten, and that project's record is not replicated until it is
/// resolved. Objects that exist only at the target (files dropped from a source record, projects
/// gone from the source) are deleted only with `deleteExtraneous` (`--delete`), after the record
/// that listed them and the page that showed them. Tokens and other `_wheelhouse/` state are
/// not replicated.
///
/// **Concurrency.** Two replicators on the same pair are safe: bytes are written put-if-absent
/// (identical bytes from the other writer are accepted after hashing them), a record is written
/// only with `If-Match` on the target record read earlier and after checking that the source
/// record has not changed since it was read (so a slower worker never puts back an older
/// record), and the checkpoint is merged and written with compare-and-swap.
public struct Replicator: Sendable {
    public let source: any BlobStore
    /// Names the source in the targets' checkpoint keys.
    public let sourceID: String
    /// Copies (and hashes, when verifying) at most this many objects at once.
    public var jobs: Int
    /// Delete what exists only at the target (`--delete`).
    public var deleteExtraneous: Bool
    /// Where files larger than `memoryLimit` are spooled while their sha256 is checked.
    public var spoolDirectory: URL
    /// Files up to this size are held in memory between the source and the target.
    public var memoryLimit: Int64 = 1 << 20
    /// Attempts per project when its source record keeps changing under the copy.
    public var maxAttempts = 5

    public init(
        source: any BlobStore, jobs: Int = 8, deleteExtraneous: Bool = false,
        spoolDirectory: URL = FileManager.default.temporaryDirectory
    ) {
        self.source = source
        self.sourceID = Self.sourceID(for: source.displayName)
        self.jobs = max(1, jobs)
        self.deleteExtraneous = deleteExtraneous
        self.spoolDirectory = spoolDirectory
    }

    /// A short stable id of a store name: the first 16 hex digits of its sha256.
    static func sourceID(for displayName: String) -> String {
        String(SHA256.hash(data: Data(displayName.utf8)).hexString.prefix(16))
    }

    /// Replicates the source to `target` once. Never throws for one project's trouble: conflicts
    /// and failures are in the report (and passed to `progress` as they happen). Throws when the
    /// source or target cannot be listed or the checkpoint cannot be read.
    public func replicate(
        to target: any BlobStore, progress: @escaping @Sendable (ProjectReplication) -> Void = { _ in }
    ) async throws -> ReplicationReport {
        let started = ContinuousClock.now
        var report = ReplicationReport(target: target.displayName)
        let checkpoints = CheckpointStore(store: target, sourceID: sourceID, sourceName: source.displayName)
        let checkpoint = try await checkpoints.load()

        var sourceEtags: [String: String] = [:]
        for info in try await source.list(prefix: StorageLayout.recordsPrefix) {
            if let project = StorageLayout.parseRecordKey(info.key) { sourceEtags[project] = info.etag }
        }
        report.projectsChecked = sourceEtags.count
        let plan = ReplicationPlan(sourceEtags: sourceEtags, checkpoint: checkpoint.projects, deleteExtraneous: deleteExtraneous)
        let gone: [String]
        if deleteExtraneous {
            let targetProjects = try await target.list(prefix: StorageLayout.recordsPrefix).compactMap { StorageLayout.parseRecordKey($0.key) }
            gone = plan.goneProjects(targetProjects: targetProjects)
        } else {
            gone = []
        }

        let limit = ConcurrencyLimit(jobs)
        let results = await concurrentMap(plan.changedProjects, jobs: jobs) { project in
            let result = await replicateProject(project, to: target, limit: limit)
            progress(result)
            return result
        }
        // Removal: records first, then the root list, then pages and files, so nothing listed
        // is ever missing.
        var removed: [ProjectReplication] = []
        for project in gone {
            removed.append(await removeRecord(of: project, from: target))
        }

        for result in results { report.add(result) }
        let record = plan.record(outcomes: results.map { ($0.project, $0.planOutcome) }, gone: gone)
        var updates = record.updates
        if record.rootListChanged {
            do {
                try await StaticExport(store: target).exportRoot()
            } catch {
                report.failures.append("simple/index.html: the root list could not be written: \(error)")
                updates = [:]  // checkpoint nothing: the next run redoes these projects and the list
                removed = removed.map { removal in
                    var result = removal
                    result.status = .failed
                    result.details = ["the record was removed, the page and files are left for the next run"]
                    return result
                }
            }
        }
        for var result in removed {
            if result.status == .removed { await removeContents(of: result.project, from: target, result: &result) }
            if result.status == .removed { updates[result.project] = .some(nil) }
            progress(result)
            report.add(result)
        }
        if !updates.isEmpty { try await checkpoints.merge(updates) }
        report.seconds = Self.seconds(ContinuousClock.now - started)
        return report
    }

    // MARK: One project

    /// Brings one project at the target up to the source record; see the type's documentation.
    func replicateProject(_ project: String, to target: any BlobStore, limit: ConcurrencyLimit) async -> ProjectReplication {
        var result = ProjectReplication(project: project, status: .upToDate)
        do {
            let recordKey = try StorageLayout.recordKey(project: project)
            for _ in 0..<maxAttempts {
                guard let (sourceData, sourceInfo) = try await source.read(recordKey) else {
                    result.status = .vanished
                    return result
                }
                result.sourceEtag = sourceInfo.etag
                let record = try ProjectRecord.decode(sourceData)
                let current = try await target.read(recordKey)
                if let current, current.data == sourceData {
                    try await finish(project, at: target, record: record, result: &result)
                    return result
                }
                let targetRecord = current.flatMap { try? ProjectRecord.decode($0.data) }
                let listed = Set(record.files.map(\.filename))
                result.filesDropped = targetRecord?.files.filter { !listed.contains($0.filename) }.count ?? 0

                let copies = try await copyFiles(of: record, listedAt: targetRecord, to: target, limit: limit)
                result.objectsCopied += copies.objects
                result.bytesCopied += copies.bytes
                guard copies.conflicts.isEmpty else {
                    result.status = .conflict
                    result.details = copies.conflicts
                    return result
                }

                // A source record that changed since it was read may be older than what another
                // worker wrote meanwhile: start over rather than put back an older record.
                guard try await source.head(recordKey)?.etag == sourceInfo.etag else { continue }
                do {
                    try await target.write(
                        recordKey, data: sourceData, contentType: "application/json",
                        condition: current.map { WriteCondition.ifMatch($0.info.etag) } ?? .ifAbsent)
                } catch BlobStoreError.preconditionFailed {
                    continue
                }
                result.status = .copied
                result.objectsCopied += 1
                result.bytesCopied += Int64(sourceData.count)
                try await finish(project, at: target, record: record, result: &result)
                return result
            }
            result.status = .failed
            result.details = ["the source record changed \(maxAttempts) times while it was being copied; the next run retries"]
        } catch {
            result.status = .failed
            result.details = ["\(error)"]
        }
        return result
    }

    /// After the record: the static page, then (with `--delete`) the objects the record no
    /// longer lists, so the page never names a deleted file.
    private func finish(_ project: String, at target: any BlobStore, record: ProjectRecord, result: inout ProjectReplication) async throws {
        try await StaticExport(store: target).exportProject(project)
        guard deleteExtraneous else { return }
        var keep = Set<String>()
        for file in record.files {
            keep.insert(try StorageLayout.fileKey(project: project, filename: file.filename))
            keep.insert(try StorageLayout.metadataKey(project: project, filename: file.filename))
            keep.insert(try StorageLayout.provenanceKey(project: project, filename: file.filename))
        }
        for info in try await target.list(prefix: StorageLayout.packagesPrefix + project + "/") where !keep.contains(info.key) {
            try await target.delete(info.key)
            result.objectsDeleted += 1
        }
    }

    /// `--delete`, first step for a project that no longer has a record at the source.
    func removeRecord(of project: String, from target: any BlobStore) async -> ProjectReplication {
        var result = ProjectReplication(project: project, status: .removed)
        do {
            try await target.delete(try StorageLayout.recordKey(project: project))
            result.objectsDeleted += 1
        } catch {
            result.status = .failed
            result.details = ["\(error)"]
        }
        return result
    }

    /// `--delete`, after the root list no longer names the project: its page and files.
    func removeContents(of project: String, from target: any BlobStore, result: inout ProjectReplication) async {
        do {
            try await target.delete(try StorageLayout.exportProjectKey(project: project))
            result.objectsDeleted += 1
            for info in try await target.list(prefix: StorageLayout.packagesPrefix + project + "/") {
                try await target.delete(info.key)
                result.objectsDeleted += 1
            }
        } catch {
            result.status = .failed
            result.details = ["\(error)"]
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

extension ProjectReplication {
    /// What the checkpoint makes of this result.
    var planOutcome: ReplicationPlan.Outcome {
        switch status {
        case .copied, .upToDate:
            sourceEtag.map { .replicated(sourceEtag: $0, filesDropped: filesDropped) } ?? .unfinished
        case .vanished:
            .vanished
        case .conflict, .failed, .removed:
            .unfinished
        }
    }
}
