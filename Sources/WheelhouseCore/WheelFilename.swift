/// PEP 427 build tag: a number, then an optional suffix (`1abc` → 1, "abc"); sorts by number
/// first, then by suffix, as installers break ties between otherwise equal wheels.
public struct BuildTag: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let number: Int
    public let suffix: String

    public init(number: Int, suffix: String) {
        self.number = number
        self.suffix = suffix
    }

    public static func < (a: BuildTag, b: BuildTag) -> Bool {
        (a.number, a.suffix) < (b.number, b.suffix)
    }

    public var description: String { "\(number)\(suffix)" }
}

/// PEP 427 / PEP 491 wheel filename:
/// `{name}-{version}(-{build tag})?-{python tag}-{abi tag}-{platform tag}.whl`.
///
/// Follows `packaging.utils.parse_wheel_filename`, and is stricter where an index has to be:
/// the name must be a valid project name, the filename printable ASCII with no path
/// separators, and a compressed tag set may expand to at most `Tag.defaultExpansionLimit` tags.
public struct WheelFilename: Sendable, Hashable, CustomStringConvertible {
    /// The filename exactly as given.
    public let filename: String
    /// The escaped name as written (`typing_extensions`).
    public let name: String
    /// PEP 503 normalized name (`typing-extensions`).
    public let normalizedName: String
    public let version: Version
    public let buildTag: BuildTag?
    /// The python, ABI and platform tag components as written (`["py2", "py3"]`).
    public let pythonTags: [String]
    public let abiTags: [String]
    public let platformTags: [String]
    /// The expanded compressed tag set, in written order.
    public let tags: [Tag]

    public init(_ filename: String) throws(FilenameError) {
        try self.init(filename, tagLimit: Tag.defaultExpansionLimit)
    }

    public init(_ filename: String, tagLimit: Int) throws(FilenameError) {
        try FilenameError.checkSafe(filename)
        guard filename.hasSuffix(".whl") else { throw .unsupportedExtension(filename: filename) }
        let parts = filename.dropLast(4).split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 5 || parts.count == 6 else { throw .wrongPartCount(filename: filename) }

        // PEP 427: the name is escaped with `_` for runs of `-_.`; `__` never appears.
        let name = parts[0]
        guard !name.contains("__"), ProjectName.isValid(name) else {
            throw .invalidName(filename: filename, name: name)
        }
        let version: Version
        do {
            version = try Version(parts[1])
        } catch {
            throw .invalidVersion(filename: filename, version: parts[1])
        }
        var buildTag: BuildTag?
        if parts.count == 6 {
            let raw = parts[2]
            let digits = raw.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let number = Int(digits) else {
                throw .invalidBuildTag(filename: filename, buildTag: raw)
            }
            buildTag = BuildTag(number: number, suffix: String(raw.dropFirst(digits.count)))
        }
        let tagSet = parts.suffix(3).joined(separator: "-")
        do {
            self.tags = try Tag.expand(tagSet, limit: tagLimit)
        } catch {
            throw .invalidTag(filename: filename, error)
        }
        // PEP 425/427: tags are made of letters, digits and `_` (every other run is escaped to
        // `_`); a build tag is a number with such a suffix (pypa's tools also keep a `.`). Checked
        // after the rules above, so their refusals keep their reasons.
        for component in parts.suffix(2).flatMap({ $0.split(separator: ".") }) where !Self.isTagWord(component, allowingDot: false) {
            throw .invalidTag(filename: filename, .invalidCharacters(tagSet: tagSet, component: String(component)))
        }
        if let buildTag, !Self.isTagWord(Substring(buildTag.suffix), allowingDot: true) {
            throw .invalidBuildTag(filename: filename, buildTag: parts[2])
        }
        self.filename = filename
        self.name = name
        self.normalizedName = ProjectName.normalize(name)
        self.version = version
        self.buildTag = buildTag
        let components = parts.suffix(3).map { $0.split(separator: ".").map(String.init) }
        self.pythonTags = components[components.startIndex]
        self.abiTags = components[components.startIndex + 1]
        self.platformTags = components[components.startIndex + 2]
    }

    public var description: String { filename }

    static func isTagWord(_ text: Substring, allowingDot: Bool) -> Bool {
        text.utf8.allSatisfy { c in
            (0x30...0x39).contains(c) || (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c) || c == UInt8(ascii: "_")
                || (allowingDot && c == UInt8(ascii: "."))
        }
    }
}
