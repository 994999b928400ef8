import Crypto
import Foundation
import NIOCore
import WheelhouseArchive
public import WheelhouseStorage

/// Packs a selection of wheels into Glue's "zip of wheels" (AWS Glue 5.0 and later, AWS Glue
/// developer guide, "Appendix A: Creating a Zip of Wheels artifact"): an object whose name ends
/// in `.gluewheels.zip`, holding a top-level `wheels/` folder with the wheels and
/// `wheels/requirements.txt` pinning each (`name==version`), installed by Glue with
/// `--python-modules-installer-option --no-index`.
///
/// The key is `_wheelhouse/bundles/{name}-{hash}.gluewheels.zip`: `name` is the parameter's
/// last path segment, `hash` the first 16 hex digits of the sha256 of the sorted wheel keys.
/// A file key never changes once written, so the same selection always names the same
/// bundle, and an existing bundle is not written again. Entries are deflated, so that streaming
/// zip readers (Java's among them) accept the data descriptors libarchive writes.
public struct ManifestBundle: Sendable {
    public static let prefix = "_wheelhouse/bundles/"
    public let store: any BlobStore

    public init(store: any BlobStore) {
        self.store = store
    }

    public static func key(for wheels: [StoreWheel], parameter: String) -> String {
        let list = ManifestValue.ordered(wheels).map(\.key).joined(separator: "\n")
        let digest = SHA256.hash(data: Data(list.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
        return prefix + ManifestValue.objectName(parameter: parameter) + "-" + digest + ".gluewheels.zip"
    }

    /// `wheels/requirements.txt`: one `name==version` line per wheel, in the manifest's order.
    public static func requirements(for wheels: [StoreWheel]) -> String {
        ManifestValue.ordered(wheels).map { "\($0.project)==\($0.version)\n" }.joined()
    }

    /// Writes the bundle unless it exists (or `dryRun`); returns its key.
    public func pack(_ wheels: [StoreWheel], parameter: String, dryRun: Bool) async throws -> String {
        let key = Self.key(for: wheels, parameter: parameter)
        if dryRun { return key }
        if try await store.head(key) != nil { return key }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("wheelhouse-bundle-\(UUID().uuidString).zip")
        defer { try? FileManager.default.removeItem(at: file) }
        try await write(ManifestValue.ordered(wheels), to: file)
        do {
            try await store.write(key, contentsOf: file, contentType: "application/zip", condition: .ifAbsent)
        } catch BlobStoreError.preconditionFailed {
            // Another publisher wrote the same bundle first.
        }
        return key
    }

    /// A flat zip of `wheels/{filename}` for each wheel, its bytes streamed from the store, then
    /// `wheels/requirements.txt`, written with libarchive (`ZipWriter`).
    func write(_ wheels: [StoreWheel], to file: URL) async throws {
        do {
            let zip = try ZipWriter(path: file.path)
            for wheel in wheels {
                let (info, body) = try await store.get(wheel.key, range: nil)
                try zip.beginEntry("wheels/" + wheel.filename, size: info.size)
                for try await chunk in body {
                    try chunk.withUnsafeReadableBytes { (bytes) throws(ZipWriter.WriteError) in try zip.write(bytes) }
                }
            }
            let requirements = Data(Self.requirements(for: wheels).utf8)
            try zip.beginEntry("wheels/requirements.txt", size: Int64(requirements.count))
            try zip.write(requirements)
            try zip.close()
        } catch let error as ZipWriter.WriteError {
            throw ManifestError.bundleFailed(error.description)
        }
    }
}
