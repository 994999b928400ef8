/// One PEP 440 version specifier clause such as `>=1.0`, `==1.2.*` or `~=2.2.post3`.
///
/// Matching follows pypa/packaging 26 exactly, including its string-based prefix matching for
/// `==X.*` and `~=` and the exclusive-ordering rules for `<` and `>`.
public struct Specifier: Sendable, Hashable, CustomStringConvertible {
    /// PEP 440 "Version specifiers": the comparison operators.
    public enum Operator: String, Sendable, Hashable, CaseIterable {
        case compatible = "~="
        case equal = "=="
        case notEqual = "!="
        case lessThanOrEqual = "<="
        case greaterThanOrEqual = ">="
        case lessThan = "<"
        case greaterThan = ">"
        /// Arbitrary equality: a case-insensitive string comparison.
        case arbitrary = "==="
    }

    public let `operator`: Operator
    /// The version text as written (without surrounding whitespace), `.*` included.
    public let version: String
    /// The parsed version; nil only for `===` with text that is not a version.
    /// For a prefix match (`==1.2.*`) this is the version before `.*`.
    let parsedVersion: Version?

    public init(_ string: String) throws(SpecifierError) {
        let scalars = Array(string.unicodeScalars)
        var start = 0
        var end = scalars.count
        while start < end && scalars[start].isPythonWhitespace { start += 1 }
        while end > start && scalars[end - 1].isPythonWhitespace { end -= 1 }
        guard let match = SpecifierGrammar.match(scalars, from: start, limit: end), match == end else {
            throw SpecifierError(input: string, invalid: [string])
        }
        let trimmed = String(String.UnicodeScalarView(scalars[start..<end]))
        let op: Operator =
            if trimmed.hasPrefix("===") { .arbitrary } else if let two = Operator(rawValue: String(trimmed.prefix(2))) {
                two
            } else if let one = Operator(rawValue: String(trimmed.prefix(1))) { one } else { throw SpecifierError(input: string, invalid: [string]) }
        let text = String(trimmed.dropFirst(op.rawValue.count)).trimmingPythonWhitespace
        self.operator = op
        self.version = text
        let isPrefixMatch = (op == .equal || op == .notEqual) && text.hasSuffix(".*")
        let versionText = isPrefixMatch ? String(text.dropLast(2)) : text
        do {
            self.parsedVersion = try Version(versionText)
        } catch {
            guard op == .arbitrary else { throw SpecifierError(input: string, invalid: [string], cause: error) }
            self.parsedVersion = nil
        }
    }

    public var description: String { "\(self.operator.rawValue)\(version)" }

    var isPrefixMatch: Bool { (self.operator == .equal || self.operator == .notEqual) && version.hasSuffix(".*") }

    /// Whether this clause on its own asks for pre-releases (packaging's `Specifier.prereleases`):
    /// it names a pre-release, except through `!=` or a prefix match.
    var impliesPrereleases: Bool? {
        switch self.operator {
        case .notEqual: return false
        case .equal where isPrefixMatch: return false
        default: return parsedVersion?.isPrerelease
        }
    }

    /// Whether `candidate` satisfies this clause, ignoring the pre-release policy.
    /// `text` is what `===` compares against (the candidate as written, when known).
    func matches(_ candidate: Version, text: String) -> Bool {
        guard let spec = parsedVersion else { return matchesArbitrary(text) }
        switch self.operator {
        case .arbitrary:
            return matchesArbitrary(text)
        case .compatible:
            return candidate.withoutLocal >= spec && Self.prefixMatches(candidate, prefix: compatiblePrefix)
        case .equal:
            return equals(candidate, spec)
        case .notEqual:
            return !equals(candidate, spec)
        case .lessThanOrEqual:
            return candidate.withoutLocal <= spec
        case .greaterThanOrEqual:
            return candidate.withoutLocal >= spec
        case .lessThan:
            // PEP 440: `<V` must not match a pre-release of V unless V is one.
            guard candidate < spec else { return false }
            return spec.isPrerelease || !candidate.isPrerelease || candidate < spec.earliestPrerelease
        case .greaterThan:
            // PEP 440: `>V` must not match a post-release or a local version of V.
            guard candidate > spec else { return false }
            if !spec.isPostrelease && candidate.isPostrelease && candidate.postBase == spec { return false }
            return candidate.localSegments == nil || candidate.withoutLocal != spec
        }
    }

    /// `===`: case-insensitive string equality.
    func matchesArbitrary(_ text: String) -> Bool {
        text.lowercased() == version.lowercased()
    }

    /// What packaging's `Specifier.contains(text, prereleases=True)` answers; used by markers.
    func containsAllowingPrereleases(_ text: String) -> Bool {
        guard let candidate = try? Version(text) else {
            return self.operator == .arbitrary && matchesArbitrary(text)
        }
        return matches(candidate, text: text)
    }

