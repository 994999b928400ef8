import Foundation
import WheelhouseCore
public import WheelhouseStorage

/// One way a target differs from the source.
public struct ReplicationDifference: Sendable, Codable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable {
        case missingRecord = "missing-record"
        case recordMismatch = "record-mismatch"
        case extraRecord = "extra-record"
        case missingFile = "missing-file"
        case sizeMismatch = "size-mismatch"
        case hashMismatch = "hash-mismatch"
        case missingMetadata = "missing-metadata"
        case metadataHashMismatch = "metadata-hash-mismatch"
        case missingProvenance = "missing-provenance"
        case provenanceHashMismatch = "provenance-hash-mismatch"
        case extraFile = "extra-file"
        case stalePage = "stale-page"
    }
    public var kind: Kind
    public var key: String
    public var detail: String
    public var description: String { "\(kind.rawValue): \(key): \(detail)" }
}

/// The result of comparing one target with the source.
public struct ReplicationVerifyReport: Sendable, Codable, Equatable {
    public var target: String
    public var projects = 0
    public var files = 0
    /// Bytes read and hashed at the target.
    public var bytes: Int64 = 0
    public var differences: [ReplicationDifference] = []
}

extension Replicator {
    /// Compares `target` with the source: every record (as decoded), every file the source
    /// records list (size, and sha256 of the target's bytes, streamed), every metadata file, the
    /// static pages and root list (against what the source records render to), and objects
    /// that exist only at the target. The checkpoint plays no part.
    public func verify(target: any BlobStore, progress: @escaping @Sendable (String) -> Void = { _ in }) async throws -> ReplicationVerifyReport {
        var report = ReplicationVerifyReport(target: target.displayName)
        let sourceProjects = try await ProjectRecords(store: source).projectNames()
        let targetProjects = Set(try await ProjectRecords(store: target).projectNames())
        var expectedObjects = Set<String>()
        let checker = StoredFileCheck(store: target, jobs: jobs)

        for project in sourceProjects {
            let recordKey = try StorageLayout.recordKey(project: project)
            guard let (data, _) = try await source.read(recordKey) else { continue }
            let record = try ProjectRecord.decode(data)
            report.projects += 1
            progress("verifying \(project) (\(record.files.count) files) at \(target.displayName)")
            if let (targetData, _) = try await target.read(recordKey) {
                if (try? ProjectRecord.decode(targetData)) != record {
                    report.differences.append(.init(kind: .recordMismatch, key: recordKey, detail: "the target's record differs from the source's"))
                }
            } else {
                report.differences.append(.init(kind: .missingRecord, key: recordKey, detail: "the project is at the source but has no record at the target"))
            }
            let pageKey = try StorageLayout.exportProjectKey(project: project)
            let page = Data(PageRendering.render(record, format: .htmlV1))
            if try await target.read(pageKey)?.data != page {
                report.differences.append(.init(kind: .stalePage, key: pageKey, detail: "the static page is missing or does not show the source's record"))
            }
            expectedObjects.formUnion(try StoredFileCheck.expectedKeys(of: record, project: project))
            let checked = try await checker.check(record, project: project)
            report.files += record.files.count
            report.bytes += checked.bytes
            report.differences += checked.findings.map { finding in
                ReplicationDifference(
                    kind: ReplicationDifference.Kind(finding.kind), key: finding.key,
                    detail: finding.detail(record: "the source", store: "the target"))
            }
        }
        for project in targetProjects.subtracting(sourceProjects).sorted() {
            report.differences.append(
                .init(kind: .extraRecord, key: try StorageLayout.recordKey(project: project), detail: "the project is at the target but not at the source"))
        }
        let root = Data(PageRendering.renderRoot(sourceProjects, format: .htmlV1))
        if try await target.read(StorageLayout.exportRootKey)?.data != root {
            report.differences.append(
                .init(kind: .stalePage, key: StorageLayout.exportRootKey, detail: "the root list is missing or does not list the source's projects"))
        }
        for info in try await target.list(prefix: StorageLayout.packagesPrefix) where !expectedObjects.contains(info.key) {
            report.differences.append(.init(kind: .extraFile, key: info.key, detail: "at the target but in no source record (\(info.size) bytes)"))
        }
        return report
    }
}

extension ReplicationDifference.Kind {
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
