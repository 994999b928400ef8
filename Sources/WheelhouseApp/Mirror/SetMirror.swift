public import Foundation
import WheelhouseArchive
public import WheelhouseCore
public import WheelhouseStorage

/// `wheelhouse mirror`: resolves a requirement set's dependency closure for a target runtime
/// against upstream indexes with the project's own `Resolver` (the one `manifest publish` uses),
/// then fetches every selected wheel that the store does not have, checks it against the
/// upstream's sha256 and ingests it as mirrored — so `manifest publish` with the same
/// requirements selects exactly this set.
///
/// Candidates, per project:
/// - a project **hosted** in the store (any file uploaded, not mirrored) is taken from the store
///   alone, whatever the upstreams have (dependency confusion);
/// - any other project from the first upstream that knows it, files younger than `minAge` or
///   without an upload time hidden (fail closed).
/// Dependencies come from PEP 658 metadata when the upstream advertises it, else from the wheel
/// itself (downloaded once, reused when selected). Metadata is read for the newest few
/// compatible versions of each project first; when no consistent set exists among those, more
/// versions are read, until the resolution succeeds or every version has been considered.
public struct SetMirror: Sendable {
    public var store: any BlobStore
    public var upstreams: [UpstreamIndex]
    public var target: TargetEnvironment
    public var installed: InstalledSet?
    public var roots: [Requirement]
    /// pip-style constraints: other versions of these projects are not candidates.
    public var constraints: [Requirement] = []
    /// Hash-checking from a hashed requirements file: the selected wheel must have one of these.
    public var allowedSHA256: [String: Set<String>] = [:]
    public var minAge: Duration?
    public var minAgeExempt: Set<String> = []
    public var jobs = 8
    public var now: @Sendable () -> Date = { Date() }
    /// Progress lines for a terminal (fetches as they finish).
    public var progress: @Sendable (String) -> Void = { _ in }
    /// Versions whose metadata is read at first, per project.
    public var initialDepth = 3

    public init(store: any BlobStore, upstreams: [UpstreamIndex], target: TargetEnvironment, installed: InstalledSet?, roots: [Requirement]) {
        self.store = store
        self.upstreams = upstreams
        self.target = target
        self.installed = installed
        self.roots = roots
    }

    /// One wheel of the selection and what happened to it.
    public struct Entry: Sendable, Codable, Hashable {
        public enum Status: String, Sendable, Codable {
            /// Downloaded from the upstream and ingested.
            case fetched
            /// Already in the store with the same sha256.
            case present
            /// `--dry-run`: would be fetched.
            case missing
        }
        public var project: String
        public var version: String
        public var filename: String
        public var sha256: String
        public var status: Status
        /// The upstream it came from; nil for a hosted project.
        public var origin: String?
    }

    public struct Report: Sendable, Codable {
        public var target: String
        public var wheels: [Entry]
        /// Preinstalled libraries the requirements touched, kept (not mirrored).
        public var preinstalled: [String]
        public var notes: [String]
        public var fetchedBytes: Int64
    }

    // MARK: Candidates

    /// What is known of one project.
    struct Project: Sendable {
        enum Source: Sendable {
            case hosted
            case upstream(UpstreamIndex)
        }
        var name: ProjectName
        var source: Source
        /// Files as the page (or the store's record) lists them.
        var files: [SimpleProjectPage.File]
        /// Versions with a wheel for the target, newest first, each with that wheel.
        var compatible: [(version: Version, file: SimpleProjectPage.File)]
        /// Versions whose metadata has been read: `compatible.prefix(depth)`.
        var depth: Int
        /// Requires-Dist of a wheel, by filename, once read.
        var requiresDist: [String: [Requirement]] = [:]
        /// Wheels downloaded while reading metadata (no PEP 658 file), by filename.
        var downloaded: [String: (URL, FileDigest)] = [:]
        /// The PEP 658 bytes read, by filename (kept so the stored `.metadata` is the upstream's).
        var metadata: [String: [UInt8]] = [:]
        /// `filename/sha256` of what the store's record already lists (read once, with the page).
        var stored: Set<String> = []
    }

    public enum MirrorError: Error, Sendable, CustomStringConvertible {
        case unresolvable(String)
        case upstream(String)
        case hashMismatch(project: String, filename: String, sha256: String)
        case ingest([String])

        public var description: String {
            switch self {
            case .unresolvable(let message): message
            case .upstream(let message): message
            case .hashMismatch(let project, let filename, let sha256):
                "\(filename) (project \(project)) was selected, but its sha256 \(sha256) is not among the requirement's --hash values"
            case .ingest(let problems): "fetched files could not be stored:\n  " + problems.joined(separator: "\n  ")
            }
        }
    }