    private func equals(_ candidate: Version, _ spec: Version) -> Bool {
        if isPrefixMatch { return Self.prefixMatches(candidate, prefix: version) }
        // Without a local label in the specifier, the candidate's local label is ignored.
        return (spec.localSegments == nil ? candidate.withoutLocal : candidate) == spec
    }

    /// `~=X.Y.Z` is `>=X.Y.Z, ==X.Y.*`: the release minus its last part, suffixes dropped.
    private var compatiblePrefix: String {
        let parts = Self.split(version).prefix { !Self.isSuffix($0) }.dropLast()
        guard let epoch = parts.first else { return "!.*" }
        return "\(epoch)!\(parts.dropFirst().joined(separator: "."))" + ".*"
    }

    /// packaging's prefix match for `==V.*`: compare split, zero-padded components.
    private static func prefixMatches(_ candidate: Version, prefix: String) -> Bool {
        let specText = String(prefix.dropLast(2))
        let specSplit = split((try? Version(specText))?.description ?? specText)
        let numericCount = numericPrefixCount(specSplit)
        var candidateSplit = split(candidate.withoutLocal.description)
        let candidateNumeric = numericPrefixCount(candidateSplit)
        if numericCount > candidateNumeric {
            candidateSplit.insert(
                contentsOf: repeatElement("0", count: numericCount - candidateNumeric), at: candidateNumeric)
        }
        return Array(candidateSplit.prefix(specSplit.count)) == specSplit
    }

    /// packaging's `_version_split`: epoch first, then dot-separated parts, with a pre-release
    /// glued to a number (`5rc1`) split into two.
    static func split(_ text: String) -> [String] {
        let epoch: String
        let rest: Substring
        if let bang = text.lastIndex(of: "!") {
            epoch = String(text[..<bang])
            rest = text[text.index(after: bang)...]
        } else {
            (epoch, rest) = ("", Substring(text))
        }
        var result = [epoch.isEmpty ? "0" : epoch]
        for item in rest.split(separator: ".", omittingEmptySubsequences: false) {
            let digits = item.prefix { $0.isASCII && $0.isNumber }
            let tail = item.dropFirst(digits.count)
            let letters = tail.prefix { !($0.isASCII && $0.isNumber) }
            let number = tail.dropFirst(letters.count)
            if !digits.isEmpty, ["a", "b", "c", "rc"].contains(letters), !number.isEmpty,
                number.allSatisfy({ $0.isASCII && $0.isNumber })
            {
                result.append(String(digits))
                result.append(String(tail))
            } else {
                result.append(String(item))
            }
        }
        return result
    }

    private static func isSuffix(_ segment: String) -> Bool {
        ["dev", "a", "b", "rc", "post"].contains { segment.hasPrefix($0) }
    }

    private static func numericPrefixCount(_ parts: [String]) -> Int {
        parts.prefix { !$0.isEmpty && $0.unicodeScalars.allSatisfy(\.isASCIIDigit) }.count
    }

    /// packaging's `_canonical_spec`: equal specifiers compare equal whatever their spelling.
    private var canonicalVersion: String {
        guard self.operator != .arbitrary, !version.hasSuffix(".*"), let parsedVersion else { return version }
        return parsedVersion.canonicalString(stripTrailingZeros: self.operator != .compatible)
    }

    public static func == (lhs: Specifier, rhs: Specifier) -> Bool {
        lhs.operator == rhs.operator && lhs.canonicalVersion == rhs.canonicalVersion
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.operator)
        hasher.combine(canonicalVersion)
    }
}

/// A comma-separated set of specifiers; a version must satisfy all of them.
public struct SpecifierSet: Sendable, Hashable, CustomStringConvertible {
    /// The clauses in the order written.
    public let specifiers: [Specifier]

    /// Parses `>=1.0, !=1.5, <2`; whitespace is tolerated and the empty string matches all.
    /// Every invalid clause is reported, not only the first.
    public init(_ string: String) throws(SpecifierError) {
        var specifiers: [Specifier] = []
        var invalid: [String] = []
        var cause: VersionError?
        for piece in string.split(separator: ",", omittingEmptySubsequences: false) {
            let clause = String(piece).trimmingPythonWhitespace
            guard !clause.isEmpty else { continue }
            do {
                specifiers.append(try Specifier(clause))
            } catch {
                invalid.append(clause)
                cause = cause ?? error.cause
            }
        }
        guard invalid.isEmpty else { throw SpecifierError(input: string, invalid: invalid, cause: cause) }
        self.specifiers = specifiers
    }

    public init(_ specifiers: [Specifier] = []) {
        self.specifiers = specifiers
    }

    public var isEmpty: Bool { specifiers.isEmpty }

