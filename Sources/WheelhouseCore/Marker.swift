/// A PEP 508 environment marker such as `python_version >= "3.8" and sys_platform == "linux"`.
///
/// Parsing, evaluation and the normalized `description` follow pypa/packaging 26 (its
/// `Marker`, evaluated in the "metadata" context). Equality is on the normalized text.
public struct Marker: Sendable, Hashable, CustomStringConvertible {
    /// One side of a comparison.
    enum Operand: Sendable, Hashable {
        case variable(String)
        case value(String)

        var text: String {
            switch self {
            case .variable(let name), .value(let name): name
            }
        }

        var serialized: String {
            switch self {
            case .variable(let name): name
            case .value(let value): "\"\(value)\""
            }
        }
    }

    struct Comparison: Sendable, Hashable {
        var lhs: Operand
        /// `==`, `in`, `not in`, ...
        var op: String
        var rhs: Operand
    }

    /// packaging's marker list: comparisons and parenthesized groups separated by `and`/`or`.
    indirect enum Element: Sendable, Hashable {
        case comparison(Comparison)
        case group([Element])
        case and
        case or
    }

    let elements: [Element]

    public init(_ string: String) throws(MarkerError) {
        var parser = MarkerParser(string)
        let parsed = try parser.parseFullMarker()
        self.elements = Self.normalizingExtras(parsed)
    }

    init(elements: [Element]) {
        self.elements = Self.normalizingExtras(elements)
    }

    /// PEP 685: `extra` values compare by normalized name. packaging normalizes only the
    /// comparisons at the top level (not inside parentheses); so does this, to agree with it.
    static func normalizingExtras(_ elements: [Element]) -> [Element] {
        elements.map { element in
            guard case .comparison(var comparison) = element else { return element }
            if comparison.lhs == .variable("extra") {
                comparison.rhs = .value(ProjectName.normalize(comparison.rhs.text))
            } else if comparison.rhs == .variable("extra") {
                comparison.lhs = .value(ProjectName.normalize(comparison.lhs.text))
            }
            return .comparison(comparison)
        }
    }

    // MARK: Evaluation

    /// Whether the marker holds in `env`. With no extras this is packaging's
    /// `evaluate({"extra": ""})`; with extras, whether it holds for any one of them.
    /// A comparison packaging cannot evaluate (an undefined comparison such as
    /// `os_name ~= "x"`, or a variable missing from `env`) counts as false.
    public func evaluate(_ env: MarkerEnvironment, extras: Set<String> = []) -> Bool {
        let candidates = extras.isEmpty ? [""] : extras.sorted()
        return candidates.contains { extra in
            (try? evaluate(elements, in: env.resolved(extra: extra), strict: false)) ?? false
        }
    }

    /// packaging's `Marker.evaluate(env | {"extra": extra})`, including its errors.
    public func evaluateStrictly(_ env: MarkerEnvironment, extra: String = "") throws(MarkerEvaluationError) -> Bool {
        try evaluate(elements, in: env.resolved(extra: extra), strict: true)
    }

    private func evaluate(
        _ elements: [Element], in env: [String: String], strict: Bool
    ) throws(MarkerEvaluationError) -> Bool {
        // Every comparison is evaluated (no short circuit), as packaging does, so that an
        // undefined comparison is reported wherever it is.
        var groups: [[Bool]] = [[]]
        for element in elements {
            switch element {
            case .group(let inner):
                groups[groups.count - 1].append(try evaluate(inner, in: env, strict: strict))
            case .comparison(let comparison):
                do {
                    groups[groups.count - 1].append(try Self.evaluate(comparison, in: env))
                } catch {
                    if strict { throw error }
                    groups[groups.count - 1].append(false)
                }
            case .or:
                groups.append([])
            case .and:
                break
            }
        }
        return groups.contains { $0.allSatisfy { $0 } }
    }

    private static let versionVariables: Set<String> = [
        "implementation_version", "platform_release", "python_full_version", "python_version",
    ]

