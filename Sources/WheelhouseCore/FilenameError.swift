/// Why a distribution filename was refused. Messages name the filename and the rule broken;
/// they reach twine and CLI users as is.
public enum FilenameError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not `.whl`, `.tar.gz` or `.zip` (eggs, `.exe`, `.tar.bz2`, …).
    case unsupportedExtension(filename: String)
    /// Path separators, NUL, spaces, control or non-ASCII characters.
    case unsafeCharacters(filename: String)
    /// A wheel needs 5 or 6 dash-separated parts; an sdist needs a `-` before its version.
    case wrongPartCount(filename: String)
    case invalidName(filename: String, name: String)
    case invalidVersion(filename: String, version: String)
    /// PEP 427: the build tag must start with a digit.
    case invalidBuildTag(filename: String, buildTag: String)
    case invalidTag(filename: String, TagError)
    /// An sdist filename has no name/version split whose name matches the project hint.
    case projectMismatch(filename: String, project: String)

    public var filename: String {
        switch self {
        case let .unsupportedExtension(f), let .unsafeCharacters(f), let .wrongPartCount(f),
            let .invalidName(f, _), let .invalidVersion(f, _), let .invalidBuildTag(f, _),
            let .invalidTag(f, _), let .projectMismatch(f, _):
            f
        }
    }

    public var description: String {
        switch self {
        case let .unsupportedExtension(f):
            "'\(f)' is not a wheel or sdist: Wheelhouse accepts .whl, .tar.gz and .zip"
        case let .unsafeCharacters(f):
            "'\(f.debugDescription.dropFirst().dropLast())' is not a safe filename: only printable ASCII without '/', '\\' or spaces is accepted"
        case let .wrongPartCount(f):
            if f.hasSuffix(".whl") {
                "'\(f)' is not a valid wheel filename: expected {name}-{version}(-{build})?-{python}-{abi}-{platform}.whl (PEP 427)"
            } else {
                "'\(f)' is not a valid sdist filename: expected {name}-{version}.tar.gz (PEP 625)"
            }
        case let .invalidName(f, name):
            "'\(f)' has an invalid project name '\(name)' (letters, digits, '.', '_' and '-', starting and ending with a letter or digit)"
        case let .invalidVersion(f, version):
            "'\(f)' has an invalid version '\(version)' (PEP 440)"
        case let .invalidBuildTag(f, tag):
            "'\(f)' has an invalid build tag '\(tag)': it must start with a digit, followed only by letters, digits, '_' or '.' (PEP 427)"
        case let .invalidTag(f, error):
            "'\(f)' has an invalid compatibility tag: \(error)"
        case let .projectMismatch(f, project):
            "'\(f)' is not a file of project '\(project)'"
        }
    }

    /// Printable ASCII without path separators: what a filename may be made of.
    static func checkSafe(_ filename: String) throws(FilenameError) {
        let safe = filename.utf8.allSatisfy { (0x21...0x7E).contains($0) && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "\\") }
        if !safe || filename.isEmpty { throw .unsafeCharacters(filename: filename) }
    }
}