    /// Resolves, and (unless `dryRun`) fetches and ingests what the store lacks.
    public func run(dryRun: Bool, spool: URL) async throws -> Report {
        var known: [ProjectName: Project] = [:]
        var missing: Set<ProjectName> = []
        var notes: [String] = []
        var requestedExtras: [ProjectName: Set<String>] = [:]
        for root in roots { requestedExtras[root.name, default: []].formUnion(root.extras) }

        var pending = Set(roots.map(\.name))
        var resolution: Resolution?
        while true {
            // The closure of names: every project a read Requires-Dist may select.
            while let name = pending.popFirst() {
                if known[name] != nil || missing.contains(name) || isPinnedInstalled(name) { continue }
                guard var project = try await load(name, notes: &notes) else {
                    missing.insert(name)
                    continue
                }
                try await readMetadata(&project, spool: spool)
                known[name] = project
                pending.formUnion(dependencies(of: project, extras: requestedExtras, into: &requestedExtras).subtracting(known.keys))
            }
            let resolver = Resolver(target: target, releases: releases(known), installed: installed)
            do {
                resolution = try resolver.resolve(roots: roots)
                break
            } catch {
                // Read more versions where some are unread; fail when all have been considered.
                var deepened = false
                for (name, var project) in known where project.depth < project.compatible.count {
                    project.depth = min(project.compatible.count, max(project.depth * 2, project.depth + 1))
                    try await readMetadata(&project, spool: spool)
                    known[name] = project
                    pending.formUnion(dependencies(of: project, extras: requestedExtras, into: &requestedExtras).subtracting(known.keys))
                    deepened = true
                }
                if !deepened && pending.isEmpty {
                    var message = error.description
                    let unknown = missing.map(\.raw).sorted()
                    if !unknown.isEmpty {
                        message +=
                            "; not in the store nor on any upstream (\(upstreams.map(\.displayURL).joined(separator: ", "))): "
                            + unknown.joined(separator: ", ")
                    }
                    if !notes.isEmpty { message += "; " + notes.joined(separator: "; ") }
                    throw MirrorError.unresolvable(message)
                }
            }
        }
        guard let resolution else { throw MirrorError.unresolvable("no resolution") }

        // What the store already has, by project.
        var entries: [Entry] = []
        var toFetch: [(Entry, Project, SimpleProjectPage.File)] = []
        for selection in resolution.selected {
            guard let project = known[selection.project],
                let file = project.files.first(where: { $0.filename == selection.file.filename })
            else { continue }
            if let allowed = allowedSHA256[selection.project.normalized], !allowed.contains(file.sha256) {
                throw MirrorError.hashMismatch(project: selection.project.normalized, filename: file.filename, sha256: file.sha256)
            }
            var origin: String?
            if case .upstream(let upstream) = project.source { origin = upstream.displayURL }
            var entry = Entry(
                project: selection.project.normalized, version: selection.version.description, filename: file.filename,
                sha256: file.sha256, status: .present, origin: origin)
            if case .upstream = project.source, !project.stored.contains(file.filename + "/" + file.sha256) {
                entry.status = .missing
                toFetch.append((entry, project, file))
            }
            entries.append(entry)
        }
        var fetchedBytes: Int64 = 0
        if !dryRun && !toFetch.isEmpty {
            let fetched = try await fetch(toFetch, spool: spool)
            fetchedBytes = fetched
            for index in entries.indices where entries[index].status == .missing { entries[index].status = .fetched }
        }
        let preinstalled = resolution.preinstalled.map { "\($0.project.raw) \($0.installed)" }
        return Report(
            target: target.description, wheels: entries.sorted { ($0.project, $0.filename) < ($1.project, $1.filename) },
            preinstalled: preinstalled, notes: notes, fetchedBytes: fetchedBytes)
    }

    func isPinnedInstalled(_ name: ProjectName) -> Bool {
        guard let installed, installed.versions[name] != nil else { return false }
        return !installed.isUpgradable(name)
    }

