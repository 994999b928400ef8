public import Foundation
import NIOCore

/// A `BlobStore` in memory, for tests: the same keys, conditions, ranges, ordering and chunked
/// bodies as `FileSystemBlobStore`, without a disk. Like it, it does not keep `contentType`.
public actor MemoryBlobStore: BlobStore {
    private struct Object {
        var data: Data
        var info: BlobInfo
    }

    /// Objects by the UTF-8 bytes of their key: `String` equality is Unicode canonical
    /// equivalence, but stores (file systems, S3) tell `é` and `e\u{301}` apart.
    private var objects: [[UInt8]: Object] = [:]
    private var generation: UInt64 = 0
    private let chunkSize: Int
    private let now: @Sendable () -> Date

    public nonisolated let displayName: String

    /// - Parameters:
    ///   - chunkSize: the size of the chunks `get` yields (the last one may be shorter).
    ///   - now: the clock for `lastModified`.
    public init(
        name: String = "memory:",
        chunkSize: Int = FileSystemBlobStore.defaultChunkSize,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        precondition(chunkSize > 0, "chunkSize must be positive")
        self.displayName = name
        self.chunkSize = chunkSize
        self.now = now
    }

    public func head(_ key: String) throws -> BlobInfo? {
        try BlobKey.validate(key)
        return objects[Array(key.utf8)]?.info
    }

    public func get(_ key: String, range: ByteRange?) throws -> (info: BlobInfo, body: BlobBody) {
        try BlobKey.validate(key)
        guard let object = objects[Array(key.utf8)] else { throw BlobStoreError.notFound(key: key) }
        let bounds = ByteBounds(range, size: object.info.size)
        let chunks = DataChunks(data: object.data, bounds: bounds, chunkSize: chunkSize)
        return (object.info, BlobBody(unfolding: { await chunks.next() }))
    }

    public func read(_ key: String) throws -> (data: Data, info: BlobInfo)? {
        try BlobKey.validate(key)
        return objects[Array(key.utf8)].map { ($0.data, $0.info) }
    }

    @discardableResult
    public func write(
        _ key: String, data: Data, contentType: String?, condition: WriteCondition
    ) throws -> BlobInfo {
        try BlobKey.validate(key)
        let current = objects[Array(key.utf8)]
        switch condition {
        case .none:
            break
        case .ifAbsent:
            guard current == nil else { throw BlobStoreError.preconditionFailed(key: key) }
        case .ifMatch(let etag):
            guard current?.info.etag == etag else { throw BlobStoreError.preconditionFailed(key: key) }
        }
        generation += 1
        let info = BlobInfo(key: key, size: Int64(data.count), etag: "m\(generation)", lastModified: now())
        objects[Array(key.utf8)] = Object(data: data, info: info)
        return info
    }

    @discardableResult
    public func write(
        _ key: String, contentsOf file: URL, contentType: String?, condition: WriteCondition
    ) throws -> BlobInfo {
        try BlobKey.validate(key)
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw BlobStoreError.backend(.localFile(path: file.path, reason: "cannot read it to store it under '\(key)': \(error)"))
        }
        return try write(key, data: data, contentType: contentType, condition: condition)
    }

    public func list(prefix: String) -> [BlobInfo] {
        objects.values
            .map(\.info)
            .filter { BlobKey.key($0.key, hasPrefix: prefix) }
            .sorted { BlobKey.precedes($0.key, $1.key) }
    }

    public func delete(_ key: String) throws {
        try BlobKey.validate(key)
        objects[Array(key.utf8)] = nil
    }
}

/// Hands out an immutable snapshot of an object chunk by chunk, so a replaced object keeps
/// streaming its old bytes, as a file descriptor does.
private actor DataChunks {
    private let data: Data
    private var offset: Int
    private let end: Int
    private let chunkSize: Int

    init(data: Data, bounds: ByteBounds, chunkSize: Int) {
        self.data = data
        self.offset = data.startIndex + Int(bounds.start)
        self.end = data.startIndex + Int(bounds.end)
        self.chunkSize = chunkSize
    }

    func next() -> ByteBuffer? {
        guard offset < end else { return nil }
        let upper = min(offset + chunkSize, end)
        defer { offset = upper }
        return ByteBuffer(bytes: data[offset..<upper])
    }
}
