/// A source distribution filename.
///
/// PEP 625: `{name}-{version}.tar.gz` with the name normalized to underscores. The legacy
/// spellings still found on indexes are accepted too: `.zip`, and names with hyphens, dots and
/// mixed case (`Foo-Bar-1.0.tar.gz`). The name/version split is the last `-` whose right side is
/// a valid PEP 440 version and whose left side is a valid project name; when the filename is
/// ambiguous (`foo-bar-1.0-1.tar.gz`), `projectHint` picks the split whose name is the project.
public struct SdistFilename: Sendable, Hashable, CustomStringConvertible {
    public enum Format: String, Sendable, Hashable {
        case tarGz = ".tar.gz"
        case zip = ".zip"
    }

    /// The filename exactly as given.
    public let filename: String
    /// The name as written (`Foo-Bar`).
    public let name: String
    /// PEP 503 normalized name (`foo-bar`).
    public let normalizedName: String
    public let version: Version
    public let format: Format

    public init(_ filename: String, projectHint: String? = nil) throws(FilenameError) {
        try FilenameError.checkSafe(filename)
        let format: Format
        if filename.hasSuffix(Format.tarGz.rawValue) {
            format = .tarGz
        } else if filename.hasSuffix(Format.zip.rawValue) {
            format = .zip
        } else {
            throw .unsupportedExtension(filename: filename)
        }
        let stem = String(filename.dropLast(format.rawValue.count))
        let dashes = stem.indices.filter { stem[$0] == "-" }.reversed()
        guard !dashes.isEmpty else { throw .wrongPartCount(filename: filename) }

        var candidates: [(name: String, version: Version)] = dashes.compactMap { dash in
            let name = String(stem[..<dash])
            guard ProjectName.isValid(name), let version = try? Version(String(stem[stem.index(after: dash)...])) else {
                return nil
            }
            return (name, version)
        }
        if let projectHint {
            let wanted = ProjectName.normalize(projectHint)
            candidates = candidates.filter { ProjectName.normalize($0.name) == wanted }
            if candidates.isEmpty { throw .projectMismatch(filename: filename, project: projectHint) }
        }
        guard let (name, version) = candidates.first else {
            // Report the part that is wrong: the name if some split has a valid version.
            let versioned = dashes.first { Version.isValid(String(stem[stem.index(after: $0)...])) }
            if let versioned {
                throw .invalidName(filename: filename, name: String(stem[..<versioned]))
            }
            let last = dashes.first ?? stem.startIndex
            throw .invalidVersion(filename: filename, version: String(stem[stem.index(after: last)...]))
        }
        self.filename = filename
        self.name = name
        self.normalizedName = ProjectName.normalize(name)
        self.version = version
        self.format = format
    }

    public var description: String { filename }
}
