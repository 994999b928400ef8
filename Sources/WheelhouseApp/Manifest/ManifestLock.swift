import Foundation
public import WheelhouseCore

/// A manifest's resolution as a PEP 751 lock file (`pylock.toml`, lock-version 1.0), for
/// teams that build virtual environments (Glue 6.0's recommended way) or other runtimes
/// from a lock: one `[[packages]]` entry per selected wheel, with the wheel's https URL on a
/// Wheelhouse server, its size and sha256, and the target as the file's `environments` marker.
///
/// Preinstalled libraries the resolution kept are not locked (the runtime has them); they are
/// listed in a comment. `--ignore-preinstalled` locks a complete environment.
public struct ManifestLock: Sendable {
    public let text: String

    /// `indexURL` is the server's simple index (`https://host/simple/`); files are at
    /// `{server}/packages/{project}/{filename}` beside it.
    public init(
        selection: ManifestSelection, target: TargetEnvironment, indexURL: String
    ) throws(ManifestError) {
        let index = try ManifestRequirementsFile.normalizedIndexURL(indexURL)
        guard index.hasSuffix("/simple/") else { throw .invalidIndexURL(indexURL) }
        let server = String(index.dropLast("simple/".count))
        var lines = [
            "# \(target): \(selection.wheels.count) wheels from \(index), written by `wheelhouse manifest lock`."
        ]
        let kept = selection.preinstalled.filter { $0.action == "kept" }
        if !kept.isEmpty {
            lines.append("# Not locked, preinstalled in the runtime: " + kept.map { "\($0.project)==\($0.installed)" }.joined(separator: ", "))
        }
        lines += [
            "lock-version = \"1.0\"",
            "environments = [\(Self.string(Self.environmentMarker(target)))]",
            "requires-python = \(Self.string("==\(target.pythonVersion.release[0]).\(target.pythonVersion.release[1]).*"))",
            "created-by = \"wheelhouse\"",
        ]
        for wheel in ManifestValue.ordered(selection.wheels) {
            guard let sha256 = wheel.sha256 else { throw .missingHash(filename: wheel.filename) }
            lines += [
                "",
                "[[packages]]",
                "name = \(Self.string(wheel.project))",
                "version = \(Self.string(wheel.version))",
            ]
            if let requiresPython = wheel.requiresPython, !requiresPython.isEmpty {
                lines.append("requires-python = \(Self.string(requiresPython))")
            }
            lines += [
                "index = \(Self.string(index))",
                "",
                "[[packages.wheels]]",
                "name = \(Self.string(wheel.filename))",
                "url = \(Self.string(server + "packages/" + Self.percentEncoded(wheel.project) + "/" + Self.percentEncoded(wheel.filename)))",
            ]
            if let size = wheel.size { lines.append("size = \(size)") }
            lines.append("hashes = { sha256 = \(Self.string(sha256)) }")
        }
        text = lines.joined(separator: "\n") + "\n"
    }

    /// The PEP 508 marker of the target: its Python version, operating system and machine.
    static func environmentMarker(_ target: TargetEnvironment) -> String {
        let markers = target.markerEnvironment
        var clauses = ["python_version == '\(markers["python_version"] ?? "")'"]
        if let platform = markers["sys_platform"] { clauses.append("sys_platform == '\(platform)'") }
        if let machine = markers["platform_machine"] { clauses.append("platform_machine == '\(machine)'") }
        clauses.append("implementation_name == 'cpython'")
        return clauses.joined(separator: " and ")
    }

    /// A TOML basic string.
    static func string(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                out += String(format: "\\u%04X", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// RFC 3986 unreserved characters kept, every other byte percent-encoded (a local
    /// version's `+` included), as the server's index writes file URLs.
    static func percentEncoded(_ segment: String) -> String {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        return segment.addingPercentEncoding(withAllowedCharacters: allowed) ?? segment
    }
}