    /// The store's record when the project is hosted here, else the first upstream's page.
    func load(_ name: ProjectName, notes: inout [String]) async throws -> Project? {
        let records = ProjectRecords(store: store)
        let record = try await records.load(name.normalized)?.record
        if let record, record.files.contains(where: { !$0.isMirrored }) {
            let files = record.files.map { file in
                SimpleProjectPage.File(
                    filename: file.filename, url: "", sha256: file.sha256, requiresPython: file.requiresPython,
                    coreMetadataSha256: file.metadataSha256, yank: file.yanked ? .yanked(reason: file.yankedReason) : .notYanked,
                    size: file.size, uploadTime: file.uploadTime)
            }
            return project(name, .hosted, files)
        }
        for upstream in upstreams {
            let result: UpstreamIndex.PageResult
            do {
                result = try await upstream.projectPage(name.normalized)
            } catch {
                throw MirrorError.upstream("\(upstream.displayURL): \(name.normalized): \(error)")
            }
            guard case .found(let page) = result else { continue }
            var files = page.page.files
            if let minAge, !minAgeExempt.contains(name.normalized) {
                let cutoff = now().addingTimeInterval(-Self.seconds(minAge))
                let hidden = files.filter { ($0.uploadTime ?? .distantFuture) > cutoff }
                if !hidden.isEmpty {
                    notes.append(
                        "\(name.normalized): \(hidden.count) file(s) hidden by --min-age (uploaded after \(RFC3339Timestamp.format(cutoff)) or without an upload time)"
                    )
                }
                files.removeAll { ($0.uploadTime ?? .distantFuture) > cutoff }
            }
            var found = project(name, .upstream(upstream), files)
            found.stored = Set((record?.files ?? []).map { $0.filename + "/" + $0.sha256 })
            return found
        }
        return nil
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }

    func project(_ name: ProjectName, _ source: Project.Source, _ files: [SimpleProjectPage.File]) -> Project {
        var byVersion: [Version: [(SimpleProjectPage.File, WheelFilename)]] = [:]
        for file in files where file.filename.hasSuffix(".whl") {
            guard let wheel = try? WheelFilename(file.filename), target.priority(of: wheel) != nil else { continue }
            if let requiresPython = file.requiresPython, let specifier = try? SpecifierSet(requiresPython),
                !target.satisfies(requiresPython: specifier)
            {
                continue
            }
            byVersion[wheel.version, default: []].append((file, wheel))
        }
        let rootSpecifiers = roots.filter { $0.name == name }.map(\.specifier)
        var compatible: [(version: Version, file: SimpleProjectPage.File)] = []
        for (version, candidates) in byVersion {
            if constraints.contains(where: { $0.excludes(name, version, on: target.markerEnvironment) }) { continue }
            let preferred = candidates.filter { $0.0.yank == .notYanked }.isEmpty ? candidates : candidates.filter { $0.0.yank == .notYanked }
            guard let best = target.bestWheel(among: preferred.map(\.1)),
                let file = preferred.first(where: { $0.1.filename == best.wheel.filename })?.0
            else { continue }
            compatible.append((version, file))
        }
        compatible.sort { $0.version > $1.version }
        // Versions the roots allow are read first.
        if !rootSpecifiers.isEmpty {
            let allowed = compatible.filter { entry in rootSpecifiers.allSatisfy { $0.contains(entry.version, prereleases: true) } }
            compatible = allowed + compatible.filter { entry in !allowed.contains { $0.version == entry.version } }
        }
        return Project(name: name, source: source, files: files, compatible: compatible, depth: min(initialDepth, compatible.count))
    }

    /// Reads the Requires-Dist of the first `depth` compatible versions not read yet.
    func readMetadata(_ project: inout Project, spool: URL) async throws {
        let wanted = project.compatible.prefix(project.depth).map(\.file).filter { project.requiresDist[$0.filename] == nil }
        for file in wanted {
            let bytes: [UInt8]
            switch project.source {
            case .hosted:
                let key = try StorageLayout.metadataKey(project: project.name.normalized, filename: file.filename)
                guard let (data, _) = try await store.read(key) else {
                    throw MirrorError.upstream("the store lists \(file.filename) but has no .metadata for it; run `wheelhouse index rebuild`")
                }
                bytes = Array(data)
            case .upstream(let upstream):
                if file.coreMetadataSha256 != nil {
                    do {
                        bytes = try await upstream.coreMetadata(of: file)
                        project.metadata[file.filename] = bytes
                    } catch {
                        throw MirrorError.upstream("\(file.filename): \(error)")
                    }
                } else {
                    // No PEP 658 file: the wheel itself, kept for the fetch if it is selected.
                    let destination = spool.appendingPathComponent(UUID().uuidString + "-" + file.filename)
                    let digest: FileDigest
                    do {
                        digest = try await upstream.download(file, to: destination)
                    } catch {
                        throw MirrorError.upstream("\(file.filename): \(error)")
                    }
                    project.downloaded[file.filename] = (destination, digest)
                    guard let wheel = try? WheelFilename(file.filename) else { continue }
                    do {
                        bytes = try inspectWheel(at: destination.path, filename: wheel, limits: ArchiveLimits()).metadata.rawBytes
                    } catch {
                        throw MirrorError.upstream("\(file.filename) from \(upstream.displayURL) is not a valid wheel: \(error)")
                    }
                }
            }
            var requirements: [Requirement] = []
            for line in CoreMetadata.parse(bytes).requiresDist {
                if let requirement = try? Requirement(line) { requirements.append(requirement) }
            }
            project.requiresDist[file.filename] = requirements
        }
    }

