import Foundation
import WheelhouseCore
public import WheelhouseStorage

/// One wheel in the store that a manifest may name: its record entry and the `Requires-Dist`
/// of its core metadata.
public struct StoreWheel: Sendable, Hashable {
    /// The PEP 503 normalized project name (the `{project}` of its key).
    public var project: String
    public var filename: String
    /// The PEP 440 version string the record keeps.
    public var version: String
    public var requiresPython: String?
    /// The `Requires-Dist` lines of its `.metadata`, unparsed.
    public var requiresDist: [String]
    /// PEP 592: chosen only when a requirement pins its version with `==`.
    public var yanked: Bool
    /// The file's sha256 (hex) and size as the project record has them.
    public var sha256: String?
    public var size: Int64?

    public init(
        project: String, filename: String, version: String, requiresPython: String?, requiresDist: [String], yanked: Bool = false,
        sha256: String? = nil, size: Int64? = nil
    ) {
        self.project = project
        self.filename = filename
        self.version = version
        self.requiresPython = requiresPython
        self.requiresDist = requiresDist
        self.yanked = yanked
        self.sha256 = sha256
        self.size = size
    }

    /// `packages/{project}/{filename}`.
    public var key: String { StorageLayout.packagesPrefix + project + "/" + filename }
}

/// Reads what a manifest selects from: every wheel the project records list (sdists cannot be
/// installed by Glue without a build), yanked ones marked, with each wheel's dependencies from
/// its PEP 658 `.metadata`.
public struct ManifestCandidates: Sendable {
    public let store: any BlobStore

    public init(store: any BlobStore) {
        self.store = store
    }

    /// The wheels of every project, sorted by project then filename. Project records are
    /// read in parallel; a wheel whose `.metadata` is missing is an error (the store is
    /// inconsistent: `wheelhouse index rebuild` repairs it), not a wheel without dependencies.
    public func load() async throws -> [StoreWheel] {
        let records = ProjectRecords(store: store)
        let names = try await records.projectNames()
        let wheels = try await concurrentMap(names, jobs: 8) { name in try await self.wheels(of: name, records: records) }.flatMap { $0 }
        return wheels.sorted { ($0.project, $0.filename) < ($1.project, $1.filename) }
    }

    private func wheels(of project: String, records: ProjectRecords) async throws -> [StoreWheel] {
        guard let (record, _) = try await records.load(project) else { return [] }
        var out: [StoreWheel] = []
        for file in record.files where file.filename.hasSuffix(".whl") {
            let key = try StorageLayout.metadataKey(project: project, filename: file.filename)
            guard let (data, _) = try await store.read(key) else {
                throw ManifestError.missingMetadata(project: project, filename: file.filename)
            }
            let metadata = CoreMetadata.parse(Array(data))
            out.append(
                StoreWheel(
                    project: project, filename: file.filename, version: file.version,
                    requiresPython: file.requiresPython ?? metadata.usableRequiresPython,
                    requiresDist: metadata.values("Requires-Dist"), yanked: file.yanked, sha256: file.sha256, size: file.size))
        }
        return out
    }
}
