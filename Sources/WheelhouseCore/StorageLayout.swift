/// The keys under which everything lives in a store (DESIGN.md §2), identical on disk and in S3.
///
/// Every function that builds a key from a project name or filename validates it first: keys are
/// built from names that arrived over the network, and a `/`, `\`, `..` or NUL in them must never
/// reach a path or an S3 key.
public enum StorageLayout {
    /// Prefix of every distribution file and its metadata.
    public static let packagesPrefix = "packages/"
    /// Prefix of the project records, the source of truth for the index.
    public static let recordsPrefix = "_wheelhouse/projects/"
    /// Prefix of the API token records.
    public static let tokensPrefix = "_wheelhouse/tokens/"
    /// The static PEP 503 export of the project list.
    public static let exportRootKey = "simple/index.html"

    private static let metadataSuffix = ".metadata"
    /// PEP 740: suffix of a file's provenance object.
    public static let provenanceSuffix = ".provenance"
    private static let recordSuffix = ".json"

    /// `packages/{project}/{filename}`: a distribution file exactly as uploaded.
    public static func fileKey(project: String, filename: String) throws(StorageLayoutError) -> String {
        try validate(project: project)
        try validate(filename: filename)
        return packagesPrefix + project + "/" + filename
    }

    /// `packages/{project}/{filename}.metadata`: the file's core metadata (PEP 658).
    public static func metadataKey(project: String, filename: String) throws(StorageLayoutError) -> String {
        try fileKey(project: project, filename: filename) + metadataSuffix
    }

    /// `packages/{project}/{filename}.provenance`: the file's PEP 740 provenance object.
    public static func provenanceKey(project: String, filename: String) throws(StorageLayoutError) -> String {
        try fileKey(project: project, filename: filename) + provenanceSuffix
    }

    /// `_wheelhouse/projects/{project}.json`: the project's record.
    public static func recordKey(project: String) throws(StorageLayoutError) -> String {
        try validate(project: project)
        return recordsPrefix + project + recordSuffix
    }

    /// Prefix of the last upstream page seen for each mirrored project.
    public static let upstreamPagesPrefix = "_wheelhouse/upstream/"

    /// `_wheelhouse/upstream/{project}.json`: the last upstream page seen for a mirrored project.
    public static func upstreamPageKey(project: String) throws(StorageLayoutError) -> String {
        try validate(project: project)
        return upstreamPagesPrefix + project + recordSuffix
    }

    /// `simple/{project}/index.html`: the project's page in the static export.
    public static func exportProjectKey(project: String) throws(StorageLayoutError) -> String {
        try validate(project: project)
        return "simple/" + project + "/index.html"
    }

