/// One thing wrong with a core metadata file.
///
/// The ingest rule follows what pip installs and PyPI serves, not the letter of the newest
/// specification: a problem is an **error** (the file is refused) only when it would make the
/// index lie or a client fail — undecodable bytes, a missing or invalid Name or Version, a
/// Metadata-Version whose major version no installer reads. Everything else is a **warning**:
/// the file is accepted, its METADATA served byte for byte, and the upload's output says what
/// is unusual (setuptools wrote `License-File` under 2.1 for years; old bdist_wheel wrote 2.0).
public enum MetadataProblem: Sendable, Hashable, CustomStringConvertible {
    case notUTF8
    case missingField(String)
    /// A Metadata-Version that is not `MAJOR.MINOR`, or whose major version is not 1 or 2.
    case unsupportedMetadataVersion(String)
    /// A 1.x or 2.x Metadata-Version newer than the ones known here (accepted, as pip does).
    case unknownMetadataVersion(String)
    case invalidName(String)
    case invalidVersion(String)
    case invalidRequiresPython(String)
    case invalidExtra(String)
    /// A field used in a Metadata-Version older than the one that introduced it.
    case fieldTooNew(field: String, introducedIn: String, declared: String)
    /// A single-use field written more than once.
    case repeatedField(field: String, count: Int)
    /// `Dynamic` may not name Name, Version or Metadata-Version, and must name known fields.
    case invalidDynamic(String)
    case multilineSummary

    /// True when the file must be refused; false for a warning.
    public var isError: Bool {
        switch self {
        case .notUTF8, .missingField, .unsupportedMetadataVersion, .invalidName, .invalidVersion: true
        case .unknownMetadataVersion, .invalidRequiresPython, .invalidExtra, .fieldTooNew, .repeatedField,
            .invalidDynamic, .multilineSummary:
            false
        }
    }

    public var description: String {
        switch self {
        case .notUTF8: "metadata is not valid UTF-8"
        case let .missingField(f): "required field '\(f)' is missing"
        case let .unsupportedMetadataVersion(v):
            "Metadata-Version '\(v)' is not supported (installers read 1.x and 2.x: \(CoreMetadata.knownVersions.joined(separator: ", ")))"
        case let .unknownMetadataVersion(v):
            "Metadata-Version '\(v)' is newer than this index knows (\(CoreMetadata.knownVersions.last ?? "")); its METADATA is served as it is"
        case let .invalidName(n): "Name '\(n)' is not a valid project name"
        case let .invalidVersion(v): "Version '\(v)' is not a valid PEP 440 version"
        case let .invalidRequiresPython(s):
            "Requires-Python '\(s)' is not a valid version specifier (installers ignore it; the index does not advertise it)"
        case let .invalidExtra(e): "Provides-Extra '\(e)' is not a valid extra name"
        case let .fieldTooNew(f, introduced, declared):
            "field '\(f)' needs Metadata-Version \(introduced) or later, but the file declares \(declared)"
        case let .repeatedField(f, n): "field '\(f)' may appear once but appears \(n) times"
        case let .invalidDynamic(f): "Dynamic may not name '\(f)'"
        case .multilineSummary: "Summary must be a single line"
        }
    }
}

/// The problems that make `CoreMetadata.validate()` refuse a file (errors only).
public struct MetadataValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    public let problems: [MetadataProblem]

    public var description: String {
        "invalid core metadata: " + problems.map(\.description).joined(separator: "; ")
    }
}

extension CoreMetadata {
    /// The Metadata-Versions of the core metadata specification. 2.0 was never a standard, but
    /// bdist_wheel wrote it for years and PyPI accepts it; it is read as 2.1's predecessor.
    static let knownVersions = ["1.0", "1.1", "1.2", "2.0", "2.1", "2.2", "2.3", "2.4", "2.5"]

    /// The Metadata-Version that introduced each field (core metadata specification,
    /// PEP 314, 345, 566, 643, 639, 794), keyed by lowercased name.
    static let fieldIntroduced: [String: String] = [
        "metadata-version": "1.0", "name": "1.0", "version": "1.0", "platform": "1.0",
        "summary": "1.0", "description": "1.0", "keywords": "1.0", "home-page": "1.0",
        "author": "1.0", "author-email": "1.0", "license": "1.0",
        "supported-platform": "1.1", "download-url": "1.1", "classifier": "1.1",
        "requires": "1.1", "provides": "1.1", "obsoletes": "1.1",
        "maintainer": "1.2", "maintainer-email": "1.2", "requires-dist": "1.2",
        "requires-python": "1.2", "requires-external": "1.2", "project-url": "1.2",
        "provides-dist": "1.2", "obsoletes-dist": "1.2",
        "description-content-type": "2.1", "provides-extra": "2.1",
        "dynamic": "2.2",
        "license-expression": "2.4", "license-file": "2.4",
        "import-name": "2.5", "import-namespace": "2.5",
    ]

