public import Foundation
public import NIOCore

/// What a store knows about one object.
public struct BlobInfo: Sendable, Hashable {
    /// The object's key, relative to the store's root (`packages/demo/demo-1.0-py3-none-any.whl`).
    public var key: String
    /// Size in bytes.
    public var size: Int64
    /// An opaque version token: changes whenever the object's bytes change. (The local store
    /// also changes it on a rewrite of the same bytes; S3's ETag, a content hash, does not.)
    /// Used for compare-and-swap (`WriteCondition.ifMatch`) and as a cheap change detector.
    public var etag: String
    public var lastModified: Date?

    public init(key: String, size: Int64, etag: String, lastModified: Date? = nil) {
        self.key = key
        self.size = size
        self.etag = etag
        self.lastModified = lastModified
    }
}

/// A precondition on a write. A write whose precondition does not hold throws
/// `BlobStoreError.preconditionFailed` and changes nothing.
public enum WriteCondition: Sendable, Hashable {
    /// Write unconditionally (last writer wins).
    case none
    /// Write only if no object exists under the key (S3 `If-None-Match: *`).
    case ifAbsent
    /// Write only if the current object has this etag (S3 `If-Match`).
    case ifMatch(String)
}

/// A byte range of an object, both ends inclusive (as in HTTP and S3 `Range`).
public struct ByteRange: Sendable, Hashable {
    public var first: Int64
    public var last: Int64
    public init(first: Int64, last: Int64) {
        precondition(first >= 0 && last >= first, "invalid byte range")
        self.first = first
        self.last = last
    }
    public var count: Int64 { last - first + 1 }
}

/// The bytes of an object, pulled chunk by chunk: the producer reads the next chunk only
/// when the consumer asks, so a slow reader never makes the server buffer a whole file.
public typealias BlobBody = AsyncThrowingStream<ByteBuffer, any Error>

public enum BlobStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No object under this key.
    case notFound(key: String)
    /// The write's `WriteCondition` did not hold; nothing was written.
    case preconditionFailed(key: String)
    /// The key is not acceptable to this store (empty, absolute, `..`, NUL, ...).
    case invalidKey(String)
    /// The backend failed; the cause says what, where and why, as a value callers can match.
    case backend(BlobStoreFailure)

    public var description: String {
        switch self {
        case .notFound(let key): "no object under key '\(key)'"
        case .preconditionFailed(let key): "the object under key '\(key)' changed or already exists"
        case .invalidKey(let key): "invalid store key '\(key)'"
        case .backend(let failure): failure.description
        }
    }
}

/// Why a store's backend failed. Values, not text: callers match the cause (an S3 error code,
/// an errno, contention) and the HTTP layer logs it and sends a stable message instead.
public enum BlobStoreFailure: Sendable, Equatable, CustomStringConvertible {
    /// A system call on a local file failed (`operation` names it: "cannot read", "cannot rename ... to").
    case system(operation: String, path: String, errno: Int32)
    /// A local file ended before the bytes its size promised: something outside Wheelhouse truncated it.
    case truncated(path: String, endedAt: Int64, expected: Int64)
    /// A local file to store could not be read or created.
    case localFile(path: String, reason: String)
    /// A file system store cannot hold an object under `key` and other keys below it as a directory.
    case directoryConflict(key: String)
    /// The service answered with an error (S3's code, the HTTP status and the request id).
    case service(store: String, code: String?, status: Int?, requestID: String?, message: String)
    /// The service was not reached or could not be used: transport, configuration, credentials.
    case unavailable(store: String, reason: String)
    /// An optimistic update kept losing to concurrent writers (`what` names the object).
    case contention(what: String, attempts: Int)

    public var description: String {
        switch self {
        case .system(let operation, let path, let code):
            "\(operation) '\(path)': \(String(cString: strerror(code))) (errno \(code))"
        case .truncated(let path, let endedAt, let expected):
            "'\(path)' ended at byte \(endedAt) while \(expected) were expected; something outside Wheelhouse truncated it"
        case .localFile(let path, let reason): "'\(path)': \(reason)"
        case .directoryConflict(let key):
            "cannot store '\(key)': a file system store cannot hold both an object and other keys under it as a directory"
        case .service(let store, let code, let status, let requestID, let message):
            "\(store): \(code ?? "error")\(status.map { " (HTTP \($0))" } ?? ""): \(message)"
                + (requestID.map { " [request id \($0)]" } ?? "")
        case .unavailable(let store, let reason): "\(store): \(reason)"
        case .contention(let what, let attempts): "\(what) kept changing under \(attempts) concurrent updates; try again"
        }
    }

    /// The service's error code (`AccessDenied`, `NoSuchBucket`), when the service answered.
    public var serviceCode: String? {
        if case .service(_, let code, _, _, _) = self { return code }
        return nil
    }
}

/// Opaque bytes under opaque keys. Knows nothing of Python packaging.
///
/// Keys are `/`-separated relative paths. Every write is atomic: a reader sees the old
/// object or the new one, never a partial one. Implementations: `FileSystemBlobStore`
/// (a local directory), `MemoryBlobStore` (tests), and S3.
public protocol BlobStore: Sendable {
    /// A human-readable name of the store, without secrets (`file:///srv/wheelhouse`).
    var displayName: String { get }

