import Crypto
public import Foundation

/// The sha256 (and md5, which the legacy upload API may send) of a local file and its size,
/// computed in one streaming pass with a fixed-size buffer.
public struct FileDigest: Sendable, Equatable {
    public var sha256: String
    public var md5: String
    public var size: Int64

    /// - Parameter md5: false leaves `md5` empty (and saves a hash pass): for callers that
    ///   need only the sha256. Ingest keeps both (the record's `md5`).
    public static func compute(file: URL, chunkSize: Int = 1 << 20, md5: Bool = true) throws -> FileDigest {
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        var hasher = DigestAccumulator(md5: md5)
        while let chunk = try handle.read(upToCount: chunkSize), !chunk.isEmpty {
            hasher.update(chunk)
        }
        return hasher.finish()
    }
}

/// Incremental sha256 + md5 + byte count.
public struct DigestAccumulator: Sendable {
    private var sha = SHA256()
    private var md5: Insecure.MD5?
    private(set) public var count: Int64 = 0

    public init(md5: Bool = true) {
        self.md5 = md5 ? Insecure.MD5() : nil
    }

    public mutating func update<D: DataProtocol>(_ data: D) {
        for region in data.regions {
            region.withUnsafeBytes { raw in
                sha.update(bufferPointer: raw)
                md5?.update(bufferPointer: raw)
            }
            count += Int64(region.count)
        }
    }

    public mutating func update(bufferPointer raw: UnsafeRawBufferPointer) {
        sha.update(bufferPointer: raw)
        md5?.update(bufferPointer: raw)
        count += Int64(raw.count)
    }

    public func finish() -> FileDigest {
        FileDigest(sha256: sha.finalize().hexString, md5: md5?.finalize().hexString ?? "", size: count)
    }
}
