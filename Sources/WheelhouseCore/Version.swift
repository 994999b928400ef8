/// A PEP 440 version, parsed leniently and compared exactly as pypa/packaging does.
///
/// PEP 440: `[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]`, plus every alternative spelling the
/// "Normalization" section allows (leading `v`, surrounding whitespace, `-`/`_`/`.` separators,
/// `alpha`/`beta`/`c`/`pre`/`preview`/`rev`/`r`, implicit numbers, implicit post `1.0-1`).
/// Equality and hashing follow the ordering, so `1.0 == 1.0.0`.
public struct Version: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// A pre-release segment such as `a1`, `b2`, `rc3`.
    public struct PreRelease: Hashable, Sendable, CustomStringConvertible {
        public enum Kind: String, Hashable, Sendable, CaseIterable {
            case alpha = "a"
            case beta = "b"
            case releaseCandidate = "rc"
        }

        public let kind: Kind
        public let number: Int

        public init(kind: Kind, number: Int) {
            self.kind = kind
            self.number = number
        }

        public var description: String { "\(kind.rawValue)\(number)" }
    }

    /// One dot-separated part of a local version label. Numbers keep their digits (without
    /// leading zeros) so labels of any length compare numerically without overflow.
    enum LocalSegment: Hashable, Sendable, Comparable, CustomStringConvertible {
        case number(String)
        case text(String)

        var description: String {
            switch self {
            case .number(let digits): digits
            case .text(let text): text
            }
        }

        /// PEP 440: alphanumeric segments sort before numeric ones; numbers compare
        /// numerically, strings lexicographically.
        static func < (lhs: LocalSegment, rhs: LocalSegment) -> Bool {
            switch (lhs, rhs) {
            case (.text(let a), .text(let b)): Array(a.utf8).lexicographicallyPrecedes(b.utf8)
            case (.text, .number): true
            case (.number, .text): false
            case (.number(let a), .number(let b)):
                a.utf8.count != b.utf8.count
                    ? a.utf8.count < b.utf8.count
                    : Array(a.utf8).lexicographicallyPrecedes(b.utf8)
            }
        }
    }

    public let epoch: Int
    /// The release segment as written, trailing zeros included (`1.0.0` is `[1, 0, 0]`).
    public let release: [Int]
    public let pre: PreRelease?
    public let post: Int?
    public let dev: Int?
    let localSegments: [LocalSegment]?

    public init(_ string: String) throws(VersionError) {
        var parser = VersionParser(string)
        self = try parser.parse()
    }

    init(
        epoch: Int, release: [Int], pre: PreRelease?, post: Int?, dev: Int?,
        localSegments: [LocalSegment]?
    ) {
        self.epoch = epoch
        self.release = release
        self.pre = pre
        self.post = post
        self.dev = dev
        self.localSegments = localSegments
    }

    public static func isValid(_ string: String) -> Bool {
        (try? Version(string)) != nil
    }

    /// The local version label in normalized form (`ubuntu.1`), or nil.
    public var local: String? {
        localSegments.map { $0.map(\.description).joined(separator: ".") }
    }

    /// PEP 440: a version with a pre-release or development segment is a pre-release.
    public var isPrerelease: Bool { pre != nil || dev != nil }
    public var isPostrelease: Bool { post != nil }
    public var isDevrelease: Bool { dev != nil }

    /// The normalized version without its local label (`1!1.2.3.dev1`).
    public var publicVersion: String {
        var text = baseVersion
        if let pre { text += pre.description }
        if let post { text += ".post\(post)" }
        if let dev { text += ".dev\(dev)" }
        return text
    }

    /// Epoch and release only (`1!1.2.3`).
    public var baseVersion: String {
        let releaseText = release.map(String.init).joined(separator: ".")
        return epoch == 0 ? releaseText : "\(epoch)!\(releaseText)"
    }

    /// The normalized form, identical to packaging's `str(Version(...))`.
    public var description: String {
        guard let local else { return publicVersion }
        return "\(publicVersion)+\(local)"
    }

    // MARK: Derived versions used by specifiers

    /// The same version without a local label.
    var withoutLocal: Version {
        localSegments == nil
            ? self
            : Version(epoch: epoch, release: release, pre: pre, post: post, dev: dev, localSegments: nil)
    }

    // MARK: Ordering (packaging's `_cmpkey`)

    /// Release without trailing zeros, so that `1.0.0 == 1`.
    var trimmedRelease: ArraySlice<Int> {
        var end = release.count
        while end > 0 && release[end - 1] == 0 { end -= 1 }
        return release[..<end]
    }

    /// `(pre_rank, pre_n, post_rank, post_n, dev_rank, dev_n)`: dev-only releases sort before
    /// alphas, releases without a pre-release after release candidates, no post before post,
    /// dev before no dev.
    private var suffixKey: [Int] {
        let preRank: Int
        let preNumber: Int
        if let pre {
            preRank =
                switch pre.kind {
                case .alpha: 0
                case .beta: 1
                case .releaseCandidate: 2
                }
            preNumber = pre.number
        } else if post == nil && dev != nil {
            (preRank, preNumber) = (-1, 0)
        } else {
            (preRank, preNumber) = (3, 0)
        }
        return [
            preRank, preNumber,
            post == nil ? 0 : 1, post ?? 0,
            dev == nil ? 1 : 0, dev ?? 0,
        ]
    }

    public static func < (lhs: Version, rhs: Version) -> Bool {
        if lhs.epoch != rhs.epoch { return lhs.epoch < rhs.epoch }
        let (lr, rr) = (lhs.trimmedRelease, rhs.trimmedRelease)
        if lr != rr { return lr.lexicographicallyPrecedes(rr) }
        let (ls, rs) = (lhs.suffixKey, rhs.suffixKey)
        if ls != rs { return ls.lexicographicallyPrecedes(rs) }
        switch (lhs.localSegments, rhs.localSegments) {
        case (nil, nil), (_?, nil): return false
        case (nil, _?): return true
        case (let l?, let r?): return l.lexicographicallyPrecedes(r)
        }
    }

    public static func == (lhs: Version, rhs: Version) -> Bool {
        lhs.epoch == rhs.epoch && lhs.trimmedRelease == rhs.trimmedRelease
            && lhs.suffixKey == rhs.suffixKey && lhs.localSegments == rhs.localSegments
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(epoch)
        hasher.combine(Array(trimmedRelease))
        hasher.combine(suffixKey)
        hasher.combine(localSegments)
    }
}

