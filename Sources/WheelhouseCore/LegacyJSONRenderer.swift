public import Foundation

/// PyPI's legacy JSON API, `GET /pypi/{project}/json` and `GET /pypi/{project}/{version}/json`
/// (warehouse `legacy/api/json.py`), the shape poetry, bandersnatch and vulnerability scanners
/// read: `info` from the core metadata of one release, `urls` (that release's files),
/// `releases` (every version's files, on the project document only), `last_serial` and
/// `vulnerabilities`.
///
/// Pure: the caller gives the record, the core metadata of the release shown in `info` (nil when
/// the release has no stored metadata, as for an sdist-only release) and the base URL that file
/// URLs are made absolute with.
public enum LegacyJSONRenderer {
    public struct Document: Sendable {
        public var record: ProjectRecord
        /// The normalized version `info` and `urls` describe.
        public var version: String
        /// The core metadata of `version` (a wheel's PEP 658 `.metadata`), nil when none is stored.
        public var metadata: CoreMetadata?
        /// `scheme://host[:port]` of this index, without a trailing `/`; file URLs and
        /// `package_url` start with it.
        public var baseURL: String
        /// True for the project document (`/pypi/{project}/json`): adds `releases`.
        public var includesReleases: Bool
        /// False for a project whose files are withheld (PEP 792 `quarantined`): `urls` and every
        /// release's list are empty, as its simple page lists no files.
        public var listsFiles: Bool

        public init(
            record: ProjectRecord, version: String, metadata: CoreMetadata?, baseURL: String, includesReleases: Bool,
            listsFiles: Bool = true
        ) {
            self.record = record
            self.version = version
            self.metadata = metadata
            self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
            self.includesReleases = includesReleases
            self.listsFiles = listsFiles
        }
    }

    /// The version PyPI's `info` shows for a project: the highest release that is neither yanked
    /// nor a pre-release; failing that, the highest non-yanked version; failing that, the highest.
    /// Nil for a record without files.
    public static func latestVersion(_ record: ProjectRecord) -> String? {
        var versions: [String: (version: Version?, allYanked: Bool)] = [:]
        for file in record.files {
            let entry = versions[file.version] ?? ((try? Version(file.version)), true)
            versions[file.version] = (entry.version, entry.allYanked && file.yanked)
        }
        let ordered = versions.sorted { a, b in
            switch (a.value.version, b.value.version) {
            case (let x?, let y?): x < y
            case (nil, _?): true
            case (_?, nil): false
            case (nil, nil): a.key < b.key
            }
        }
        let stable = ordered.last { !$0.value.allYanked && $0.value.version?.isPrerelease == false }
        let unyanked = ordered.last { !$0.value.allYanked }
        return (stable ?? unyanked ?? ordered.last)?.key
    }

    /// Every version with a file, in PEP 440 order (versions that do not parse first, by text).
    public static func sortedVersions(_ record: ProjectRecord) -> [String] {
        Set(record.files.map(\.version)).sorted { a, b in
            switch ((try? Version(a)), (try? Version(b))) {
            case (let x?, let y?): x < y
            case (nil, _?): true
            case (_?, nil): false
            case (nil, nil): a < b
            }
        }
    }

    /// Not a PyPI serial (this index keeps none): the newest file's upload time in microseconds
    /// since 1970, so it grows with every upload. A yank does not change it.
    public static func lastSerial(_ record: ProjectRecord) -> Int {
        let newest = record.files.map(\.uploadTime).max() ?? Date(timeIntervalSince1970: 0)
        return Int((newest.timeIntervalSince1970 * 1_000_000).rounded())
    }

