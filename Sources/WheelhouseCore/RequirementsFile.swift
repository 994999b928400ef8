/// A pip requirements file, as `pip install -r` reads it and as `pip-compile --generate-hashes`
/// and `uv pip compile --generate-hashes` write it.
///
/// What is read (pip's `req_file.py` rules):
/// - lines joined at a trailing `\`; comments from `#` at the start of a line or after whitespace;
/// - requirements with per-requirement `--hash=ALGO:HEX` options (repeatable, as
///   `--hash=sha256:…` or `--hash sha256:…`);
/// - `-r`/`--requirement FILE` and `-c`/`--constraint FILE`, relative to the including file;
/// - index options (`-i`/`--index-url`, `--extra-index-url`, `-f`/`--find-links`, `--no-index`,
///   `--trusted-host`) and installer preferences (`--pre`, `--prefer-binary`, `--only-binary`,
///   `--no-binary`, `--use-feature`): ignored here, reported once in `ignoredOptions`, since a
///   selection from a store or an upstream names its own index.
/// What is refused, naming the file and line: editable installs (`-e`), direct URLs and local
/// paths (an index serves only index dependencies), unknown options, and include cycles.
///
/// Core does no I/O: `read` is given a path (as written in the including file, joined to its
/// folder) and returns the file's text.
public struct RequirementsFile: Sendable {
    /// One requirement line and where it came from.
    public struct Entry: Sendable, Hashable {
        public var requirement: Requirement
        /// Lowercased hex digests by algorithm (`sha256`), from `--hash` options; empty when
        /// the line has none.
        public var hashes: [String: Set<String>]
        /// `path, line N`.
        public var source: String
    }

    public var requirements: [Entry] = []
    /// Lines of `-c` files: they narrow versions but select nothing by themselves.
    public var constraints: [Entry] = []
    /// Options that have no meaning here, once each, as written (`--index-url`, ...).
    public var ignoredOptions: [String] = []
    /// Files read so far, includes counted each time (see `maxIncludes`).
    private var filesRead = 0

    /// `-r`/`-c` nesting deeper than this is refused: a chain of distinct paths (`-r sub/r.txt`
    /// with `sub` a link to `.`) never repeats a path, so the cycle check alone does not end it,
    /// and every level is a stack frame.
    public static let maxIncludeDepth = 32
    /// Files read for one parse, includes counted each time: a file that includes the next one
    /// twice, thirty levels deep, would otherwise be read 2^30 times.
    public static let maxIncludes = 1_000

    /// The sha256 digests allowed per normalized project, from every hashed requirement and
    /// constraint. pip's hash-checking mode: a file whose digest is not listed is refused.
    public var allowedSHA256: [String: Set<String>] {
        var out: [String: Set<String>] = [:]
        for entry in requirements + constraints {
            guard let digests = entry.hashes["sha256"] else { continue }
            out[entry.requirement.name.normalized, default: []].formUnion(digests)
        }
        return out
    }

    /// A note for the user about the ignored options, or nil.
    public var ignoredOptionsNote: String? {
        guard !ignoredOptions.isEmpty else { return nil }
        return "ignored \(ignoredOptions.joined(separator: ", ")) in the requirements file: the selection uses its own store or upstream"
    }

    public init() {}

    /// Reads `path` and everything it includes.
    public static func parse(
        path: String, read: (String) throws -> String
    ) throws(RequirementsFileError) -> RequirementsFile {
        var file = RequirementsFile()
        var visiting: [String] = []
        try file.include(path: path, asConstraints: false, read: read, visiting: &visiting)
        return file
    }

    /// Parses `text` as if read from `path` (includes are read with `read`).
    public static func parse(
        text: String, path: String,
        read: (String) throws -> String = { throw RequirementsFileError.unreadable(path: $0, message: "includes are not available") }
    ) throws(RequirementsFileError) -> RequirementsFile {
        var file = RequirementsFile()
        var visiting = [path]
        try file.parseLines(text, path: path, asConstraints: false, read: read, visiting: &visiting)
        return file
    }

    // MARK: Parsing

    static let ignoredWithValue: Set<String> = [
        "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host", "--only-binary",
        "--no-binary", "--use-feature", "--progress-bar",
    ]
    static let ignoredFlags: Set<String> = ["--no-index", "--pre", "--prefer-binary", "--require-hashes"]
    /// Per-requirement options other than `--hash` that mean nothing for a selection.
    static let perRequirementIgnored: Set<String> = ["--config-settings", "--global-option", "--install-option"]

