/// A PEP 508 dependency specifier such as `requests[socks]>=2.0; python_version >= "3.8"`.
///
/// Parsed as pypa/packaging 26 parses `Requirement`, except that direct URL references
/// (`name @ https://...`) are refused (an index serves only index dependencies) and the name
/// must be a valid PEP 508 project name.
public struct Requirement: Sendable, Hashable, CustomStringConvertible {
    public let name: ProjectName
    /// Extra names, PEP 685 normalized, sorted, without duplicates.
    public let extras: [String]
    public let specifier: SpecifierSet
    public let marker: Marker?
    /// Extras as written, sorted, for `description`.
    private let writtenExtras: [String]

    public init(_ string: String) throws(RequirementError) {
        var parser = RequirementParser(string)
        let parsed = try parser.parse()
        do {
            self.name = try ProjectName(parsed.name)
        } catch {
            throw RequirementError(input: string, reason: .invalidName(error))
        }
        self.writtenExtras = Set(parsed.extras).sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
        self.extras = Set(parsed.extras.map(ProjectName.normalize)).sorted()
        do {
            self.specifier = try SpecifierSet(parsed.specifier)
        } catch {
            throw RequirementError(input: string, reason: .invalidSpecifier(error))
        }
        self.marker = parsed.marker.map { Marker(elements: $0) }
    }

    /// packaging's `str(Requirement)`: `name[extras]specifiers; marker`.
    public var description: String {
        var text = name.raw
        if !writtenExtras.isEmpty { text += "[\(writtenExtras.joined(separator: ","))]" }
        text += specifier.description
        if let marker { text += "; \(marker)" }
        return text
    }

    public static func == (lhs: Requirement, rhs: Requirement) -> Bool {
        lhs.name == rhs.name && lhs.extras == rhs.extras && lhs.specifier == rhs.specifier
            && lhs.marker == rhs.marker
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(extras)
        hasher.combine(specifier)
        hasher.combine(marker)
    }
}

/// Text that is not a usable PEP 508 dependency specifier.
public struct RequirementError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Reason: Sendable, Hashable {
        /// The text does not follow the PEP 508 grammar.
        case syntax(problem: String, position: Int)
        case invalidName(ProjectNameError)
        case invalidSpecifier(SpecifierError)
        case invalidMarker(MarkerError)
        /// `name @ url`: a direct reference, which an index cannot serve.
        case directURL(String)
    }

    public let input: String
    public let reason: Reason

    public var description: String {
        let prefix = "'\(input)' is not a valid requirement"
        switch reason {
        case .syntax(let problem, let position):
            return "\(prefix): \(problem) at position \(position) (PEP 508)"
        case .invalidName(let error):
            return "\(prefix): \(error)"
        case .invalidSpecifier(let error):
            return "\(prefix): \(error)"
        case .invalidMarker(let error):
            return "\(prefix): \(error)"
        case .directURL(let url):
            return "'\(input)' uses a direct URL reference ('@ \(url)'), which is not supported in "
                + "a package index: depend on the project by name and version instead"
        }
    }
}

/// A port of packaging's `_parse_requirement`, reusing the marker parser for the part after `;`.
private struct RequirementParser {
    let input: String
    let s: [Unicode.Scalar]
    var position = 0

    init(_ input: String) {
        self.input = input
        self.s = Array(input.unicodeScalars)
    }

    struct Parsed {
        var name: String
        var extras: [String]
        var specifier: String
        var marker: [Marker.Element]?
    }

    func error(_ problem: String, at offset: Int? = nil) -> RequirementError {
        RequirementError(input: input, reason: .syntax(problem: problem, position: offset ?? position))
    }

    /// `requirement = WS? IDENTIFIER WS? extras WS? requirement_details`
    mutating func parse() throws(RequirementError) -> Parsed {
        skipWhitespace()
        guard let name = identifier() else {
            throw error("expected a package name at the start of the dependency specifier")
        }
        skipWhitespace()
        let extras = try parseExtras()
        skipWhitespace()
        if position < s.count && s[position] == "@" {
            position += 1
            skipWhitespace()
            let start = position
            while position < s.count && s[position] != " " && s[position] != "\t" { position += 1 }
            throw RequirementError(
                input: input, reason: .directURL(String(String.UnicodeScalarView(s[start..<position]))))
        }
        let specifierStart = position
        let specifier = try parseSpecifier()
        skipWhitespace()
        var marker: [Marker.Element]?
        if !atEnd {
            guard position < s.count && s[position] == ";" else {
                throw error(
                    specifier.isEmpty
                        ? "expected a semicolon (after name with no version specifier) or end"
                        : "expected a comma (within version specifier), semicolon (after version specifier) or end",
                    at: specifierStart)
            }
            position += 1
            var markerParser = MarkerParser(input: input, scalars: s, position: position)
            do {
                marker = try markerParser.parseMarker()
            } catch {
                throw RequirementError(input: input, reason: .invalidMarker(error))
            }
            position = markerParser.position
            skipWhitespace()
            guard atEnd else { throw error("expected end of dependency specifier") }
        }
        return Parsed(name: name, extras: extras, specifier: specifier, marker: marker)
    }

