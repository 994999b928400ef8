/// A file Wheelhouse accepts: a wheel (`.whl`) or an sdist (`.tar.gz`, `.zip`).
public enum DistributionFilename: Sendable, Hashable, CustomStringConvertible {
    case wheel(WheelFilename)
    case sdist(SdistFilename)

    /// Whether `filename` has an extension Wheelhouse accepts (`.whl`, `.tar.gz`, `.zip`),
    /// before its name is parsed.
    public static func hasAcceptedExtension(_ filename: some StringProtocol) -> Bool {
        filename.hasSuffix(".whl") || filename.hasSuffix(".tar.gz") || filename.hasSuffix(".zip")
    }

    /// Parses by extension; anything else (`.egg`, `.exe`, `.tar.bz2`, …) is refused with
    /// `FilenameError.unsupportedExtension`.
    public init(_ filename: String, projectHint: String? = nil) throws(FilenameError) {
        try FilenameError.checkSafe(filename)
        if filename.hasSuffix(".whl") {
            let wheel = try WheelFilename(filename)
            if let projectHint, ProjectName.normalize(projectHint) != wheel.normalizedName {
                throw .projectMismatch(filename: filename, project: projectHint)
            }
            self = .wheel(wheel)
        } else {
            self = .sdist(try SdistFilename(filename, projectHint: projectHint))
        }
    }

    public var filename: String {
        switch self {
        case let .wheel(w): w.filename
        case let .sdist(s): s.filename
        }
    }

    public var normalizedName: String {
        switch self {
        case let .wheel(w): w.normalizedName
        case let .sdist(s): s.normalizedName
        }
    }

    public var version: Version {
        switch self {
        case let .wheel(w): w.version
        case let .sdist(s): s.version
        }
    }

    /// The upload form's `filetype`: `bdist_wheel` or `sdist`.
    public var packageType: String {
        switch self {
        case .wheel: "bdist_wheel"
        case .sdist: "sdist"
        }
    }

    /// The upload form's `pyversion`, as twine sends it: the wheel's python tag as written
    /// (`py2.py3`, `cp311`), `source` for an sdist.
    public var pythonTag: String {
        switch self {
        case let .wheel(w): w.pythonTags.joined(separator: ".")
        case .sdist: "source"
        }
    }

    public var description: String { filename }
}
