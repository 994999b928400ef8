public import Foundation

/// One project's page of the simple API: the model both the PEP 503 HTML and the PEP 691 JSON
/// renderers draw from, so the two never disagree.
public struct SimpleProjectPage: Sendable, Equatable {
    /// PEP 592 state of a file.
    public enum Yank: Sendable, Equatable {
        case notYanked
        /// A nil reason renders as `data-yanked=""` / `"yanked": true`.
        case yanked(reason: String?)
    }

    public struct File: Sendable, Equatable {
        public var filename: String
        /// Absolute, or relative to the page's own URL (PEP 503 allows both).
        public var url: String
        /// Lowercase hex.
        public var sha256: String
        public var requiresPython: String?
        /// PEP 658/714: sha256 of `{url}.metadata`; nil when the file has no metadata file.
        public var coreMetadataSha256: String?
        public var yank: Yank
        /// PEP 700; nil when unknown (a PEP 503 HTML upstream page gives no size).
        public var size: Int64?
        public var uploadTime: Date?
        /// PEP 740: where the file's provenance object is; nil when it has none. The PEP wants
        /// a fully qualified URL (pypi-simple refuses others in JSON); the static export, which
        /// knows no host, uses a relative one.
        public var provenanceURL: String?

        public init(
            filename: String, url: String, sha256: String, requiresPython: String?, coreMetadataSha256: String?,
            yank: Yank, size: Int64?, uploadTime: Date?, provenanceURL: String? = nil
        ) {
            self.filename = filename
            self.url = url
            self.sha256 = sha256
            self.requiresPython = requiresPython
            self.coreMetadataSha256 = coreMetadataSha256
            self.yank = yank
            self.size = size
            self.uploadTime = uploadTime
            self.provenanceURL = provenanceURL
        }
    }

    /// PEP 503 normalized name.
    public var name: String
    public var files: [File]
    /// PEP 700: every version of the project. Given by the caller, who knows PEP 440 order.
    public var versions: [String]
    /// Rendered as `meta._last-serial` only when set.
    public var lastSerial: Int?
    /// PEP 792 project status, rendered as `project-status` (JSON) and the `pypi:project-status`
    /// meta tags (HTML).
    public var status: ProjectStatus

    /// A page of `status`. PEP 792: a quarantined project offers no file, so its page lists none
    /// (and no versions), whatever `files` holds.
    public init(name: String, files: [File], versions: [String], lastSerial: Int? = nil, status: ProjectStatus = .active) {
        self.name = name
        self.files = status.servesFiles ? files : []
        self.versions = status.servesFiles ? versions : []
        self.lastSerial = lastSerial
        self.status = status
    }

    /// The page for `record`, files in the record's (filename) order, with the record's status.
    ///
    /// `fileURL` says where each file is downloaded from. The default is relative to the page at
    /// `…/simple/{project}/`, which works both for the server and for the static export in a
    /// bucket, under any mount point. `provenanceURL` says where a file's provenance is, for
    /// files that have one; the default is `fileURL` + `.provenance`.
    public init(
        record: ProjectRecord, versions: [String], lastSerial: Int? = nil,
        fileURL: (_ project: String, _ file: FileRecord) -> String = SimpleProjectPage.relativeFileURL(project:file:),
        provenanceURL: ((_ project: String, _ file: FileRecord) -> String)? = nil
    ) {
        self.init(
            name: record.name,
            files: record.files.map { file in
                let url = fileURL(record.name, file)
                return File(
                    filename: file.filename, url: url, sha256: file.sha256,
                    requiresPython: file.requiresPython, coreMetadataSha256: file.metadataSha256,
                    yank: file.yanked ? .yanked(reason: file.yankedReason) : .notYanked,
                    size: file.size, uploadTime: file.uploadTime,
                    provenanceURL: file.provenanceSha256 == nil
                        ? nil : provenanceURL?(record.name, file) ?? url + StorageLayout.provenanceSuffix)
            },
            versions: versions, lastSerial: lastSerial, status: record.status)
    }