/// A string that is not a PEP 440 version.
public struct VersionError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Reason: Sendable, Hashable {
        /// The text does not follow PEP 440.
        case invalidSyntax
        /// A numeric component does not fit a 64-bit integer.
        case numberTooLarge(String)
    }

    /// The rejected text.
    public let input: String
    public let reason: Reason

    public var description: String {
        switch reason {
        case .invalidSyntax:
            "'\(input)' is not a valid PEP 440 version"
        case .numberTooLarge(let digits):
            "'\(input)' is not a supported version: the number \(digits) is too large"
        }
    }
}

/// A hand-written matcher equivalent to packaging's `VERSION_PATTERN` (with its possessive
/// quantifiers), on Unicode scalars, so no regex engine is needed.
private struct VersionParser {
    let input: String
    let scalars: [Unicode.Scalar]
    var position = 0
    var end: Int

    init(_ input: String) {
        self.input = input
        self.scalars = Array(input.unicodeScalars)
        self.end = scalars.count
    }

    mutating func parse() throws(VersionError) -> Version {
        // `\s*` on both sides; the pattern itself never contains whitespace.
        while position < end && scalars[position].isPythonWhitespace { position += 1 }
        while end > position && scalars[end - 1].isPythonWhitespace { end -= 1 }

        if peek("v") { position += 1 }

        var epoch = 0
        let start = position
        if let digits = digitRun(), position < end, scalars[position] == "!" {
            position += 1
            epoch = try number(digits)
        } else {
            position = start
        }

        guard let first = digitRun() else { throw invalid }
        var release = [try number(first)]
        while position + 1 < end, scalars[position] == ".", scalars[position + 1].isASCIIDigit {
            position += 1
            if let digits = digitRun() { release.append(try number(digits)) }
        }

        let pre = try parsePre()
        let post = try parsePost()
        let dev = try parseDev()
        let local = parseLocal()

        guard position == end else { throw invalid }
        return Version(
            epoch: epoch, release: release, pre: pre, post: post, dev: dev, localSegments: local)
    }

