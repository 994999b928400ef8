/// An AWS Glue runtime as a job sees it: the Python and glibc it runs on (x86_64), the pip
/// that installs `--additional-python-modules`, whether it takes a zip of wheels and
/// requirements files, and the libraries it preinstalls (glue/glue-{version}.txt, compiled in
/// by scripts/generate-glue-profiles.sh; each list's header names its source).
///
/// A preinstalled library counts as installed: pip does not install it again when the
/// installed version satisfies a requirement, and replaces it when the manifest ships another
/// version.
public struct GlueProfile: Sendable, Hashable, CustomStringConvertible {
    /// `5.0`, or a custom profile's label.
    public let version: String
    /// `3.11`: the CPython major.minor of the runtime.
    public let python: String
    public let glibcMajor: Int
    public let glibcMinor: Int
    /// The pip that runs `--additional-python-modules`, e.g. `23.0.1`; nil when not known.
    public let pipVersion: String?
    /// Glue 5.0 and later: `--additional-python-modules` takes a `.gluewheels.zip` and a
    /// requirements file (with `--python-modules-installer-option -r`).
    public let acceptsBundles: Bool
    /// Each preinstalled library at its version, sorted by normalized name.
    public let preinstalled: [PreinstalledLibrary]
    /// The list's comment lines (the runtime and where the list comes from), `#` removed.
    public let source: [String]

    /// One preinstalled library: `pandas==2.2.2` at `line` of the list.
    public struct PreinstalledLibrary: Sendable, Hashable {
        public let name: ProjectName
        public let version: Version
        public let line: Int
    }

    /// `AWS Glue 5.0`.
    public var description: String { "AWS Glue \(version)" }

    /// The built-in runtimes: Glue version, Python, glibc, installer pip, zip and requirements
    /// support. 4.0: Amazon Linux 2; 5.0 and later: Amazon Linux 2023 (6.0's glibc is not
    /// stated by AWS; AL2023's 2.34 is assumed).
    public static let runtimes: [(version: String, python: String, glibc: (major: Int, minor: Int), pip: String, bundles: Bool)] = [
        ("4.0", "3.10", (2, 26), "23.0.1", false),
        ("5.0", "3.11", (2, 34), "23.0.1", true),
        ("5.1", "3.11", (2, 34), "24.0", true),
        ("6.0", "3.13", (2, 34), "24.0", true),
    ]

    /// The Glue versions known without a custom list.
    public static var knownVersions: [String] { runtimes.map(\.version) }

    /// The built-in profile of Glue `version`.
    public static func named(_ version: String) throws(GlueProfileError) -> GlueProfile {
        guard let runtime = runtimes.first(where: { $0.version == version }) else {
            throw .unknownVersion(version, known: knownVersions)
        }
        guard let text = preinstalledLists[version] else { throw .unknownVersion(version, known: knownVersions) }
        let list = try parseList(text, file: "glue/glue-\(version).txt")
        return GlueProfile(
            version: version, python: runtime.python, glibcMajor: runtime.glibc.major, glibcMinor: runtime.glibc.minor,
            pipVersion: runtime.pip, acceptsBundles: runtime.bundles, preinstalled: list.libraries, source: list.comments)
    }