    /// The object's info, or nil when there is none.
    func head(_ key: String) async throws -> BlobInfo?

    /// Streams an object's bytes (or the given range of them). Throws `notFound`.
    ///
    /// `info` describes the whole object (`info.size` is its full size, for `Content-Range`).
    /// A range reaching past the end is cut at the end; a range starting at or after the end
    /// streams no bytes. The body reads the object as it was when `get` returned, even if it is
    /// replaced meanwhile; only the chunk being handed over is held in memory.
    func get(_ key: String, range: ByteRange?) async throws -> (info: BlobInfo, body: BlobBody)

    /// Reads a small object whole (records, metadata, tokens). Nil when there is none.
    func read(_ key: String) async throws -> (data: Data, info: BlobInfo)?

    /// Writes a small object from memory.
    @discardableResult
    func write(_ key: String, data: Data, contentType: String?, condition: WriteCondition) async throws -> BlobInfo

    /// Writes an object from a local file, streaming. The file is left in place.
    @discardableResult
    func write(_ key: String, contentsOf file: URL, contentType: String?, condition: WriteCondition) async throws -> BlobInfo

    /// Every object whose key starts with `prefix`, sorted by key.
    func list(prefix: String) async throws -> [BlobInfo]

    /// Deletes the object; deleting a missing object is not an error.
    func delete(_ key: String) async throws

    /// A URL that fetches the object's bytes directly from the backend, without credentials,
    /// until `expires` from now (S3: a presigned GET). Nil when the store has no such URLs.
    func directDownloadURL(_ key: String, expires: Duration) async throws -> URL?

    /// The object's info and the SHA-256 of its bytes (lowercase hex) as the backend checked
    /// and stored it when they were written, without reading them (S3: the
    /// `x-amz-checksum-sha256` of a single-part upload, from HeadObject). `sha256` is nil when
    /// the backend keeps no such checksum for this object; the whole answer nil when there is
    /// no object.
    func headWithSHA256(_ key: String) async throws -> (info: BlobInfo, sha256: String?)?

    /// Starts writing a local file that the caller is still checking, so that the transfer
    /// overlaps the check (S3: a multipart upload whose parts are sent meanwhile). Nothing is
    /// visible under the key until the returned write is committed; the caller must commit or
    /// abort it. Nil when the store gains nothing from this (a local directory, a small file):
    /// the caller then writes with `write(_:contentsOf:...)` once the check passed.
    func beginWrite(_ key: String, contentsOf file: URL, contentType: String?) async throws -> (any PendingBlobWrite)?

    /// Whether `copyInBackend` can copy from `source` (no request is sent to find out).
    func canCopyInBackend(from source: any BlobStore) -> Bool

    /// Copies `sourceKey` of `source` to `key` of this store inside the backend, without the
    /// bytes passing through this process (S3: CopyObject between buckets of one endpoint).
    /// With `sourceETag`, only while the source object still has it. Returns the copy's ETag
    /// and the SHA-256 the backend computed of the bytes it copied (nil when it does not say),
    /// which is how a caller that did not read the source learns what was copied; nil when
    /// this store cannot copy from that source (then the caller streams the bytes). `size` is
    /// the size the caller expects, when it knows it (the backend's limit on one copy is
    /// checked against it). Unconditional at the target: the caller checks beforehand that
    /// nothing is there.
    func copyInBackend(
        from source: any BlobStore, sourceKey: String, sourceETag: String?, to key: String, size: Int64?, contentType: String?
    ) async throws -> (etag: String, sha256: String?)?
}

/// A write begun with `BlobStore.beginWrite`: invisible until `commit`; `abort` (or a failed
/// commit) leaves nothing behind.
public protocol PendingBlobWrite: Sendable {
    /// Makes the object visible under `condition` (as `write`'s). On failure nothing is written.
    @discardableResult
    func commit(condition: WriteCondition) async throws -> BlobInfo
    /// Drops what was sent so far. Best effort; never throws.
    func abort() async
}

extension BlobStore {
    /// Stores without direct URLs (a local directory) serve every byte themselves.
    public func directDownloadURL(_ key: String, expires: Duration) async throws -> URL? { nil }

    /// Stores that keep no checksums: the info alone.
    public func headWithSHA256(_ key: String) async throws -> (info: BlobInfo, sha256: String?)? {
        try await head(key).map { ($0, nil) }
    }

    /// Stores where a write is quick once the bytes are checked: write afterwards.
    public func beginWrite(_ key: String, contentsOf file: URL, contentType: String?) async throws -> (any PendingBlobWrite)? {
        nil
    }

    /// Stores that cannot copy inside their backend: the caller streams.
    public func canCopyInBackend(from source: any BlobStore) -> Bool { false }

    /// Stores that cannot copy inside their backend: the caller streams.
    public func copyInBackend(
        from source: any BlobStore, sourceKey: String, sourceETag: String?, to key: String, size: Int64?, contentType: String?
    ) async throws -> (etag: String, sha256: String?)? {
        nil
    }
}