    mutating func include(
        path: String, asConstraints: Bool, read: (String) throws -> String, visiting: inout [String]
    ) throws(RequirementsFileError) {
        if visiting.contains(path) {
            throw .includeCycle(visiting + [path])
        }
        if visiting.count > Self.maxIncludeDepth {
            throw .tooManyIncludes(path: path, reason: "requirements files are nested more than \(Self.maxIncludeDepth) deep")
        }
        filesRead += 1
        if filesRead > Self.maxIncludes {
            throw .tooManyIncludes(path: path, reason: "more than \(Self.maxIncludes) requirements files are read (includes counted each time)")
        }
        let text: String
        do {
            text = try read(path)
        } catch let error as RequirementsFileError {
            throw error
        } catch {
            throw .unreadable(path: path, message: "\(error)")
        }
        visiting.append(path)
        defer { visiting.removeLast() }
        try parseLines(text, path: path, asConstraints: asConstraints, read: read, visiting: &visiting)
    }

    mutating func parseLines(
        _ text: String, path: String, asConstraints: Bool, read: (String) throws -> String, visiting: inout [String]
    ) throws(RequirementsFileError) {
        for (number, line) in Self.logicalLines(text) {
            let source = "\(path), line \(number)"
            let tokens = Self.tokens(line)
            guard let first = tokens.first else { continue }
            if first.hasPrefix("-") {
                try option(tokens, source: source, path: path, read: read, visiting: &visiting)
                continue
            }
            // pip's break_args_options: the requirement is every token before the first option.
            let optionStart = tokens.firstIndex { $0.hasPrefix("-") } ?? tokens.endIndex
            let spec = tokens[..<optionStart].joined(separator: " ")
            let hashes = try Self.hashes(Array(tokens[optionStart...]), source: source)
            if Self.looksLikeURLOrPath(spec) {
                throw .unsupported(
                    line: spec, source: source, reason: "direct URLs and local paths cannot be selected from an index; name the project and version instead")
            }
            let requirement: Requirement
            do {
                requirement = try Requirement(spec)
            } catch {
                throw .invalidRequirement(line: spec, source: source, message: error.description)
            }
            let entry = Entry(requirement: requirement, hashes: hashes, source: source)
            if asConstraints { constraints.append(entry) } else { requirements.append(entry) }
        }
    }

    mutating func option(
        _ tokens: [String], source: String, path: String, read: (String) throws -> String, visiting: inout [String]
    ) throws(RequirementsFileError) {
        var name = tokens[0]
        var value: String? = tokens.count > 1 ? tokens[1] : nil
        if let equals = name.firstIndex(of: "="), name.hasPrefix("--") {
            value = String(name[name.index(after: equals)...])
            name = String(name[..<equals])
        } else if name.count > 2, name.hasPrefix("-"), !name.hasPrefix("--") {
            // `-rfile.txt`, as pip's optparse accepts.
            value = String(name.dropFirst(2))
            name = String(name.prefix(2))
        }
        switch name {
        case "-r", "--requirement", "-c", "--constraint":
            guard let value, !value.isEmpty else { throw .invalidOption(option: name, source: source, reason: "needs a file name") }
            try include(
                path: Self.join(relativeTo: path, value), asConstraints: name == "-c" || name == "--constraint",
                read: read, visiting: &visiting)
        case "-e", "--editable":
            throw .unsupported(line: tokens.joined(separator: " "), source: source, reason: "editable installs cannot be selected from an index")
        case _ where Self.ignoredWithValue.contains(name) || Self.ignoredFlags.contains(name):
            if !ignoredOptions.contains(name) { ignoredOptions.append(name) }
        default:
            throw .invalidOption(option: name, source: source, reason: "not an option pip's requirements files take")
        }
    }