    /// Projects the read Requires-Dist of `project` may select on the target; records the extras
    /// they ask of each.
    func dependencies(
        of project: Project, extras: [ProjectName: Set<String>], into requested: inout [ProjectName: Set<String>]
    ) -> Set<ProjectName> {
        var out: Set<ProjectName> = []
        let ownExtras = extras[project.name] ?? []
        for requirements in project.requiresDist.values {
            for requirement in requirements {
                if let marker = requirement.marker, !marker.evaluate(target.markerEnvironment, extras: ownExtras) { continue }
                out.insert(requirement.name)
                requested[requirement.name, default: []].formUnion(requirement.extras)
            }
        }
        return out
    }

    /// The resolver's view: read versions with their dependencies; unread ones are left out.
    func releases(_ known: [ProjectName: Project]) -> [ProjectName: [ResolverRelease]] {
        var out: [ProjectName: [ResolverRelease]] = [:]
        for (name, project) in known {
            out[name] = project.compatible.prefix(project.depth).map { entry in
                let file = entry.file
                return ResolverRelease(
                    project: name, version: entry.version,
                    files: [
                        ResolverFile(
                            filename: file.filename, requiresPython: file.requiresPython.flatMap { try? SpecifierSet($0) },
                            yanked: file.yank != .notYanked, requiresDist: project.requiresDist[file.filename] ?? [])
                    ])
            }
            if project.compatible.isEmpty {
                // Nothing for the target: the releases as they are, so the error says what exists.
                var byVersion: [Version: [ResolverFile]] = [:]
                for file in project.files {
                    guard let version = Self.version(of: file.filename, project: name) else { continue }
                    byVersion[version, default: []].append(ResolverFile(filename: file.filename))
                }
                out[name] = byVersion.map { ResolverRelease(project: name, version: $0.key, files: $0.value) }
            }
        }
        return out
    }

    static func version(of filename: String, project: ProjectName) -> Version? {
        switch try? DistributionFilename(filename, projectHint: project.normalized) {
        case .wheel(let wheel): wheel.version
        case .sdist(let sdist): sdist.version
        case nil: nil
        }
    }

    // MARK: Fetching

    /// Downloads (at most `jobs` at once) and ingests the wheels; returns the bytes fetched.
    func fetch(_ items: [(Entry, Project, SimpleProjectPage.File)], spool: URL) async throws -> Int64 {
        let downloads = await concurrentMap(items, jobs: jobs) { item -> Result<(Ingestor.Candidate, Int64), MirrorError> in
            let (entry, project, file) = item
            guard case .upstream(let upstream) = project.source else { return .failure(.upstream("\(file.filename): not from an upstream")) }
            let destination: URL
            let digest: FileDigest
            if let (url, known) = project.downloaded[file.filename] {
                (destination, digest) = (url, known)
            } else {
                destination = spool.appendingPathComponent(UUID().uuidString + "-" + file.filename)
                do {
                    digest = try await upstream.download(file, to: destination)
                } catch {
                    return .failure(.upstream("\(file.filename): \(error)"))
                }
            }
            progress("fetched     \(file.filename) (\(entry.project) \(entry.version), \(digest.size) bytes)")
            let source = Ingestor.MirrorSource(
                origin: upstream.displayURL, uploadTime: file.uploadTime, metadata: project.metadata[file.filename], yank: file.yank)
            var candidate = Ingestor.Candidate(
                file: destination, filename: file.filename, projectHint: entry.project, digest: digest, mirror: source)
            // PEP 740: the upstream's provenance is kept with the file; a file is mirrored without it when it cannot be read.
            if file.provenanceURL != nil { candidate.provenance = try? await upstream.provenance(of: file) }
            return .success((candidate, digest.size))
        }
        var candidates: [Ingestor.Candidate] = []
        var problems: [String] = []
        var bytes: Int64 = 0
        for download in downloads {
            switch download {
            case .success(let (candidate, size)):
                candidates.append(candidate)
                bytes += size
            case .failure(let error): problems.append(error.description)
            }
        }
        defer { for candidate in candidates { try? FileManager.default.removeItem(at: candidate.file) } }
        for (result, candidate) in zip(await Ingestor(store: store).ingest(parallel: candidates, jobs: 2), candidates) {
            if case .failure(let error) = result { problems.append("\(candidate.filename): \(error)") }
        }
        if !problems.isEmpty { throw MirrorError.ingest(problems) }
        return bytes
    }
}
