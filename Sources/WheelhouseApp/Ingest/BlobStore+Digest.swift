import Crypto
import Foundation
import WheelhouseStorage
import NIOCore

extension BlobStore {
    /// Size and sha256 of a stored object, streamed: the one way a stored object is hashed.
    func digest(of key: String) async throws -> (size: Int64, sha256: String) {
        var hasher = SHA256()
        var size: Int64 = 0
        let (_, body) = try await get(key, range: nil)
        for try await chunk in body {
            chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
            size += Int64(chunk.readableBytes)
        }
        return (size, hasher.finalize().hexString)
    }

    /// Copies an object into a local file, streamed.
    func download(_ key: String, to local: URL) async throws {
        guard FileManager.default.createFile(atPath: local.path, contents: nil) else {
            throw BlobStoreError.backend(.localFile(path: local.path, reason: "cannot create it"))
        }
        let handle = try FileHandle(forWritingTo: local)
        defer { try? handle.close() }
        let (_, body) = try await get(key, range: nil)
        for try await chunk in body {
            try handle.write(contentsOf: Data(chunk.readableBytesView))
        }
    }
}
