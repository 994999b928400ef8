public import Foundation

/// What `wheelhouse prune` keeps and removes, decided from the project records, the files the
/// published manifests name, the time and the options alone (no I/O).
///
/// The rules, per project (a release is the set of files of one version):
/// - the newest release is always kept: the highest version that is not yanked (PEP 592), or
///   the highest version when every release is yanked, so a project never loses its last release;
/// - a release any of whose files a published manifest names is kept whole (a pinned Glue job
///   goes on finding its wheel, and its sibling files stay with it);
/// - with `keepLatest` N, the N highest non-yanked releases are kept. A yanked release never
///   takes one of the N places: its author withdrew it, so it is the first to go;
/// - with `olderThan`, a release is kept while any of its files was uploaded less than that
///   long before `now`;
/// - every other release is removed. With both options a release must fail both to be removed.
public struct PrunePlan: Sendable, Equatable, Encodable {
    /// The options of one prune run.
    public struct Options: Sendable, Equatable {
        /// Keep this many newest non-yanked releases per project (at least 1).
        public var keepLatest: Int?
        /// Keep releases with a file uploaded less than this long ago.
        public var olderThan: Duration?

        public init(keepLatest: Int? = nil, olderThan: Duration? = nil) {
            self.keepLatest = keepLatest
            self.olderThan = olderThan
        }
    }

    /// A file a published manifest names.
    public struct Pin: Sendable, Hashable {
        public var project: String
        public var filename: String
        /// The manifest, as `region/parameter`.
        public var manifest: String

        public init(project: String, filename: String, manifest: String) {
            self.project = project
            self.filename = filename
            self.manifest = manifest
        }
    }

    /// Why a release is kept or removed.
    public enum Reason: Sendable, Equatable, Encodable {
        /// The project's newest release.
        case newest
        /// A published manifest names one of its files (the manifests, sorted).
        case pinned(manifests: [String])
        /// Among the `keepLatest` newest non-yanked releases (1 is the newest).
        case latest(rank: Int, of: Int)
        /// A file of the release was uploaded less than `olderThan` ago.
        case recent(newestUpload: Date)
        /// Removed: beyond the newest `keepLatest` (nil without the option), uploaded before the
        /// cut-off (nil without `olderThan`).
        case expired(yanked: Bool, keepLatest: Int?, newestUpload: Date, olderThan: Duration?)

        /// A short code, for JSON and scripts.
        public var code: String {
            switch self {
            case .newest: "newest"
            case .pinned: "pinned"
            case .latest: "latest"
            case .recent: "recent"
            case .expired: "expired"
            }
        }

        /// One line for people.
        public var text: String {
            switch self {
            case .newest:
                return "the newest release"
            case .pinned(let manifests):
                return "named by the published manifest" + (manifests.count == 1 ? " " : "s ") + manifests.joined(separator: ", ")
            case .latest(let rank, let of):
                return "release \(rank) of the \(of) newest kept"
            case .recent(let newestUpload):
                return "uploaded \(RFC3339Timestamp.format(newestUpload)), within the age kept"
            case .expired(let yanked, let keepLatest, let newestUpload, let olderThan):
                var parts: [String] = []
                if yanked { parts.append("yanked") } else if let keepLatest { parts.append("older than the \(keepLatest) newest") }
                if let olderThan {
                    parts.append("last upload \(RFC3339Timestamp.format(newestUpload)) is more than \(Self.describe(olderThan)) ago")
                }
                return parts.joined(separator: ", ")
            }
        }

        static func describe(_ duration: Duration) -> String {
            let seconds = duration.components.seconds
            if seconds % 86_400 == 0, seconds >= 86_400 { return "\(seconds / 86_400)d" }
            if seconds % 3600 == 0, seconds >= 3600 { return "\(seconds / 3600)h" }
            if seconds % 60 == 0, seconds >= 60 { return "\(seconds / 60)m" }
            return "\(seconds)s"
        }