    private static func evaluate(
        _ comparison: Comparison, in env: [String: String]
    ) throws(MarkerEvaluationError) -> Bool {
        let key: String
        var lhs: String
        var rhs: String
        if case .variable(let name) = comparison.lhs {
            guard let value = env[name] else { throw .undefinedEnvironmentName(name) }
            (key, lhs, rhs) = (name, value, comparison.rhs.text)
        } else {
            key = comparison.rhs.text
            guard let value = env[key] else { throw .undefinedEnvironmentName(key) }
            (lhs, rhs) = (comparison.lhs.text, value)
        }
        if key == "extras" || key == "dependency_groups" {
            (lhs, rhs) = (ProjectName.normalize(lhs), ProjectName.normalize(rhs))
        }
        // PEP 508: compare as versions when the right side makes a valid specifier.
        if versionVariables.contains(key), let specifier = try? Specifier("\(comparison.op)\(rhs)") {
            return specifier.containsAllowingPrereleases(lhs)
        }
        let equal = lhs.unicodeScalars.elementsEqual(rhs.unicodeScalars)
        switch comparison.op {
        case "in": return rhs.containsScalars(of: lhs)
        case "not in": return !rhs.containsScalars(of: lhs)
        case "==", "<=", ">=": return equal
        case "!=": return !equal
        case "<", ">": return false
        default: throw .undefinedComparison(op: comparison.op, lhs: lhs, rhs: rhs)
        }
    }

    // MARK: Formatting

    /// packaging's `str(Marker)`: values in double quotes, single spaces, parentheses kept
    /// except around a lone group.
    public var description: String { Self.format(elements, first: true) }

    private static func format(_ elements: [Element], first: Bool) -> String {
        if elements.count == 1 {
            switch elements[0] {
            case .comparison(let comparison): return format(comparison)
            case .group(let inner): return format(inner, first: true)
            case .and, .or: break
            }
        }
        let inner = elements.map { element in
            switch element {
            case .comparison(let comparison): format(comparison)
            case .group(let group): format(group, first: false)
            case .and: "and"
            case .or: "or"
            }
        }.joined(separator: " ")
        return first ? inner : "(\(inner))"
    }

    private static func format(_ comparison: Comparison) -> String {
        "\(comparison.lhs.serialized) \(comparison.op) \(comparison.rhs.serialized)"
    }

    public static func == (lhs: Marker, rhs: Marker) -> Bool { lhs.description == rhs.description }
    public func hash(into hasher: inout Hasher) { hasher.combine(description) }
}

/// The values of the PEP 508 marker variables for one target environment.
public struct MarkerEnvironment: Sendable, Hashable {
    /// Variable name (`python_version`, `sys_platform`, ...) to value.
    public var values: [String: String]

    public init(_ values: [String: String]) {
        self.values = values
    }

    public subscript(name: String) -> String? {
        get { values[name] }
        set { values[name] = newValue }
    }

    /// Platforms with representative `os`/`platform` values.
    public enum Platform: String, Sendable, Hashable, CaseIterable {
        case linuxX86_64
        case linuxAarch64
        case macOSArm64
        case windowsAMD64
    }

    /// A CPython environment. `pythonVersion` is `"3.11"` (patch level taken as 0) or
    /// `"3.11.7"`. Kernel release and version strings are representative, not exact.
    public static func cpython(pythonVersion: String, platform: Platform) -> MarkerEnvironment {
        let parts = pythonVersion.split(separator: ".", omittingEmptySubsequences: false)
        let full = parts.count >= 3 ? pythonVersion : pythonVersion + ".0"
        var values: [String: String] = [
            "python_version": parts.prefix(2).joined(separator: "."),
            "python_full_version": full,
            "implementation_name": "cpython",
            "implementation_version": full,
            "platform_python_implementation": "CPython",
        ]
        let platformValues: [String: String] =
            switch platform {
            case .linuxX86_64:
                [
                    "os_name": "posix", "sys_platform": "linux", "platform_machine": "x86_64",
                    "platform_system": "Linux", "platform_release": "6.1.0-28-amd64",
                    "platform_version": "#1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1",
                ]
            case .linuxAarch64:
                [
                    "os_name": "posix", "sys_platform": "linux", "platform_machine": "aarch64",
                    "platform_system": "Linux", "platform_release": "6.1.0-28-arm64",
                    "platform_version": "#1 SMP Debian 6.1.119-1",
                ]
            case .macOSArm64:
                [
                    "os_name": "posix", "sys_platform": "darwin", "platform_machine": "arm64",
                    "platform_system": "Darwin", "platform_release": "23.6.0",
                    "platform_version": "Darwin Kernel Version 23.6.0",
                ]
            case .windowsAMD64:
                [
                    "os_name": "nt", "sys_platform": "win32", "platform_machine": "AMD64",
                    "platform_system": "Windows", "platform_release": "10",
                    "platform_version": "10.0.19045",
                ]
            }
        values.merge(platformValues) { _, new in new }
        return MarkerEnvironment(values)
    }

