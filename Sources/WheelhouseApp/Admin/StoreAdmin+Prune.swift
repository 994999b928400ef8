public import Foundation
public import WheelhouseCore
import WheelhouseStorage

extension StoreAdmin {
    /// What `wheelhouse prune` did (or, on a dry run, would do).
    public struct PruneReport: Sendable, Encodable {
        public var dryRun: Bool
        /// Every release considered, with its action and reason (`PrunePlan.Release`).
        public var releases: [PrunePlan.Release]
        /// The manifest records read (`region/parameter`), whose files were kept.
        public var manifests: [String]
        /// Files whose record entry was removed but whose bytes could not be deleted (key → error);
        /// `wheelhouse verify` reports them as orphans.
        public var leftBehind: [String: String] = [:]

        public var removed: [PrunePlan.Release] { releases.filter(\.remove) }
        public var kept: [PrunePlan.Release] { releases.filter { !$0.remove } }
        public var removedFiles: Int { removed.reduce(0) { $0 + $1.files.count } }
        public var removedBytes: Int64 { removed.reduce(0) { $0 + $1.bytes } }

        enum CodingKeys: String, CodingKey {
            case releases, manifests
            case dryRun = "dry_run"
            case removedReleases = "removed_releases"
            case keptReleases = "kept_releases"
            case removedFiles = "removed_files"
            case removedBytes = "removed_bytes"
            case leftBehind = "left_behind"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(dryRun, forKey: .dryRun)
            try container.encode(removed.count, forKey: .removedReleases)
            try container.encode(kept.count, forKey: .keptReleases)
            try container.encode(removedFiles, forKey: .removedFiles)
            try container.encode(removedBytes, forKey: .removedBytes)
            try container.encode(releases, forKey: .releases)
            try container.encode(manifests, forKey: .manifests)
            try container.encode(leftBehind, forKey: .leftBehind)
        }
    }

    public enum PruneError: Error, CustomStringConvertible {
        case unreadableManifest(key: String, reason: String)
        public var description: String {
            switch self {
            case .unreadableManifest(let key, let reason):
                "cannot read the manifest record \(key) (\(reason)); nothing was pruned, since the files it names cannot be told apart"
            }
        }
    }

    /// The prefix of the manifest records (`ManifestPublisher.recordKey`).
    static let manifestRecordsPrefix = "_wheelhouse/manifests/"

    /// Every file a published manifest names, from the manifest records in the store. A record
    /// that cannot be read stops the prune: a file it names could be removed.
    func manifestPins() async throws -> (pins: [PrunePlan.Pin], manifests: [String]) {
        struct Record: Decodable {
            struct Publication: Decodable {
                var wheels: [ManifestEntry]
            }
            var publication: Publication
        }
        var pins: [PrunePlan.Pin] = []
        var manifests: [String] = []
        for info in try await store.list(prefix: Self.manifestRecordsPrefix) where info.key.hasSuffix(".json") {
            let name = String(info.key.dropFirst(Self.manifestRecordsPrefix.count).dropLast(".json".count))
            guard let (data, _) = try await store.read(info.key) else { continue }  // removed meanwhile
            let record: Record
            do {
                record = try JSONDecoder().decode(Record.self, from: data)
            } catch {
                throw PruneError.unreadableManifest(key: info.key, reason: "\(error)")
            }
            manifests.append(name)
            for wheel in record.publication.wheels {
                pins.append(PrunePlan.Pin(project: ProjectName.normalize(wheel.project), filename: wheel.filename, manifest: name))
            }
        }
        return (pins, manifests.sorted())
    }

    /// Removes old releases' files (`wheelhouse prune`; the rules are `PrunePlan`'s).
    ///
    /// Order, so that no reader ever finds a listed file missing: first each project's record
    /// (compare-and-swap: a file uploaded meanwhile stays), then its static export page (also a
    /// listing), then — after `grace`, the time a server may go on serving the page it holds
    /// in memory (`serve --index-staleness`) — the bytes and `.metadata` of each removed file
    /// that no record lists again. Every project and all of its decisions are reported; each
    /// project whose record changed is announced as one `prune` event.
    public func prune(
        options: PrunePlan.Options, projects only: [String] = [], dryRun: Bool = false, grace: Duration = .seconds(5),
        now: Date = Date(), events: any EventSink = NoEvents(), progress: @Sendable (String) -> Void = { _ in }
    ) async throws -> PruneReport {
        let names: [String]
        if only.isEmpty {
            names = try await records.projectNames()
        } else {
            names = Array(Set(only.map(ProjectName.normalize))).sorted()
        }
        var loaded: [ProjectRecord] = []
        for name in names {
            guard let (record, _) = try await records.load(name) else {
                if !only.isEmpty { throw AdminError.noSuchProject(name) }
                continue
            }
            loaded.append(record)
        }
        let (pins, manifests) = try await manifestPins()
        let plan = PrunePlan(records: loaded, pins: pins, now: now, options: options)
        var report = PruneReport(dryRun: dryRun, releases: plan.releases, manifests: manifests)
        guard !dryRun else { return report }

        let removals = Dictionary(grouping: plan.removed, by: \.project)
        var unlisted: [(project: String, file: FileRecord)] = []
        var actuallyRemoved: [String: [FileRecord]] = [:]
        for (project, releases) in removals.sorted(by: { $0.key < $1.key }) {
            let doomed = Dictionary(uniqueKeysWithValues: releases.flatMap(\.files).map { ($0.filename, $0.sha256) })
            var removedHere: [FileRecord] = []
            _ = try await records.update(project) { current in
                removedHere = []
                guard var record = current else { return nil }
                for file in record.files where doomed[file.filename] == file.sha256 {
                    record = try record.removing(filename: file.filename)
                    removedHere.append(file)
                }
                return removedHere.isEmpty ? nil : record
            }
            guard !removedHere.isEmpty else { continue }
            progress("unlisted \(removedHere.count) files of \(project)")
            try await StaticExport(store: store).exportProject(project)
            unlisted += removedHere.map { (project, $0) }
            actuallyRemoved[project] = removedHere
        }
        // Releases the record no longer had (removed by someone else meanwhile) are reported as planned.
        if !unlisted.isEmpty, grace > .zero { try await Task.sleep(for: grace) }
        for (project, file) in unlisted {
            // A file uploaded again under the same name since is listed again: its bytes stay.
            if let current = try? await records.load(project)?.record, current.file(named: file.filename) != nil { continue }
            // The file, its PEP 658 metadata and its PEP 740 provenance (deleting an absent key is a no-op).
            let keys = [
                try StorageLayout.fileKey(project: project, filename: file.filename),
                try StorageLayout.metadataKey(project: project, filename: file.filename),
                try StorageLayout.provenanceKey(project: project, filename: file.filename),
            ]
            for key in keys {
                do {
                    try await store.delete(key)
                } catch {
                    report.leftBehind[key] = "\(error)"
                }
            }
        }
        for (project, files) in actuallyRemoved.sorted(by: { $0.key < $1.key }) {
            var event = StoreEvent(type: .prune, store: store.displayName, project: project, files: files.map(StoreEvent.File.init))
            event.removedVersions = Array(Set(files.map(\.version))).sorted()
            event.keptVersions = plan.kept.filter { $0.project == project }.map { .init(version: $0.version, reason: $0.reason.code) }
            events.emit(event)
        }
        return report
    }
}