    /// packaging's `SpecifierSet.prereleases` without an override: true when a clause names
    /// a pre-release, otherwise undecided.
    var impliesPrereleases: Bool? {
        specifiers.contains { $0.impliesPrereleases == true } ? true : nil
    }

    /// Whether `version` satisfies every clause.
    ///
    /// `prereleases`: true accepts pre-releases, false rejects them; nil accepts one when a
    /// clause names a pre-release, and otherwise too, since a single candidate has no final
    /// release beside it (packaging 26's PEP 440 fallback).
    public func contains(_ version: Version, prereleases: Bool? = nil) -> Bool {
        matches(version, text: version.description, prereleases: prereleases ?? impliesPrereleases)
    }

    /// As `contains(_:prereleases:)`, for a version string; `===` compares the text as written,
    /// and text that is not a PEP 440 version can only satisfy `===` clauses.
    public func contains(_ string: String, prereleases: Bool? = nil) -> Bool {
        guard let version = try? Version(string) else {
            return specifiers.allSatisfy { $0.operator == .arbitrary && $0.matchesArbitrary(string) }
        }
        return matches(version, text: string, prereleases: prereleases ?? impliesPrereleases)
    }

    /// The versions that satisfy every clause, in their original order. With `prereleases`
    /// nil, pre-releases are dropped unless nothing but pre-releases matched (PEP 440).
    public func filter(_ versions: [Version], prereleases: Bool? = nil) -> [Version] {
        let policy = prereleases ?? impliesPrereleases
        let matched = versions.filter { matches($0, text: $0.description, prereleases: policy) }
        guard policy == nil else { return matched }
        let finals = matched.filter { !$0.isPrerelease }
        return finals.isEmpty ? matched : finals
    }

    private func matches(_ version: Version, text: String, prereleases: Bool?) -> Bool {
        if prereleases == false && version.isPrerelease { return false }
        return specifiers.allSatisfy { $0.matches(version, text: text) }
    }

    /// packaging's `str(SpecifierSet)`: clauses sorted by text, equal clauses once.
    public var description: String {
        canonicalSpecifiers.map(\.description).joined(separator: ",")
    }

    private var canonicalSpecifiers: [Specifier] {
        var seen = Set<Specifier>()
        return
            specifiers
            .sorted { Array($0.description.unicodeScalars.map(\.value)).lexicographicallyPrecedes($1.description.unicodeScalars.map(\.value)) }
            .filter { seen.insert($0).inserted }
    }

    public static func == (lhs: SpecifierSet, rhs: SpecifierSet) -> Bool {
        lhs.canonicalSpecifiers == rhs.canonicalSpecifiers
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(canonicalSpecifiers)
    }
}

/// Text that is not a valid PEP 440 version specifier (set).
public struct SpecifierError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The whole text that was parsed.
    public let input: String
    /// Each clause that is not valid.
    public let invalid: [String]
    /// Set when the clause has the right shape but its version is out of range.
    public let cause: VersionError?

    public init(input: String, invalid: [String], cause: VersionError? = nil) {
        self.input = input
        self.invalid = invalid
        self.cause = cause
    }

    public var description: String {
        let problems = invalid.map { "'\($0)' \(Self.explain($0.trimmingPythonWhitespace))" }
        var text = "'\(input)' is not a valid version specifier: " + problems.joined(separator: "; ")
        if let cause { text += " (\(cause))" }
        return text
    }

    private static func explain(_ clause: String) -> String {
        let op = ["===", "~=", "==", "!=", "<=", ">=", "<", ">"].first { clause.hasPrefix($0) }
        guard let op else {
            return "does not start with an operator (one of ~=, ==, !=, <=, >=, <, >, ===)"
        }
        let version = clause.dropFirst(op.count).trimmingPythonWhitespace
        if version.hasSuffix(".*") && op != "==" && op != "!=" {
            return "uses a '.*' prefix match, which only '==' and '!=' allow"
        }
        if version.contains("+") && op != "==" && op != "!=" {
            return "has a local version label, which only '==' and '!=' allow"
        }
        if op == "~=" && !version.contains(".") {
            return "needs at least two release segments after '~=' (e.g. '~=1.4')"
        }
        return "does not have a valid PEP 440 version after '\(op)'"
    }
}

extension Version {
    /// The earliest pre-release of this version: `1.2 -> 1.2.dev0`, `1.2.post1 -> 1.2.post1.dev0`.
    var earliestPrerelease: Version {
        Version(epoch: epoch, release: release, pre: pre, post: post, dev: 0, localSegments: nil)
    }

    /// The version this is a post-release of: `1.0.post1 -> 1.0`, `1.0a1.post0 -> 1.0a1`.
    var postBase: Version {
        Version(epoch: epoch, release: release, pre: pre, post: nil, dev: nil, localSegments: nil)
    }