    /// The variables as packaging evaluates them: `extra` normalized, and a
    /// `python_full_version` ending in `+` (an untagged build) made a valid version.
    func resolved(extra: String) -> [String: String] {
        var env = values
        env["extra"] = extra.isEmpty ? "" : ProjectName.normalize(extra)
        if let full = env["python_full_version"], full.hasSuffix("+") {
            env["python_full_version"] = full + "local"
        }
        return env
    }
}

/// Text that is not a valid PEP 508 marker.
public struct MarkerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The marker text.
    public let input: String
    /// What was expected or found, e.g. "expected a marker variable or quoted string".
    public let problem: String
    /// Offset in Unicode scalars where the problem was found.
    public let position: Int

    public var description: String {
        "'\(input)' is not a valid environment marker: \(problem) at position \(position) (PEP 508)"
    }
}

/// A marker that parses but cannot be evaluated (packaging raises for these).
public enum MarkerEvaluationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// An operator that is not defined for the values, e.g. `~=` on `os_name`.
    case undefinedComparison(op: String, lhs: String, rhs: String)
    /// A variable that the environment does not define.
    case undefinedEnvironmentName(String)

    public var description: String {
        switch self {
        case .undefinedComparison(let op, let lhs, let rhs):
            "cannot evaluate '\(lhs)' \(op) '\(rhs)': the operator is undefined for these values"
        case .undefinedEnvironmentName(let name):
            "the marker environment has no value for '\(name)'"
        }
    }
}

/// A port of packaging's marker tokenizer rules and recursive-descent parser.
struct MarkerParser {
    let input: String
    let s: [Unicode.Scalar]
    var position = 0
    /// Parentheses open around the current position. Parsing, printing and evaluating recurse
    /// once per level, so a Requires-Dist line of 50,000 `(` would overflow the stack; deeper
    /// than `maxNesting` is refused (packaging stops with a RecursionError well before 1,000).
    var depth = 0
    static let maxNesting = 64

    init(_ input: String) {
        self.input = input
        self.s = Array(input.unicodeScalars)
    }

    init(input: String, scalars: [Unicode.Scalar], position: Int) {
        self.input = input
        self.s = scalars
        self.position = position
    }

    func error(_ problem: String, at offset: Int? = nil) -> MarkerError {
        MarkerError(input: input, problem: problem, position: offset ?? position)
    }

    mutating func parseFullMarker() throws(MarkerError) -> [Marker.Element] {
        let elements = try parseMarker()
        guard atEnd else { throw error("expected end of marker expression") }
        return elements
    }

    /// `marker = marker_atom (BOOLOP marker_atom)*`
    mutating func parseMarker() throws(MarkerError) -> [Marker.Element] {
        var elements = [try parseAtom()]
        while let op = word(["or", "and"]) {
            position += op.unicodeScalars.count
            elements.append(op == "or" ? .or : .and)
            elements.append(try parseAtom())
        }
        return elements
    }

    /// `marker_atom = WS? '(' WS? marker WS? ')' WS? | WS? marker_item WS?`
    private mutating func parseAtom() throws(MarkerError) -> Marker.Element {
        skipWhitespace()
        let element: Marker.Element
        if position < s.count && s[position] == "(" {
            let open = position
            guard depth < Self.maxNesting else {
                throw error("parentheses nested more than \(Self.maxNesting) deep", at: open)
            }
            depth += 1
            defer { depth -= 1 }
            position += 1
            skipWhitespace()
            let inner = try parseMarker()
            skipWhitespace()
            guard position < s.count && s[position] == ")" else {
                throw error("expected ')' to match the '(' at position \(open)", at: open)
            }
            position += 1
            element = .group(inner)
        } else {
            element = .comparison(try parseItem())
        }
        skipWhitespace()
        return element
    }