    /// `--hash=sha256:HEX` (or `--hash sha256:HEX`) options after a requirement.
    static func hashes(_ options: [String], source: String) throws(RequirementsFileError) -> [String: Set<String>] {
        var out: [String: Set<String>] = [:]
        var index = 0
        while index < options.count {
            var name = options[index]
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            } else if index + 1 < options.count, !options[index + 1].hasPrefix("-") {
                index += 1
                value = options[index]
            }
            index += 1
            if perRequirementIgnored.contains(name) { continue }
            guard name == "--hash" else {
                throw .invalidOption(option: name, source: source, reason: "only --hash may follow a requirement")
            }
            guard let value, let colon = value.firstIndex(of: ":") else {
                throw .invalidOption(option: "--hash", source: source, reason: "expects ALGORITHM:HEXDIGEST, e.g. sha256:…")
            }
            let algorithm = value[..<colon].lowercased()
            let digest = value[value.index(after: colon)...].lowercased()
            let lengths = ["sha256": 64, "sha384": 96, "sha512": 128]
            guard let length = lengths[algorithm], digest.count == length, digest.allSatisfy(\.isHexDigit) else {
                throw .invalidOption(option: "--hash", source: source, reason: "'\(value)' is not a sha256, sha384 or sha512 hex digest")
            }
            out[algorithm, default: []].insert(digest)
        }
        return out
    }

    /// Logical lines with the number of their first physical line: comments removed, `\`
    /// continuations joined (pip: `join_lines`, then `ignore_comments`).
    static func logicalLines(_ text: String) -> [(Int, String)] {
        var out: [(Int, String)] = []
        var pending: String?
        var start = 0
        let physical = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        for (offset, raw) in physical.enumerated() {
            let line = String(raw)
            if pending == nil { start = offset + 1 }
            // A comment line ends a continuation (pip keeps the joined part before it).
            if line.hasSuffix("\\") && !isCommentOnly(line) {
                pending = (pending ?? "") + String(line.dropLast())
                continue
            }
            var joined = (pending ?? "") + (isCommentOnly(line) && pending != nil ? "" : line)
            pending = nil
            joined = stripComment(joined)
            let trimmed = joined.trimmingSpaces
            if !trimmed.isEmpty { out.append((start, trimmed)) }
        }
        if let pending {
            let trimmed = stripComment(pending).trimmingSpaces
            if !trimmed.isEmpty { out.append((start, trimmed)) }
        }
        return out
    }

    static func isCommentOnly(_ line: String) -> Bool { line.trimmingSpaces.hasPrefix("#") }

    /// pip's COMMENT_RE `(^|\s+)#.*$`.
    static func stripComment(_ line: String) -> String {
        var previous: Character?
        for index in line.indices {
            let c = line[index]
            if c == "#", previous == nil || previous == " " || previous == "\t" { return String(line[..<index]) }
            previous = c
        }
        return line
    }

    /// Whitespace-separated tokens; a quoted marker value keeps its spaces.
    static func tokens(_ line: String) -> [String] {
        var out: [String] = []
        var current = ""
        var quote: Character?
        for c in line {
            if let q = quote {
                current.append(c)
                if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
                current.append(c)
            } else if c == " " || c == "\t" {
                if !current.isEmpty { out.append(current); current = "" }
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    static func looksLikeURLOrPath(_ spec: String) -> Bool {
        let lowered = spec.lowercased()
        if ["http://", "https://", "file:", "git+", "hg+", "svn+", "bzr+"].contains(where: { lowered.hasPrefix($0) }) { return true }
        if spec.hasPrefix(".") || spec.hasPrefix("/") || spec.hasPrefix("~") { return true }
        let name = spec.prefix { !" ;[<>=!~@".contains($0) }
        return DistributionFilename.hasAcceptedExtension(name)
    }

    /// `value` relative to the folder of `path` (pip: relative to the including file), unless
    /// absolute.
    static func join(relativeTo path: String, _ value: String) -> String {
        if value.hasPrefix("/") { return value }
        guard let slash = path.lastIndex(of: "/") else { return value }
        return String(path[...slash]) + value
    }
}

/// Why a requirements file cannot be used; every case names the file and line.
public enum RequirementsFileError: Error, Sendable, Hashable, CustomStringConvertible {
    case unreadable(path: String, message: String)
    case invalidRequirement(line: String, source: String, message: String)
    case invalidOption(option: String, source: String, reason: String)
    case unsupported(line: String, source: String, reason: String)
    case includeCycle([String])
    /// Includes nested past `RequirementsFile.maxIncludeDepth` or more than `maxIncludes` reads.
    case tooManyIncludes(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(path, message): "cannot read requirements file \(path): \(message)"
        case let .invalidRequirement(line, source, message): "\(source): '\(line)' is not a valid requirement: \(message)"
        case let .invalidOption(option, source, reason): "\(source): \(option): \(reason)"
        case let .unsupported(line, source, reason): "\(source): '\(line)': \(reason)"
        case let .includeCycle(paths): "requirements files include each other: \(paths.joined(separator: " -> "))"
        case let .tooManyIncludes(path, reason): "cannot include \(path): \(reason)"
        }
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }
}

extension Requirement {
    /// pip's constraint semantics (`-c`): whether this constraint rules out `version` of
    /// `project` on a target whose markers are `environment` (one for another project, or whose
    /// marker is false there, rules out nothing).
    public func excludes(_ project: ProjectName, _ version: Version, on environment: MarkerEnvironment) -> Bool {
        name == project && !specifier.contains(version, prereleases: true) && (marker.map { $0.evaluate(environment) } ?? true)
    }
}