    /// The document as JSON bytes (keys sorted, so the same input gives the same bytes).
    public static func render(_ document: Document) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(Body(document))
        } catch {
            // Strings, integers, booleans and optionals of them cannot fail to encode.
            preconditionFailure("encoding the legacy JSON of \(document.record.name) failed: \(error)")
        }
    }

    // MARK: - The JSON shape

    private struct Body: Encodable {
        let document: Document
        init(_ document: Document) { self.document = document }

        enum Keys: String, CodingKey {
            case info, urls, releases, vulnerabilities, ownership
            case lastSerial = "last_serial"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            let record = document.record
            try c.encode(Info(document: document), forKey: .info)
            try c.encode(files(ofVersion: document.version), forKey: .urls)
            if document.includesReleases {
                var releases: [String: [FileEntry]] = [:]
                for version in sortedVersions(record) { releases[version] = files(ofVersion: version) }
                try c.encode(releases, forKey: .releases)
            }
            try c.encode(lastSerial(record), forKey: .lastSerial)
            try c.encode([String](), forKey: .vulnerabilities)
            try c.encode(Ownership(), forKey: .ownership)
        }

        func files(ofVersion version: String) -> [FileEntry] {
            guard document.listsFiles else { return [] }
            let url = SimpleProjectPage.fileURL(base: document.baseURL)
            return document.record.files.filter { $0.version == version }.map {
                FileEntry(file: $0, url: url(document.record.name, $0))
            }
        }
    }

    /// PyPI's `ownership`: this index has no organizations or roles.
    private struct Ownership: Encodable {
        enum Keys: String, CodingKey { case organization, roles }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encodeNil(forKey: .organization)
            try c.encode([String](), forKey: .roles)
        }
    }

    /// One file of `urls` and `releases`.
    private struct FileEntry: Encodable {
        let file: FileRecord
        let url: String

        enum Keys: String, CodingKey {
            case filename, url, digests, size, packagetype, downloads, yanked
            case pythonVersion = "python_version"
            case requiresPython = "requires_python"
            case uploadTime = "upload_time"
            case uploadTimeISO = "upload_time_iso_8601"
            case yankedReason = "yanked_reason"
            case md5Digest = "md5_digest"
            case hasSig = "has_sig"
            case commentText = "comment_text"
            case coreMetadata = "core-metadata"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(file.filename, forKey: .filename)
            try c.encode(url, forKey: .url)
            // Only the digests the record keeps: no blake2b_256, and md5 only for files whose
            // ingest computed it (PyPI's `md5_digest` too).
            if let md5 = file.md5 {
                try c.encode(["md5": md5, "sha256": file.sha256], forKey: .digests)
                try c.encode(md5, forKey: .md5Digest)
            } else {
                try c.encode(["sha256": file.sha256], forKey: .digests)
            }
            try c.encode(file.size, forKey: .size)
            try c.encode(file.packageType, forKey: .packagetype)
            try c.encode(file.pythonTag, forKey: .pythonVersion)
            try c.encode(file.requiresPython, forKey: .requiresPython)
            // PyPI: `upload_time` without fraction or zone, `upload_time_iso_8601` with both.
            let iso = RFC3339Timestamp.format(file.uploadTime)
            try c.encode(String(iso.prefix(19)), forKey: .uploadTime)
            try c.encode(iso, forKey: .uploadTimeISO)
            try c.encode(file.yanked, forKey: .yanked)
            try c.encode(file.yankedReason, forKey: .yankedReason)
            try c.encode(false, forKey: .hasSig)
            try c.encode("", forKey: .commentText)
            try c.encode(-1, forKey: .downloads)
            // PEP 714 in the legacy API: the metadata file's hashes, or false.
            if let sha = file.metadataSha256 {
                try c.encode(["sha256": sha], forKey: .coreMetadata)
            } else {
                try c.encode(false, forKey: .coreMetadata)
            }
        }
    }

    /// `info`: the release's core metadata under PyPI's names; fields the metadata lacks are null
    /// (lists too, as PyPI gives them), except `classifiers`, always a list.
    private struct Info: Encodable {
        let document: Document

        enum Keys: String, CodingKey {
            case name, version, summary, description, author, maintainer, license, keywords, classifiers, platform
            case dynamic, yanked, downloads
            case descriptionContentType = "description_content_type"
            case authorEmail = "author_email"
            case maintainerEmail = "maintainer_email"
            case licenseExpression = "license_expression"
            case licenseFiles = "license_files"
            case homePage = "home_page"
            case downloadURL = "download_url"
            case projectURLs = "project_urls"
            case projectURL = "project_url"
            case packageURL = "package_url"
            case releaseURL = "release_url"
            case requiresDist = "requires_dist"
            case requiresPython = "requires_python"
            case providesExtra = "provides_extra"
            case yankedReason = "yanked_reason"
            case bugtrackURL = "bugtrack_url"
            case docsURL = "docs_url"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            let record = document.record
            let meta = document.metadata
            let files = record.files.filter { $0.version == document.version }
            // PyPI shows the name as the project spells it, from the metadata when there is some.
            try c.encode(meta?.name ?? record.displayName, forKey: .name)
            try c.encode(document.version, forKey: .version)
            try c.encode(meta?.summary, forKey: .summary)
            try c.encode(meta?.description ?? "", forKey: .description)
            try c.encode(meta?.descriptionContentType, forKey: .descriptionContentType)
            try c.encode(meta?.author, forKey: .author)
            try c.encode(meta?.authorEmail, forKey: .authorEmail)
            try c.encode(meta?.maintainer, forKey: .maintainer)
            try c.encode(meta?.maintainerEmail, forKey: .maintainerEmail)
            try c.encode(meta?.license, forKey: .license)
            try c.encode(meta?.licenseExpression, forKey: .licenseExpression)
            try c.encode(nonEmpty(meta?.licenseFiles), forKey: .licenseFiles)
            // PyPI keeps `keywords` as the comma-separated text of the field.
            try c.encode(meta?.value("Keywords"), forKey: .keywords)
            try c.encode(meta?.classifiers ?? [], forKey: .classifiers)
            try c.encode(nonEmpty(meta?.platforms)?.joined(separator: ", "), forKey: .platform)
            try c.encode(nonEmpty(meta?.dynamic), forKey: .dynamic)
            try c.encode(meta?.homePage, forKey: .homePage)
            try c.encode(meta?.downloadURL, forKey: .downloadURL)
            var urls: [String: String] = [:]
            if let home = meta?.homePage { urls["Homepage"] = home }
            if let download = meta?.downloadURL { urls["Download"] = download }
            for (label, url) in meta?.projectURLs ?? [] where !url.isEmpty { urls[label] = url }
            try c.encode(urls.isEmpty ? nil : urls, forKey: .projectURLs)
            let page = document.baseURL + "/#/project/" + record.name
            try c.encode(page, forKey: .packageURL)
            try c.encode(page, forKey: .projectURL)
            try c.encode(page + "/" + document.version, forKey: .releaseURL)
            try c.encode(nonEmpty(meta?.requiresDist), forKey: .requiresDist)
            try c.encode(meta?.requiresPython ?? files.compactMap(\.requiresPython).first, forKey: .requiresPython)
            try c.encode(nonEmpty(meta?.providesExtra), forKey: .providesExtra)
            // PEP 592: a release is yanked when all its files are.
            let yanked = !files.isEmpty && files.allSatisfy(\.yanked)
            try c.encode(yanked, forKey: .yanked)
            try c.encode(yanked ? files.compactMap(\.yankedReason).first : nil, forKey: .yankedReason)
            try c.encodeNil(forKey: .bugtrackURL)
            try c.encodeNil(forKey: .docsURL)
            try c.encode(["last_day": -1, "last_month": -1, "last_week": -1], forKey: .downloads)
        }

        func nonEmpty(_ values: [String]?) -> [String]? {
            guard let values, !values.isEmpty else { return nil }
            return values
        }
    }
}