    /// `_wheelhouse/tokens/{id}.json`: one API token record (its hash, never the secret).
    public static func tokenKey(id: String) throws(StorageLayoutError) -> String {
        guard !id.isEmpty, id.utf8.allSatisfy({ isASCIIAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") })
        else { throw .invalidTokenID(id) }
        return tokensPrefix + id + recordSuffix
    }

    /// The project and filename of a distribution file key; nil for any other key, including
    /// metadata and provenance keys and keys whose parts would not pass validation.
    public static func parseFileKey(_ key: String) -> (project: String, filename: String)? {
        guard let parts = splitPackagesKey(key), !parts.filename.hasSuffix(metadataSuffix),
            !parts.filename.hasSuffix(provenanceSuffix)
        else { return nil }
        return parts
    }

    /// The project and distribution filename a provenance key belongs to; nil for any other key.
    public static func parseProvenanceKey(_ key: String) -> (project: String, filename: String)? {
        guard let parts = splitPackagesKey(key), parts.filename.hasSuffix(provenanceSuffix) else { return nil }
        let filename = String(parts.filename.dropLast(provenanceSuffix.count))
        guard (try? validate(filename: filename)) != nil else { return nil }
        return (parts.project, filename)
    }

    /// The project and distribution filename a metadata key belongs to; nil for any other key.
    public static func parseMetadataKey(_ key: String) -> (project: String, filename: String)? {
        guard let parts = splitPackagesKey(key), parts.filename.hasSuffix(metadataSuffix) else { return nil }
        let filename = String(parts.filename.dropLast(metadataSuffix.count))
        guard (try? validate(filename: filename)) != nil else { return nil }
        return (parts.project, filename)
    }

    /// The project a record key belongs to; nil for any other key.
    public static func parseRecordKey(_ key: String) -> String? {
        guard key.hasPrefix(recordsPrefix), key.hasSuffix(recordSuffix) else { return nil }
        let project = String(key.dropFirst(recordsPrefix.count).dropLast(recordSuffix.count))
        guard (try? validate(project: project)) != nil else { return nil }
        return project
    }

    /// PEP 503: a normalized name is lowercase ASCII letters and digits in runs joined by single
    /// `-`, with no `-` at either end (what `re.sub(r"[-_.]+", "-", name).lower()` leaves of a
    /// valid PEP 508 name).
    /// The longest project name a key may hold, in bytes: a record key's last component
    /// (`{project}.json`) must fit a file name (255 bytes on common file systems).
    public static let maxProjectNameLength = 200
    /// The longest filename a key may hold, in bytes: `{filename}.metadata` must fit a file name.
    public static let maxFilenameLength = 240

    public static func isNormalizedProjectName(_ name: String) -> Bool {
        isNormalizedProjectName(utf8: name.utf8)
    }

    /// `isNormalizedProjectName` of a name's UTF-8 bytes (as they come off a connection).
    public static func isNormalizedProjectName(utf8 name: some Collection<UInt8>) -> Bool {
        guard name.count <= maxProjectNameLength else { return false }
        var previousWasDash = true  // a leading "-" is refused like a doubled one
        for byte in name {
            if byte == UInt8(ascii: "-") {
                if previousWasDash { return false }
                previousWasDash = true
            } else if (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) {
                previousWasDash = false
            } else {
                return false
            }
        }
        return !previousWasDash
    }

    static func validate(project: String) throws(StorageLayoutError) {
        guard isNormalizedProjectName(project) else { throw .invalidProjectName(project) }
    }

    static func validate(filename: String) throws(StorageLayoutError) {
        if filename.isEmpty { throw .invalidFilename(filename, reason: "it is empty") }
        if filename.utf8.count > maxFilenameLength {
            throw .invalidFilename(filename, reason: "it is longer than \(maxFilenameLength) bytes")
        }
        if filename.contains("..") { throw .invalidFilename(filename, reason: "it contains \"..\"") }
        for byte in filename.utf8 {
            switch byte {
            case UInt8(ascii: "/"), UInt8(ascii: "\\"):
                throw .invalidFilename(filename, reason: "it contains a path separator")
            case 0x00..<0x20, 0x7F:
                throw .invalidFilename(filename, reason: "it contains a control character")
            default:
                continue
            }
        }
    }

    private static func splitPackagesKey(_ key: String) -> (project: String, filename: String)? {
        guard key.hasPrefix(packagesPrefix) else { return nil }
        let rest = key.dropFirst(packagesPrefix.count)
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        let project = String(rest[..<slash])
        let filename = String(rest[rest.index(after: slash)...])
        guard (try? validate(project: project)) != nil, (try? validate(filename: filename)) != nil else { return nil }
        return (project, filename)
    }

    private static func isASCIIAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }
}

/// A project name or filename that cannot be part of a storage key.
public enum StorageLayoutError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The project name is not a PEP 503 normalized name.
    case invalidProjectName(String)
    /// The filename could be read as a path, or is otherwise unusable as a key component.
    case invalidFilename(String, reason: String)
    /// A token id with characters other than ASCII letters, digits, `-` and `_`.
    case invalidTokenID(String)

    public var description: String {
        switch self {
        case .invalidProjectName(let name):
            "Invalid project name \(name.debugDescription) in a storage key: expected a PEP 503 normalized name (lowercase letters, digits, single '-' between them)."
        case .invalidFilename(let filename, let reason):
            "Invalid filename \(filename.debugDescription): \(reason)."
        case .invalidTokenID(let id):
            "Invalid token id \(id.debugDescription): only ASCII letters, digits, '-' and '_' are allowed."
        }
    }
}
