/// One thing wrong with a core metadata file.
public enum MetadataProblem: Sendable, Hashable, CustomStringConvertible {
    case notUTF8
    case missingField(String)
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

    public var description: String {
        switch self {
        case .notUTF8: "metadata is not valid UTF-8"
        case let .missingField(f): "required field '\(f)' is missing"
        case let .unknownMetadataVersion(v): "Metadata-Version '\(v)' is not one of \(CoreMetadata.knownVersions.joined(separator: ", "))"
        case let .invalidName(n): "Name '\(n)' is not a valid project name"
        case let .invalidVersion(v): "Version '\(v)' is not a valid PEP 440 version"
        case let .invalidRequiresPython(s): "Requires-Python '\(s)' is not a valid version specifier"
        case let .invalidExtra(e): "Provides-Extra '\(e)' is not a valid extra name"
        case let .fieldTooNew(f, introduced, declared):
            "field '\(f)' needs Metadata-Version \(introduced) or later, but the file declares \(declared)"
        case let .repeatedField(f, n): "field '\(f)' may appear once but appears \(n) times"
        case let .invalidDynamic(f): "Dynamic may not name '\(f)'"
        case .multilineSummary: "Summary must be a single line"
        }
    }
}

/// Every problem `CoreMetadata.validate()` found.
public struct MetadataValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    public let problems: [MetadataProblem]

    public var description: String {
        "invalid core metadata: " + problems.map(\.description).joined(separator: "; ")
    }
}

extension CoreMetadata {
    static let knownVersions = ["1.0", "1.1", "1.2", "2.1", "2.2", "2.3", "2.4", "2.5"]

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

    /// Checks the metadata and throws every problem found, not only the first.
    public func validate() throws(MetadataValidationError) {
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
            if let declaredIndex = Self.knownVersions.firstIndex(of: declared) {
                var reported = Set<String>()
                for field in fields {
                    let key = field.name.lowercased()
                    guard let introduced = Self.fieldIntroduced[key],
                        let introducedIndex = Self.knownVersions.firstIndex(of: introduced),
                        introducedIndex > declaredIndex, reported.insert(key).inserted
                    else { continue }
                    problems.append(.fieldTooNew(field: field.name, introducedIn: introduced, declared: declared))
                }
            } else {
                problems.append(.unknownMetadataVersion(declared))
            }
        }
        if let name, !ProjectName.isValid(name) { problems.append(.invalidName(name)) }
        if let version, !Version.isValid(version) { problems.append(.invalidVersion(version)) }
        // An empty Requires-Python is a mistake, though an empty specifier set is valid.
        if let requiresPython,
            requiresPython.allSatisfy({ $0 == " " || $0 == "\t" }) || (try? SpecifierSet(requiresPython)) == nil
        {
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
        if !problems.isEmpty { throw MetadataValidationError(problems: problems) }
    }
}
