import Foundation
public import WheelhouseCore
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
    /// PEP 792: the wheels of quarantined projects are left out (`loadWithStatus` tells them).
    public func load() async throws -> [StoreWheel] {
        try await loadWithStatus().wheels
    }

    /// The wheels of every project that is not quarantined, and the wheels of the quarantined
    /// projects apart, with each one's status.
    public func loadWithStatus() async throws -> (wheels: [StoreWheel], quarantined: [String: (ProjectStatus, [StoreWheel])]) {
        let records = ProjectRecords(store: store)
        let names = try await records.projectNames()
        let loaded = try await concurrentMap(names, jobs: 8) { name in try await self.wheels(of: name, records: records) }
        var wheels: [StoreWheel] = []
        var quarantined: [String: (ProjectStatus, [StoreWheel])] = [:]
        for (name, (status, projectWheels)) in zip(names, loaded) {
            if status.servesFiles { wheels += projectWheels } else { quarantined[name] = (status, projectWheels) }
        }
        return (wheels.sorted { ($0.project, $0.filename) < ($1.project, $1.filename) }, quarantined)
    }

    /// Selects with `selector` from the wheels of projects that are not quarantined. When the
    /// selection fails, or comes out empty, and would succeed with a quarantined project's wheels,
    /// the error names that project: a manifest never selects a quarantined project (PEP 792).
    public func select(with selector: any ManifestSelector) async throws -> ManifestSelection {
        let (wheels, quarantined) = try await loadWithStatus()
        let refusal = { () -> ManifestError? in
            guard !quarantined.isEmpty else { return nil }
            let everything = wheels + quarantined.values.flatMap(\.1)
            guard let wider = try? selector.select(from: everything) else { return nil }
            let needed = Set(wider.wheels.map(\.project)).intersection(quarantined.keys).sorted()
            guard !needed.isEmpty else { return nil }
            return .quarantined(needed.map { name in "\(name) (quarantined" + (quarantined[name]?.0.reason.map { ": \($0)" } ?? "") + ")" })
        }
        var selection: ManifestSelection
        do {
            selection = try selector.select(from: wheels)
        } catch {
            throw refusal() ?? error
        }
        if selection.wheels.isEmpty, let refused = refusal() { throw refused }
        for name in quarantined.keys.sorted() {
            selection.notes.append("\(name) is quarantined (PEP 792) and was not considered")
        }
        return selection
    }

    private func wheels(of project: String, records: ProjectRecords) async throws -> (ProjectStatus, [StoreWheel]) {
        guard let (record, _) = try await records.load(project) else { return (.active, []) }
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
        return (record.status, out)
    }
}