    /// `marker_item = WS? marker_var WS? marker_op WS? marker_var WS?`
    private mutating func parseItem() throws(MarkerError) -> Marker.Comparison {
        skipWhitespace()
        let lhs = try parseOperand()
        skipWhitespace()
        let op = try parseOperator()
        skipWhitespace()
        let rhs = try parseOperand()
        skipWhitespace()
        return Marker.Comparison(lhs: lhs, op: op, rhs: rhs)
    }

    private static let variables = [
        "python_version", "python_full_version", "os_name", "os.name", "sys_platform",
        "sys.platform", "platform_release", "platform_system", "platform_version",
        "platform.version", "platform_machine", "platform.machine",
        "platform_python_implementation", "platform.python_implementation",
        "python_implementation", "implementation_name", "implementation_version", "extras",
        "extra", "dependency_groups",
    ]

    private mutating func parseOperand() throws(MarkerError) -> Marker.Operand {
        if let name = word(Self.variables) {
            position += name.unicodeScalars.count
            let canonical = String(name.map { $0 == "." ? "_" : $0 })
            return .variable(canonical == "python_implementation" ? "platform_python_implementation" : canonical)
        }
        if position < s.count, s[position] == "'" || s[position] == "\"" {
            let quote = s[position]
            guard let close = s[(position + 1)...].firstIndex(of: quote) else {
                throw error("expected a closing \(quote) for the quoted string")
            }
            let content = s[(position + 1)..<close]
            if let bad = content.firstIndex(where: { $0 == "\\" || $0 == "\n" || $0 == "\r" || $0 == "\0" }) {
                throw error("quoted strings may not contain backslashes or line breaks", at: bad)
            }
            position = close + 1
            return .value(String(String.UnicodeScalarView(content)))
        }
        throw error("expected a marker variable or quoted string")
    }

    private mutating func parseOperator() throws(MarkerError) -> String {
        if word(["in"]) != nil {
            position += 2
            return "in"
        }
        if word(["not"]) != nil {
            position += 3
            guard position < s.count && (s[position] == " " || s[position] == "\t") else {
                throw error("expected whitespace after 'not'")
            }
            skipWhitespace()
            guard word(["in"]) != nil else { throw error("expected 'in' after 'not'") }
            position += 2
            return "not in"
        }
        for op in ["===", "==", "~=", "!=", "<=", ">=", "<", ">"] where hasPrefix(op) {
            position += op.unicodeScalars.count
            return op
        }
        throw error("expected a marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in")
    }

    // MARK: Tokens

    /// `$` in Python: the end, or just before a final newline.
    var atEnd: Bool {
        position == s.count || (position == s.count - 1 && s[position] == "\n")
    }

    mutating func skipWhitespace() {
        while position < s.count && (s[position] == " " || s[position] == "\t") { position += 1 }
    }

    func hasPrefix(_ text: String) -> Bool {
        var i = position
        for scalar in text.unicodeScalars {
            guard i < s.count, s[i] == scalar else { return false }
            i += 1
        }
        return true
    }

    /// The first of `words` found here as `\bword\b`.
    func word(_ words: [String]) -> String? {
        guard isBoundary(position) else { return nil }
        return words.first { hasPrefix($0) && isBoundary(position + $0.unicodeScalars.count) }
    }

    /// Python's `\b`: a word character on exactly one side.
    func isBoundary(_ i: Int) -> Bool {
        let before = i > 0 && s[i - 1].isPythonWordCharacter
        let after = i < s.count && s[i].isPythonWordCharacter
        return before != after
    }
}

extension Unicode.Scalar {
    /// Python's `\w` for `str` patterns: letters, digits and the underscore.
    var isPythonWordCharacter: Bool {
        self == "_" || properties.isAlphabetic || properties.numericType != nil
    }
}

extension String {
    /// Python's `needle in self`: code-point substring search.
    func containsScalars(of needle: String) -> Bool {
        let haystack = Array(unicodeScalars)
        let needle = Array(needle.unicodeScalars)
        guard !needle.isEmpty else { return true }
        guard needle.count <= haystack.count else { return false }
        for start in 0...(haystack.count - needle.count)
        where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return true
        }
        return false
    }
}