    /// packaging's `canonicalize_version`: the normalized form, optionally with trailing
    /// zeros of the release removed (keeping one part).
    func canonicalString(stripTrailingZeros: Bool) -> String {
        guard stripTrailingZeros else { return description }
        var end = release.count
        while end > 1 && release[end - 1] == 0 { end -= 1 }
        return Version(
            epoch: epoch, release: Array(release[..<end]), pre: pre, post: post, dev: dev,
            localSegments: localSegments
        ).description
    }
}

extension String {
    /// Python's `str.strip()`.
    var trimmingPythonWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.isPythonWhitespace }),
            let last = scalars.lastIndex(where: { !$0.isPythonWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}

extension Substring {
    var trimmingPythonWhitespace: String { String(self).trimmingPythonWhitespace }
}

/// The specifier pattern of packaging (`Specifier._specifier_regex_str`), matched greedily from
/// a position. Every optional part of the pattern is greedy and nothing after it can reuse what
/// it consumed, so the greedy match is the regex's match.
enum SpecifierGrammar {
    /// The end of the specifier that starts at `start`, or nil when none does.
    static func match(_ s: [Unicode.Scalar], from start: Int, limit: Int) -> Int? {
        var cursor = Cursor(s: s, i: start, end: limit)
        if cursor.literal("===") {
            cursor.whitespace()
            while cursor.i < limit, !s[cursor.i].isPythonWhitespace, s[cursor.i] != ";", s[cursor.i] != ")" {
                cursor.i += 1
            }
            return cursor.i
        }
        if cursor.literal("==") || cursor.literal("!=") {
            guard cursor.versionStart(minimumReleaseParts: 1) else { return nil }
            if cursor.literal(".*") { return cursor.i }
            cursor.suffixes()
            cursor.local()
            return cursor.i
        }
        if cursor.literal("~=") {
            guard cursor.versionStart(minimumReleaseParts: 2) else { return nil }
            cursor.suffixes()
            return cursor.i
        }
        if cursor.literal("<=") || cursor.literal(">=") || cursor.literal("<") || cursor.literal(">") {
            guard cursor.versionStart(minimumReleaseParts: 1) else { return nil }
            cursor.suffixes()
            return cursor.i
        }
        return nil
    }

    private struct Cursor {
        let s: [Unicode.Scalar]
        var i: Int
        let end: Int

        mutating func literal(_ text: String) -> Bool {
            var j = i
            for expected in text.unicodeScalars {
                guard j < end, s[j].asciiLowercased == expected else { return false }
                j += 1
            }
            i = j
            return true
        }

        mutating func whitespace() {
            while i < end && s[i].isPythonWhitespace { i += 1 }
        }

        mutating func digits() -> Bool {
            let start = i
            while i < end && s[i].isASCIIDigit { i += 1 }
            return i > start
        }

        mutating func separator() {
            if i < end && s[i].isVersionSeparator { i += 1 }
        }

        /// `\s* v? (?:[0-9]+!)? [0-9]+(?:\.[0-9]+)*` with at least `minimumReleaseParts` parts.
        mutating func versionStart(minimumReleaseParts: Int) -> Bool {
            whitespace()
            _ = literal("v")
            let start = i
            if digits(), i < end, s[i] == "!" { i += 1 } else { i = start }
            guard digits() else { return false }
            var parts = 1
            while i + 1 < end, s[i] == ".", s[i + 1].isASCIIDigit {
                i += 1
                _ = digits()
                parts += 1
            }
            return parts >= minimumReleaseParts
        }

        /// Optional pre-release, post-release and dev-release parts.
        mutating func suffixes() {
            var start = i
            separator()
            if ["alpha", "beta", "preview", "pre", "a", "b", "c", "rc"].contains(where: { literal($0) }) {
                separator()
                _ = digits()
            } else {
                i = start
            }
            start = i
            if literal("-"), digits() {
                // implicit post release
            } else {
                i = start
                separator()
                if ["post", "rev", "r"].contains(where: { literal($0) }) {
                    separator()
                    _ = digits()
                } else {
                    i = start
                }
            }
            start = i
            separator()
            if literal("dev") {
                separator()
                _ = digits()
            } else {
                i = start
            }
        }

        /// `\+[a-z0-9]+(?:[-_\.][a-z0-9]+)*`
        mutating func local() {
            guard i + 1 < end, s[i] == "+", s[i + 1].isASCIIAlphanumeric else { return }
            i += 1
            while i < end && s[i].isASCIIAlphanumeric { i += 1 }
            while i + 1 < end, s[i].isVersionSeparator, s[i + 1].isASCIIAlphanumeric {
                i += 1
                while i < end && s[i].isASCIIAlphanumeric { i += 1 }
            }
        }
    }
}