    /// `extras = ('[' WS? (IDENTIFIER (WS? ',' WS? IDENTIFIER)*)? WS? ']')?`
    private mutating func parseExtras() throws(RequirementError) -> [String] {
        guard position < s.count && s[position] == "[" else { return [] }
        let open = position
        position += 1
        skipWhitespace()
        var extras: [String] = []
        if let first = identifier() {
            extras.append(first)
            while true {
                skipWhitespace()
                if peekIdentifier() { throw error("expected a comma between extra names") }
                guard position < s.count && s[position] == "," else { break }
                position += 1
                skipWhitespace()
                guard let extra = identifier() else { throw error("expected an extra name after the comma") }
                extras.append(extra)
            }
        }
        skipWhitespace()
        guard position < s.count && s[position] == "]" else {
            throw error("expected ']' to match the '[' at position \(open), after the extras", at: open)
        }
        position += 1
        return extras
    }

    /// `specifier = '(' WS? version_many WS? ')' | WS? version_many WS?`
    private mutating func parseSpecifier() throws(RequirementError) -> String {
        let parenthesized = position < s.count && s[position] == "("
        let open = position
        if parenthesized { position += 1 }
        skipWhitespace()
        let text = try parseVersionMany()
        skipWhitespace()
        if parenthesized {
            guard position < s.count && s[position] == ")" else {
                throw error("expected ')' to match the '(' at position \(open), after the version specifier", at: open)
            }
            position += 1
        }
        return text
    }

    /// `version_many = (SPECIFIER (WS? ',' WS? SPECIFIER)*)?`, keeping a trailing comma.
    private mutating func parseVersionMany() throws(RequirementError) -> String {
        var text = ""
        while let end = SpecifierGrammar.match(s, from: position, limit: s.count) {
            let start = position
            text += String(String.UnicodeScalarView(s[position..<end]))
            position = end
            if hasPrefix(".*") {
                throw error("a '.*' suffix can only be used with the '==' or '!=' operators", at: start)
            }
            if position + 1 < s.count, s[position] == "+", s[position + 1].isLowercaseASCIIAlphanumeric {
                throw error("a local version label can only be used with the '==' or '!=' operators", at: start)
            }
            skipWhitespace()
            guard position < s.count && s[position] == "," else { break }
            text += ","
            position += 1
            skipWhitespace()
        }
        return text
    }

    // MARK: Tokens

    /// `\b[a-zA-Z0-9][a-zA-Z0-9._-]*\b`, backing off until the end is a word boundary.
    private mutating func identifier() -> String? {
        guard let end = identifierEnd() else { return nil }
        let text = String(String.UnicodeScalarView(s[position..<end]))
        position = end
        return text
    }

    private func peekIdentifier() -> Bool { identifierEnd() != nil }

    private func identifierEnd() -> Int? {
        guard position < s.count, s[position].isASCIIAlphanumeric, isBoundary(position) else { return nil }
        var end = position + 1
        while end < s.count && (s[end].isASCIIAlphanumeric || s[end].isVersionSeparator) { end += 1 }
        while end > position {
            if isBoundary(end) { return end }
            end -= 1
        }
        return nil
    }

    private func isBoundary(_ i: Int) -> Bool {
        let before = i > 0 && s[i - 1].isPythonWordCharacter
        let after = i < s.count && s[i].isPythonWordCharacter
        return before != after
    }

    private var atEnd: Bool {
        position == s.count || (position == s.count - 1 && s[position] == "\n")
    }

    private mutating func skipWhitespace() {
        while position < s.count && (s[position] == " " || s[position] == "\t") { position += 1 }
    }

    private func hasPrefix(_ text: String) -> Bool {
        var i = position
        for scalar in text.unicodeScalars {
            guard i < s.count, s[i] == scalar else { return false }
            i += 1
        }
        return true
    }
}

extension Unicode.Scalar {
    var isLowercaseASCIIAlphanumeric: Bool { ("a"..."z").contains(self) || ("0"..."9").contains(self) }
}