    var invalid: VersionError { VersionError(input: input, reason: .invalidSyntax) }

    private mutating func parsePre() throws(VersionError) -> Version.PreRelease? {
        let start = position
        skipSeparator()
        let kind: Version.PreRelease.Kind
        if consumeWord("alpha") || consumeWord("a") {
            kind = .alpha
        } else if consumeWord("beta") || consumeWord("b") {
            kind = .beta
        } else if consumeWord("preview") || consumeWord("pre") || consumeWord("c")
            || consumeWord("rc")
        {
            kind = .releaseCandidate
        } else {
            position = start
            return nil
        }
        skipSeparator()
        guard let digits = digitRun() else { return Version.PreRelease(kind: kind, number: 0) }
        return Version.PreRelease(kind: kind, number: try number(digits))
    }

    private mutating func parsePost() throws(VersionError) -> Int? {
        let start = position
        // Implicit post release: `1.0-1`.
        if peek("-") {
            position += 1
            if let digits = digitRun() { return try number(digits) }
            position = start
        }
        skipSeparator()
        guard consumeWord("post") || consumeWord("rev") || consumeWord("r") else {
            position = start
            return nil
        }
        skipSeparator()
        guard let digits = digitRun() else { return 0 }
        return try number(digits)
    }

    private mutating func parseDev() throws(VersionError) -> Int? {
        let start = position
        skipSeparator()
        guard consumeWord("dev") else {
            position = start
            return nil
        }
        skipSeparator()
        guard let digits = digitRun() else { return 0 }
        return try number(digits)
    }

    /// `\+[a-z0-9]+(?:[._-][a-z0-9]+)*`, case-insensitive; segments lowercased, and all-digit
    /// segments stored as numbers.
    private mutating func parseLocal() -> [Version.LocalSegment]? {
        guard peek("+") else { return nil }
        let start = position
        position += 1
        var segments: [Version.LocalSegment] = []
        guard let first = alphanumericRun() else {
            position = start
            return nil
        }
        segments.append(first)
        while position + 1 < end, scalars[position].isVersionSeparator,
            scalars[position + 1].isASCIIAlphanumeric
        {
            position += 1
            if let segment = alphanumericRun() { segments.append(segment) }
        }
        return segments
    }

    private mutating func alphanumericRun() -> Version.LocalSegment? {
        let start = position
        while position < end && scalars[position].isASCIIAlphanumeric { position += 1 }
        guard position > start else { return nil }
        let text = String(String.UnicodeScalarView(scalars[start..<position])).lowercased()
        guard text.unicodeScalars.allSatisfy(\.isASCIIDigit) else { return .text(text) }
        let trimmed = text.drop { $0 == "0" }
        return .number(trimmed.isEmpty ? "0" : String(trimmed))
    }

    private mutating func digitRun() -> Substring? {
        let start = position
        while position < end && scalars[position].isASCIIDigit { position += 1 }
        guard position > start else { return nil }
        return Substring(String(String.UnicodeScalarView(scalars[start..<position])))
    }

    private func number(_ digits: Substring) throws(VersionError) -> Int {
        guard let value = Int(digits) else {
            throw VersionError(input: input, reason: .numberTooLarge(String(digits)))
        }
        return value
    }

    private func peek(_ scalar: Unicode.Scalar) -> Bool {
        position < end && scalars[position].asciiLowercased == scalar
    }

    private mutating func skipSeparator() {
        if position < end && scalars[position].isVersionSeparator { position += 1 }
    }

    /// Consumes `word` (lowercase ASCII) case-insensitively.
    private mutating func consumeWord(_ word: String) -> Bool {
        var index = position
        for expected in word.unicodeScalars {
            guard index < end, scalars[index].asciiLowercased == expected else { return false }
            index += 1
        }
        position = index
        return true
    }
}

extension Unicode.Scalar {
    var isVersionSeparator: Bool { self == "." || self == "_" || self == "-" }

    var asciiLowercased: Unicode.Scalar {
        ("A"..."Z").contains(self) ? Unicode.Scalar(value + 32) ?? self : self
    }

    /// Python's `str.isspace()`, which is what `\s` matches in a `str` pattern.
    var isPythonWhitespace: Bool {
        switch value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029,
            0x202F, 0x205F, 0x3000:
            true
        default:
            false
        }
    }
}
