import Crypto
import Foundation
import WheelhouseStorage

extension BlobStore {
    /// The sha256 of a stored object, streamed.
    func sha256(of key: String) async throws -> String {
        var hasher = SHA256()
        let (_, body) = try await get(key, range: nil)
        for try await chunk in body {
            chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
        }
        return hasher.finalize().hexString
    }

    /// Copies an object into a local file, streamed.
    func download(_ key: String, to local: URL) async throws {
        guard FileManager.default.createFile(atPath: local.path, contents: nil) else {
            throw BlobStoreError.backend("cannot create '\(local.path)'")
        }
        let handle = try FileHandle(forWritingTo: local)
        defer { try? handle.close() }
        let (_, body) = try await get(key, range: nil)
        for try await chunk in body {
            try handle.write(contentsOf: Data(chunk.readableBytesView))
        }
    }
}