    /// Fields that may appear more than once.
    static let multipleUse: Set<String> = [
        "dynamic", "platform", "supported-platform", "license-file", "classifier", "requires-dist",
        "requires-external", "project-url", "provides-extra", "provides-dist", "obsoletes-dist",
        "requires", "provides", "obsoletes", "import-name", "import-namespace",
    ]

    /// `MAJOR.MINOR` of a Metadata-Version, when it is one.
    static func majorMinor(_ version: String) -> (major: Int, minor: Int)? {
        let parts = version.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]), major >= 0, minor >= 0,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) })
        else { return nil }
        return (major, minor)
    }

    /// Every problem with the metadata, errors and warnings, in a stable order.
    public func problems() -> [MetadataProblem] {
        var problems: [MetadataProblem] = []
        if !isValidUTF8 { problems.append(.notUTF8) }

        for required in ["Metadata-Version", "Name", "Version"] where value(required) == nil {
            problems.append(.missingField(required))
        }
        var counts: [String: (name: String, count: Int)] = [:]
        for field in fields { counts[field.name.lowercased(), default: (field.name, 0)].count += 1 }
        for (key, entry) in counts.sorted(by: { $0.key < $1.key })
        where entry.count > 1 && !Self.multipleUse.contains(key) {
            problems.append(.repeatedField(field: entry.name, count: entry.count))
        }

        if let declared = metadataVersion {
            if let parsed = Self.majorMinor(declared), parsed.major == 1 || parsed.major == 2 {
                let (major, minor) = parsed
                let known = Self.knownVersions.compactMap(Self.majorMinor)
                if !known.contains(where: { $0 == (major, minor) }) {
                    problems.append(.unknownMetadataVersion(declared))
                }
                // bdist_wheel's 2.0 wrote the fields PEP 566 then standardized as 2.1.
                let level = (major, minor) == (2, 0) ? (2, 1) : (major, minor)
                var reported = Set<String>()
                for field in fields {
                    let key = field.name.lowercased()
                    guard let introduced = Self.fieldIntroduced[key], let needed = Self.majorMinor(introduced),
                        needed > level, reported.insert(key).inserted
                    else { continue }
                    problems.append(.fieldTooNew(field: field.name, introducedIn: introduced, declared: declared))
                }
            } else {
                problems.append(.unsupportedMetadataVersion(declared))
            }
        }
        if let name, !ProjectName.isValid(name) { problems.append(.invalidName(name)) }
        if let version, !Version.isValid(version) { problems.append(.invalidVersion(version)) }
        if let requiresPython, !Self.isUsableRequiresPython(requiresPython) {
            problems.append(.invalidRequiresPython(requiresPython))
        }
        // PEP 685: extras are validated as names whatever the metadata version.
        for extra in providesExtra where !ProjectName.isValid(extra) { problems.append(.invalidExtra(extra)) }
        for entry in dynamic {
            let key = entry.lowercased()
            if ["name", "version", "metadata-version"].contains(key) || Self.fieldIntroduced[key] == nil {
                problems.append(.invalidDynamic(entry))
            }
        }
        if let summary, summary.contains(where: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            problems.append(.multilineSummary)
        }
        return problems
    }

    /// Throws the errors among `problems()` and returns the warnings.
    @discardableResult
    public func validate() throws(MetadataValidationError) -> [MetadataProblem] {
        let all = problems()
        let errors = all.filter(\.isError)
        if !errors.isEmpty { throw MetadataValidationError(problems: errors) }
        return all.filter { !$0.isError }
    }

    /// An empty Requires-Python is a mistake, though an empty specifier set is valid.
    static func isUsableRequiresPython(_ text: String) -> Bool {
        !text.allSatisfy({ $0 == " " || $0 == "\t" }) && (try? SpecifierSet(text)) != nil
    }

    /// `Requires-Python` as the index advertises it: nil when it cannot be parsed, since pip
    /// and uv ignore such a value and an index page must not carry what clients cannot read.
    public var usableRequiresPython: String? {
        guard let requiresPython, Self.isUsableRequiresPython(requiresPython) else { return nil }
        return requiresPython
    }
}
