import Crypto
import Foundation
public import WheelhouseStorage

/// A manifest as a pip requirements file (`--format requirements`), for Glue 5.0 and later
/// with a Wheelhouse server the job can reach: `--additional-python-modules s3://.../x.txt
/// --python-modules-installer-option -r`.
///
/// Every selected wheel is pinned (`name==version`) with its `--hash=sha256:` (pip's
/// hash-checking mode: a file whose bytes differ is refused), and an `--index-url` line names
/// the server's simple index (a plain-http index also gets `--trusted-host`). The key is
/// `_wheelhouse/requirements/{name}-{hash}.txt`: `name` is the parameter's last path segment,
/// `hash` the first 16 hex digits of the sha256 of the file's text, so the same selection and
/// index always name the same object.
public struct ManifestRequirementsFile: Sendable {
    public static let prefix = "_wheelhouse/requirements/"
    public let text: String
    public let key: String

    public init(wheels: [StoreWheel], indexURL: String, target: String, parameter: String) throws(ManifestError) {
        let index = try Self.normalizedIndexURL(indexURL)
        var lines = [
            "# \(target): \(wheels.count) wheels, written by `wheelhouse manifest publish --format requirements`.",
            "# Glue: --additional-python-modules <this file's s3:// URI> --python-modules-installer-option -r",
            "--index-url \(index)",
        ]
        if let components = URLComponents(string: index), components.scheme == "http", let host = components.host {
            lines.append("--trusted-host \(host)")
        }
        for wheel in ManifestValue.ordered(wheels) {
            guard let sha256 = wheel.sha256 else { throw .missingHash(filename: wheel.filename) }
            lines.append("\(wheel.project)==\(wheel.version) \\")
            lines.append("    --hash=sha256:\(sha256)")
        }
        text = lines.joined(separator: "\n") + "\n"
        let digest = SHA256.hash(data: Data(text.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
        key = Self.prefix + ManifestValue.objectName(parameter: parameter) + "-" + digest + ".txt"
    }

    /// An `http(s)://host/...` index URL with a trailing `/`.
    public static func normalizedIndexURL(_ text: String) throws(ManifestError) -> String {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "https" || scheme == "http", let host = components.host, !host.isEmpty,
            components.query == nil, components.fragment == nil
        else { throw .invalidIndexURL(text) }
        return text.hasSuffix("/") ? text : text + "/"
    }

    /// Writes the file unless it exists (or `dryRun`); returns its key.
    public func write(to store: any BlobStore, dryRun: Bool) async throws -> String {
        if dryRun { return key }
        if try await store.head(key) != nil { return key }
        do {
            try await store.write(key, data: Data(text.utf8), contentType: "text/plain; charset=utf-8", condition: .ifAbsent)
        } catch BlobStoreError.preconditionFailed {
            // Another publisher wrote the same file first.
        }
        return key
    }
}
