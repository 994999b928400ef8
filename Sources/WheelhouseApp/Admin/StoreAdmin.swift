import Crypto
import Foundation
import WheelhouseArchive
import WheelhouseCore
import WheelhouseStorage

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

    // MARK: rebuild

    public struct RebuildReport: Sendable, Codable {
        public var projects = 0
        public var files = 0
        public var refused: [String: String] = [:]  // key → reason
        public var removedRecords: [String] = []
    }

    /// Recreates every record and the static export from `packages/` alone. Upload times and
    /// yank marks of files that an existing record already knew are kept.
    public func rebuild(progress: @Sendable (String) -> Void = { _ in }) async throws -> RebuildReport {
        var report = RebuildReport()
        var byProject: [String: [BlobInfo]] = [:]
        for info in try await store.list(prefix: StorageLayout.packagesPrefix) {
            guard let (project, filename) = StorageLayout.parseFileKey(info.key), !filename.hasSuffix(".metadata") else { continue }
            byProject[project, default: []].append(info)
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("wheelhouse-rebuild-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }

        for (project, infos) in byProject.sorted(by: { $0.key < $1.key }) {
            progress("rebuilding \(project) (\(infos.count) files)")
            let previous = try? await records.load(project)?.record
            var files: [FileRecord] = []
            var displayName = previous?.displayName
            for info in infos {
                guard let (_, filename) = StorageLayout.parseFileKey(info.key) else { continue }
                let local = scratch.appendingPathComponent(filename)
                defer { try? FileManager.default.removeItem(at: local) }
                do {
                    try await store.download(info.key, to: local)
                    let digest = try FileDigest.compute(file: local)
                    let inspected = try inspectDistribution(at: local, filename: filename, projectHint: project, limits: limits)
                    guard inspected.project == project else {
                        report.refused[info.key] = "belongs to project '\(inspected.project)', not '\(project)'"
                        continue
                    }
                    var metadataSHA: String?
                    if let metadata = inspected.metadata {
                        try await store.write(
                            try StorageLayout.metadataKey(project: project, filename: filename), data: Data(metadata),
                            contentType: "text/plain; charset=utf-8", condition: .none)
                        metadataSHA = SHA256.hash(data: metadata).hexString
                    }
                    let old = previous?.files.first { $0.filename == filename && $0.sha256 == digest.sha256 }
                    displayName = displayName ?? inspected.displayName
                    files.append(
                        FileRecord(
                            filename: filename, version: inspected.version, packageType: inspected.packageType,
                            sha256: digest.sha256, size: digest.size, uploadTime: old?.uploadTime ?? info.lastModified ?? Date(),
                            requiresPython: inspected.requiresPython, metadataSha256: metadataSHA,
                            yanked: old?.yanked ?? false, yankedReason: old?.yankedReason, pythonTag: inspected.pythonTag))
                } catch {
                    report.refused[info.key] = "\(error)"
                }
            }
            let rebuilt = try files.reduce(ProjectRecord(name: project, displayName: displayName ?? project)) { try $0.adding($1) }
            if files.isEmpty {
                try await store.delete(try StorageLayout.recordKey(project: project))
            } else {
                _ = try await records.update(project) { _ in rebuilt }
                report.projects += 1
                report.files += files.count
            }
            try await StaticExport(store: store).exportProject(project)
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

    // MARK: verify

    public struct Problem: Sendable, Codable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable, Codable {
            case corruptRecord = "corrupt-record"
            case missingFile = "missing-file"
            case sizeMismatch = "size-mismatch"
            case hashMismatch = "hash-mismatch"
            case missingMetadata = "missing-metadata"
            case metadataHashMismatch = "metadata-hash-mismatch"
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
    /// record lists (orphans, e.g. left by an interrupted upload).
    public func verify(progress: @Sendable (String) -> Void = { _ in }) async throws -> VerifyReport {
        var report = VerifyReport()
        var listed = Set<String>()
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
            progress("verifying \(project) (\(record.files.count) files)")
            for file in record.files {
                report.files += 1
                let key = try StorageLayout.fileKey(project: project, filename: file.filename)
                listed.insert(key)
                guard let info = try await store.head(key) else {
                    report.problems.append(.init(kind: .missingFile, key: key, detail: "listed in the record but not in the store"))
                    continue
                }
                if info.size != file.size {
                    report.problems.append(.init(kind: .sizeMismatch, key: key, detail: "record says \(file.size) bytes, store has \(info.size)"))
                }
                let actual = try await store.sha256(of: key)
                report.bytes += info.size
                if actual != file.sha256 {
                    report.problems.append(.init(kind: .hashMismatch, key: key, detail: "record says sha256 \(file.sha256), bytes hash to \(actual)"))
                }
                if let metadataSHA = file.metadataSha256 {
                    let metaKey = try StorageLayout.metadataKey(project: project, filename: file.filename)
                    listed.insert(metaKey)
                    if try await store.head(metaKey) == nil {
                        report.problems.append(.init(kind: .missingMetadata, key: metaKey, detail: "the record lists core metadata but the .metadata file is missing"))
                    } else {
                        let metaActual = try await store.sha256(of: metaKey)
                        if metaActual != metadataSHA {
                            report.problems.append(.init(kind: .metadataHashMismatch, key: metaKey, detail: "record says sha256 \(metadataSHA), bytes hash to \(metaActual)"))
                        }
                    }
                } else if file.packageType == "bdist_wheel" {
                    report.problems.append(.init(kind: .missingMetadata, key: key, detail: "the record has no core metadata for this wheel"))
                }
            }
        }
        for info in try await store.list(prefix: StorageLayout.packagesPrefix) where !listed.contains(info.key) {
            report.problems.append(.init(kind: .orphan, key: info.key, detail: "in the store but in no project record (\(info.size) bytes)"))
        }
        return report
    }
}