    /// The page with relative PEP 740 provenance URLs (`../../packages/…`, relative to
    /// `/simple/{project}/`) made fully qualified with `origin` (`http://host:port`).
    public func qualifyingProvenanceURLs(origin: String) -> SimpleProjectPage {
        let origin = origin.hasSuffix("/") ? String(origin.dropLast()) : origin
        var copy = self
        for index in copy.files.indices {
            guard let url = copy.files[index].provenanceURL, url.hasPrefix("../../") else { continue }
            copy.files[index].provenanceURL = origin + "/" + url.dropFirst("../../".count)
        }
        return copy
    }

    /// `{origin}/packages/{project}/{filename}.provenance`: the fully qualified provenance URL
    /// PEP 740 asks for, for a server answering at `origin` (`http://host:port`).
    public static func provenanceURL(origin: String) -> @Sendable (_ project: String, _ file: FileRecord) -> String {
        let origin = origin.hasSuffix("/") ? String(origin.dropLast()) : origin
        return { project, file in
            origin + "/" + packagesPath(project: project, filename: file.filename) + StorageLayout.provenanceSuffix
        }
    }

    /// `{origin}/packages/{project}/{filename}.provenance` for a file by name.
    public static func provenanceURL(origin: String, project: String, filename: String) -> String {
        let origin = origin.hasSuffix("/") ? String(origin.dropLast()) : origin
        return origin + "/" + packagesPath(project: project, filename: filename) + StorageLayout.provenanceSuffix
    }

    /// `../../packages/{project}/{filename}`: from `/simple/{project}/` to the file's key.
    public static func relativeFileURL(project: String, file: FileRecord) -> String {
        "../../" + packagesPath(project: project, filename: file.filename)
    }

    /// `../../packages/{project}/{filename}` for a file by name (a mirrored file that is not in
    /// the store yet has no record).
    public static func relativeFileURL(project: String, filename: String) -> String {
        "../../" + packagesPath(project: project, filename: filename)
    }

    /// `{base}/packages/{project}/{filename}`, for pages served from elsewhere than the files
    /// (a CDN, another host). A trailing `/` on `base` is ignored.
    public static func fileURL(base: String) -> @Sendable (_ project: String, _ file: FileRecord) -> String {
        let base = base.hasSuffix("/") ? String(base.dropLast()) : base
        return { project, file in base + "/" + packagesPath(project: project, filename: file.filename) }
    }

    /// Percent-encodes every byte but RFC 3986 unreserved characters: a `+` of a local version
    /// must not reach S3 (which reads it as a space) unescaped.
    static func packagesPath(project: String, filename: String) -> String {
        StorageLayout.packagesPrefix + percentEncoded(project) + "/" + percentEncoded(filename)
    }

    static func percentEncoded(_ segment: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(segment.utf8.count)
        for byte in segment.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.append(byte)
            default:
                out.append(UInt8(ascii: "%"))
                out.append(hexDigit(byte >> 4))
                out.append(hexDigit(byte & 0x0F))
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "A") + nibble - 10
    }
}

/// The list of projects of the simple API root.
public struct SimpleProjectList: Sendable, Equatable {
    public struct Project: Sendable, Equatable {
        /// The name as first uploaded; the link text and the JSON `name`.
        public var displayName: String
        /// PEP 503 normalized; the link target.
        public var normalizedName: String

        public init(displayName: String, normalizedName: String) {
            self.displayName = displayName
            self.normalizedName = normalizedName
        }
    }

    /// Sorted by normalized name.
    public var projects: [Project]
    public var lastSerial: Int?

    public init(projects: [Project], lastSerial: Int? = nil) {
        self.projects = projects.sorted { $0.normalizedName < $1.normalizedName }
        self.lastSerial = lastSerial
    }

    public init(records: [ProjectRecord], lastSerial: Int? = nil) {
        self.init(
            projects: records.map { Project(displayName: $0.displayName, normalizedName: $0.name) },
            lastSerial: lastSerial)
    }
}