    /// A custom list (`--glue-profile FILE`) in the format of glue/glue-*.txt: `name==version`
    /// lines, `#` comments. The runtime comes from `base` (a built-in profile) when given, and
    /// what the header states overrides it: `AWS Glue X.Y`, `Python X.Y`, `glibc X.Y` and
    /// `pip X.Y.Z`. Without a base the header must state Python and glibc.
    public static func custom(text: String, file: String, base: GlueProfile?) throws(GlueProfileError) -> GlueProfile {
        let list = try parseList(text, file: file)
        let header = list.comments.joined(separator: "\n")
        let label = Self.token(after: "AWS Glue ", in: header) ?? base?.version ?? file
        let python = Self.token(after: "Python ", in: header) ?? base?.python
        var glibc = base.map { ($0.glibcMajor, $0.glibcMinor) }
        if let text = Self.token(after: "glibc ", in: header) {
            let parts = text.split(separator: ".").compactMap { Int($0) }
            guard parts.count == 2 else { throw .invalidHeader(file: file, problem: "'glibc \(text)' is not a glibc version like 2.34") }
            glibc = (parts[0], parts[1])
        }
        guard let python else {
            throw .invalidHeader(file: file, problem: "no 'Python X.Y' in its header comments; state it or pass --glue-version as a base")
        }
        guard let glibc else {
            throw .invalidHeader(file: file, problem: "no 'glibc X.Y' in its header comments; state it or pass --glue-version as a base")
        }
        let pythonParts = python.split(separator: ".", omittingEmptySubsequences: false)
        guard pythonParts.count == 2, pythonParts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }), pythonParts[0] == "3"
        else { throw .invalidHeader(file: file, problem: "'Python \(python)' is not a Python 3 version like 3.11") }
        let pip = Self.token(after: "pip ", in: header) ?? base?.pipVersion
        // Without a base, a custom list stands for a Glue newer than the built-in ones.
        let bundles = base?.acceptsBundles ?? true
        return GlueProfile(
            version: label, python: python, glibcMajor: glibc.0, glibcMinor: glibc.1, pipVersion: pip, acceptsBundles: bundles,
            preinstalled: list.libraries, source: list.comments)
    }

    /// The manylinux platform tags this runtime's pip accepts, newest first, then `linux_x86_64`.
    public var platformTags: [String] {
        TargetEnvironment.manylinuxPlatforms(glibc: (glibcMajor, glibcMinor), arch: "x86_64") + ["linux_x86_64"]
    }

    /// The target the resolver selects wheels for.
    public func target() throws(TargetEnvironmentError) -> TargetEnvironment {
        try TargetEnvironment.glue(self)
    }

    /// The preinstalled version of `name`, if Glue ships it.
    public func preinstalledVersion(of name: ProjectName) -> Version? {
        preinstalled.first { $0.name == name }?.version
    }

    /// The preinstalled set as the resolver takes it.
    public var installed: [ProjectName: Version] {
        Dictionary(preinstalled.map { ($0.name, $0.version) }, uniquingKeysWith: { first, _ in first })
    }

    // MARK: Parsing

    /// `name==version` lines and `#` comments (a comment may follow an entry).
    static func parseList(_ text: String, file: String) throws(GlueProfileError) -> (libraries: [PreinstalledLibrary], comments: [String]) {
        var libraries: [PreinstalledLibrary] = []
        var comments: [String] = []
        var seen: [ProjectName: Int] = [:]
        var problems: [String] = []
        var number = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            var line = Substring(raw)
            if let hash = line.firstIndex(of: "#") {
                let comment = line[line.index(after: hash)...]
                if line[..<hash].allSatisfy(\.isWhitespace) {
                    comments.append(String(comment.drop { $0 == " " }))
                }
                line = line[..<hash]
            }
            let entry = line.trimmingSpaces
            if entry.isEmpty { continue }
            let parts = entry.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[1].isEmpty else {
                problems.append("line \(number): '\(entry)' is not name==version")
                continue
            }
            let nameText = parts[0].trimmingSpaces
            let versionText = parts[2].trimmingSpaces
            do {
                let name = try ProjectName(nameText)
                let version = try Version(versionText)
                if let first = seen[name] {
                    problems.append("line \(number): \(name) is listed again (first on line \(first))")
                    continue
                }
                seen[name] = number
                libraries.append(PreinstalledLibrary(name: name, version: version, line: number))
            } catch let error as ProjectNameError {
                problems.append("line \(number): \(error)")
            } catch {
                problems.append("line \(number): '\(versionText)' is not a PEP 440 version")
            }
        }
        guard problems.isEmpty else { throw .invalidList(file: file, problems: problems) }
        guard !libraries.isEmpty else { throw .invalidList(file: file, problems: ["no name==version line"]) }
        return (libraries.sorted { $0.name < $1.name }, comments)
    }

    /// The word after `prefix` in `text` (up to a space, comma, `)` or line end), if it starts with a digit.
    private static func token(after prefix: String, in text: String) -> String? {
        var rest = Substring(text)
        while let range = rest.firstRange(of: prefix) {
            rest = rest[range.upperBound...]
            let word = rest.prefix { !" ,;()\n\t".contains($0) }
            if let first = word.first, first.isNumber {
                return String(word.hasSuffix(".") ? word.dropLast() : word)
            }
        }
        return nil
    }
}

extension StringProtocol {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
    }
}

/// A Glue profile that cannot be used.
public enum GlueProfileError: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownVersion(String, known: [String])
    /// A preinstalled list with lines that are not `name==version`; every problem, one a line.
    case invalidList(file: String, problems: [String])
    case invalidHeader(file: String, problem: String)

    public var description: String {
        switch self {
        case .unknownVersion(let version, let known):
            "unknown Glue version '\(version)': known versions are \(known.joined(separator: ", ")); "
                + "for another, pass --glue-profile FILE with its preinstalled list"
        case .invalidList(let file, let problems):
            "\(file) is not a preinstalled list (name==version lines, # comments):\n  " + problems.joined(separator: "\n  ")
        case .invalidHeader(let file, let problem):
            "\(file): \(problem)"
        }
    }
}
