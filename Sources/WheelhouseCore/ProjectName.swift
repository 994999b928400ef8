/// A project (distribution) name.
///
/// PEP 508: a valid name is ASCII letters and digits, with `.`, `_` and `-` allowed inside.
/// PEP 503: two names are the same project when their normalized forms are equal, so
/// equality, hashing and ordering use `normalized`.
public struct ProjectName: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The name as written by its author.
    public let raw: String
    /// PEP 503 normalized form: lowercase, every run of `-`, `_`, `.` replaced by one `-`.
    public let normalized: String

    public init(_ raw: String) throws(ProjectNameError) {
        guard Self.isValid(raw) else { throw ProjectNameError(name: raw) }
        self.raw = raw
        self.normalized = Self.normalize(raw)
    }

    /// PEP 503: `re.sub(r"[-_.]+", "-", name).lower()`.
    public static func normalize(_ name: String) -> String {
        var result = ""
        result.unicodeScalars.reserveCapacity(name.unicodeScalars.count)
        var inSeparatorRun = false
        for scalar in name.lowercased().unicodeScalars {
            if scalar == "-" || scalar == "_" || scalar == "." {
                if !inSeparatorRun { result.unicodeScalars.append("-") }
                inSeparatorRun = true
            } else {
                result.unicodeScalars.append(scalar)
                inSeparatorRun = false
            }
        }
        return result
    }

    /// PEP 508: `^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$`, case-insensitive.
    public static func isValid(_ name: String) -> Bool {
        let scalars = Array(name.unicodeScalars)
        guard let first = scalars.first, let last = scalars.last,
            first.isASCIIAlphanumeric, last.isASCIIAlphanumeric
        else { return false }
        return scalars.allSatisfy { $0.isASCIIAlphanumeric || $0 == "." || $0 == "_" || $0 == "-" }
    }

    public var description: String { raw }

    public static func == (lhs: ProjectName, rhs: ProjectName) -> Bool {
        lhs.normalized == rhs.normalized
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(normalized)
    }

    public static func < (lhs: ProjectName, rhs: ProjectName) -> Bool {
        lhs.normalized < rhs.normalized
    }
}

/// A string that is not a valid PEP 508 project name.
public struct ProjectNameError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The rejected name.
    public let name: String

    public var description: String {
        if name.isEmpty { return "a project name must not be empty" }
        return "'\(name)' is not a valid project name: it must start and end with an ASCII "
            + "letter or digit and contain only ASCII letters, digits, '.', '_' and '-' (PEP 508)"
    }
}

extension Unicode.Scalar {
    var isASCIIAlphanumeric: Bool {
        ("a"..."z").contains(self) || ("A"..."Z").contains(self) || ("0"..."9").contains(self)
    }

    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