        enum CodingKeys: String, CodingKey { case code, text }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(code, forKey: .code)
            try container.encode(text, forKey: .text)
        }
    }

    /// One release of one project, and what happens to it.
    public struct Release: Sendable, Equatable, Encodable {
        public var project: String
        public var version: String
        public var yanked: Bool
        public var remove: Bool
        public var reason: Reason
        /// The release's files, sorted by filename.
        public var files: [FileRecord]

        public var bytes: Int64 { files.reduce(0) { $0 + $1.size } }

        enum CodingKeys: String, CodingKey {
            case project, version, yanked, reason, files, bytes
            case remove = "action"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(project, forKey: .project)
            try container.encode(version, forKey: .version)
            try container.encode(yanked, forKey: .yanked)
            try container.encode(remove ? "remove" : "keep", forKey: .remove)
            try container.encode(reason, forKey: .reason)
            try container.encode(files.map(\.filename), forKey: .files)
            try container.encode(bytes, forKey: .bytes)
        }

        public init(project: String, version: String, yanked: Bool, remove: Bool, reason: Reason, files: [FileRecord]) {
            self.project = project
            self.version = version
            self.yanked = yanked
            self.remove = remove
            self.reason = reason
            self.files = files
        }
    }

    /// Every release of every project given, projects by name, releases newest first.
    public var releases: [Release]

    public var removed: [Release] { releases.filter(\.remove) }
    public var kept: [Release] { releases.filter { !$0.remove } }

    /// The plan for `records`.
    public init(records: [ProjectRecord], pins: [Pin], now: Date, options: Options) {
        var pinned: [String: [String: Set<String>]] = [:]  // project → filename → manifests
        for pin in pins { pinned[pin.project, default: [:]][pin.filename, default: []].insert(pin.manifest) }
        releases = records.sorted { $0.name < $1.name }.flatMap { record in
            Self.plan(record, pinned: pinned[record.name] ?? [:], now: now, options: options)
        }
    }

    static func plan(_ record: ProjectRecord, pinned: [String: Set<String>], now: Date, options: Options) -> [Release] {
        // Releases by version, newest first; a version that does not parse sorts by its text, below the others.
        let byVersion = Dictionary(grouping: record.files, by: \.version)
        let versions = byVersion.keys.sorted { a, b in
            switch (try? Version(a), try? Version(b)) {
            case (let x?, let y?): x != y ? x > y : a > b
            case (.some, nil): true
            case (nil, .some): false
            case (nil, nil): a > b
            }
        }
        let yanked = { (version: String) in byVersion[version]?.allSatisfy(\.yanked) ?? false }
        let newest = versions.first { !yanked($0) } ?? versions.first
        let unyanked = versions.filter { !yanked($0) }
        let cutoff = options.olderThan.map { now.addingTimeInterval(-Double($0.components.seconds) - Double($0.components.attoseconds) / 1e18) }

        return versions.map { version in
            let files = (byVersion[version] ?? []).sorted { $0.filename < $1.filename }
            let isYanked = yanked(version)
            let lastUpload = files.map(\.uploadTime).max() ?? .distantPast
            func release(_ remove: Bool, _ reason: Reason) -> Release {
                Release(project: record.name, version: version, yanked: isYanked, remove: remove, reason: reason, files: files)
            }
            if version == newest { return release(false, .newest) }
            let manifests = files.flatMap { pinned[$0.filename] ?? [] }
            if !manifests.isEmpty { return release(false, .pinned(manifests: Array(Set(manifests)).sorted())) }
            if let keep = options.keepLatest, !isYanked, let rank = unyanked.firstIndex(of: version), rank < keep {
                return release(false, .latest(rank: rank + 1, of: keep))
            }
            if let cutoff, lastUpload > cutoff { return release(false, .recent(newestUpload: lastUpload)) }
            // Neither option given: nothing is removed (the command requires one).
            guard options.keepLatest != nil || cutoff != nil else { return release(false, .recent(newestUpload: lastUpload)) }
            return release(
                true, .expired(yanked: isYanked, keepLatest: options.keepLatest, newestUpload: lastUpload, olderThan: options.olderThan))
        }
    }
}
