import AsyncHTTPClient
public import Foundation
import NIOCore
public import WheelhouseAWS

/// A `BlobStore` in an S3 bucket: the key `packages/demo/x.whl` is the object
/// `<prefix>/packages/demo/x.whl` (or `packages/demo/x.whl` with no prefix).
///
/// `etag` is S3's ETag. Conditions map to S3 conditional writes: `.ifAbsent` to
/// `If-None-Match: *`, `.ifMatch` to `If-Match` (S3 answers 404 NoSuchKey to an `If-Match` on a
/// missing key; that is `preconditionFailed` here, as in the other stores). Writes are atomic
/// in S3 itself: a reader sees the old object or the new one.
///
/// Difference from the other stores: S3's ETag of a single-part upload is the MD5 of the bytes,
/// so writing the same bytes again gives the same etag. Compare-and-swap stays safe: an etag
/// match means the content the writer based its update on is the content there now.
public final class S3BlobStore: BlobStore {
    public let client: S3Client
    public let bucket: String
    /// No leading or trailing `/`; empty for the whole bucket.
    public let prefix: String
    public let displayName: String
    private let chunkSize: Int
    private let listPageSize: Int?

    /// - Parameters:
    ///   - chunkSize: the size of the chunks `get` yields (the last one may be shorter).
    ///   - listPageSize: keys per ListObjectsV2 page (nil: S3's default, 1000).
    public init(
        client: S3Client, bucket: String, prefix: String = "", displayName: String? = nil,
        chunkSize: Int = FileSystemBlobStore.defaultChunkSize, listPageSize: Int? = nil
    ) {
        precondition(chunkSize > 0, "chunkSize must be positive")
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.displayName = displayName ?? "s3://\(bucket)" + (prefix.isEmpty ? "" : "/\(prefix)")
        self.chunkSize = chunkSize
        self.listPageSize = listPageSize
    }

    /// The S3 key of a store key.
    fileprivate func objectKey(_ key: String) -> String {
        prefix.isEmpty ? key : prefix + "/" + key
    }

    private func info(_ key: String, _ object: S3ObjectInfo) -> BlobInfo {
        BlobInfo(key: key, size: object.size, etag: object.etag, lastModified: object.lastModified)
    }

    // MARK: Reading

    public func head(_ key: String) async throws -> BlobInfo? {
        try BlobKey.validate(key)
        return try await mapErrors(key) {
            try await client.headObject(bucket: bucket, key: objectKey(key)).map { info(key, $0) }
        }
    }

    public func get(_ key: String, range: ByteRange?) async throws -> (info: BlobInfo, body: BlobBody) {
        try BlobKey.validate(key)
        return try await mapErrors(key) {
            do {
                let output = try await client.getObject(
                    bucket: bucket, key: objectKey(key), range: range.map { $0.first...$0.last })
                let chunker = Rechunker(output.body, chunkSize: chunkSize)
                return (info(key, output.info), BlobBody(unfolding: { try await chunker.next() }))
            } catch let error as AWSClientError where error.status == 416 {
                // A range starting at or after the end (or any range of an empty object): no bytes.
                guard let object = try await client.headObject(bucket: bucket, key: objectKey(key)) else {
                    throw BlobStoreError.notFound(key: key)
                }
                return (info(key, object), BlobBody { $0.finish() })
            }
        }
    }

    public func read(_ key: String) async throws -> (data: Data, info: BlobInfo)? {
        try BlobKey.validate(key)
        return try await mapErrors(key) {
            do {
                let output = try await client.getObject(bucket: bucket, key: objectKey(key))
                var data = Data()
                data.reserveCapacity(Int(output.info.size))
                for try await chunk in output.body { data.append(contentsOf: chunk.readableBytesView) }
                return (data, info(key, output.info))
            } catch let error as AWSClientError where error.status == 404 {
                return nil
            }
        }
    }

    public func list(prefix keyPrefix: String) async throws -> [BlobInfo] {
        let storePrefix = prefix.isEmpty ? "" : prefix + "/"
        let objects = try await mapErrors(keyPrefix) {
            try await client.listAllObjects(bucket: bucket, prefix: storePrefix + keyPrefix, pageSize: listPageSize)
        }
        return objects.compactMap { object in
            guard object.key.utf8.starts(with: storePrefix.utf8) else { return nil }
            let key = String(decoding: object.key.utf8.dropFirst(storePrefix.utf8.count), as: UTF8.self)
            return BlobKey.isValid(key) ? info(key, object) : nil
        }
    }

    // MARK: Writing

    @discardableResult
    public func write(_ key: String, data: Data, contentType: String?, condition: WriteCondition) async throws -> BlobInfo {
        try BlobKey.validate(key)
        let etag = try await mapErrors(key, condition: condition) {
            try await client.putObject(
                bucket: bucket, key: objectKey(key), data: data, contentType: contentType, condition: Self.s3(condition))
        }
        return BlobInfo(key: key, size: Int64(data.count), etag: etag)
    }

    @discardableResult
    public func write(_ key: String, contentsOf file: URL, contentType: String?, condition: WriteCondition) async throws -> BlobInfo {
        try BlobKey.validate(key)
        let (etag, size) = try await mapErrors(key, condition: condition) {
            try await client.putObject(
                bucket: bucket, key: objectKey(key), contentsOf: file, contentType: contentType, condition: Self.s3(condition))
        }
        return BlobInfo(key: key, size: size, etag: etag)
    }

    public func delete(_ key: String) async throws {
        try BlobKey.validate(key)
        try await mapErrors(key) { try await client.deleteObject(bucket: bucket, key: objectKey(key)) }
    }

    // MARK: Checksums, overlapped and server-side writes

    /// HeadObject with `x-amz-checksum-mode: ENABLED`: the SHA-256 S3 verified when the object
    /// was written in one PutObject (every write of this store sends one). Objects written in
    /// parts carry a composite checksum, which is not the hash of the bytes: nil for those.
    public func headWithSHA256(_ key: String) async throws -> (info: BlobInfo, sha256: String?)? {
        try BlobKey.validate(key)
        return try await mapErrors(key) {
            try await client.headObject(bucket: bucket, key: objectKey(key), checksumMode: true).map {
                (info(key, $0), $0.fullObjectSHA256)
            }
        }
    }

    /// Files above the client's multipart threshold: a multipart upload whose parts are sent
    /// while the caller checks the file, completed (under the commit's condition) only when it
    /// commits; aborted otherwise. Uncompleted parts are not objects: nothing is listed or
    /// readable meanwhile.
    public func beginWrite(_ key: String, contentsOf file: URL, contentType: String?) async throws -> (any PendingBlobWrite)? {
        try BlobKey.validate(key)
        let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? NSNumber)?.int64Value ?? 0
        guard size > client.configuration.multipartThreshold else { return nil }
        let upload = try await mapErrors(key) {
            try await client.startMultipartUpload(bucket: bucket, key: objectKey(key), contentsOf: file, contentType: contentType)
        }
        return S3PendingWrite(store: self, key: key, upload: upload)
    }

    /// CopyObject when `source` is an S3 store on the same endpoint (buckets the same
    /// credentials reach), up to S3's 5 GiB limit for one copy; nil otherwise, and when S3
    /// refuses the copy for want of access to the source (the caller then streams).
    public func canCopyInBackend(from source: any BlobStore) -> Bool {
        guard let source = source as? S3BlobStore else { return false }
        return source.client.configuration.endpoint == client.configuration.endpoint
    }

    public func copyInBackend(
        from source: any BlobStore, sourceKey: String, sourceETag: String?, to key: String, size: Int64?, contentType: String?
    ) async throws -> (etag: String, sha256: String?)? {
        guard canCopyInBackend(from: source), let source = source as? S3BlobStore, (size ?? 0) <= Self.maxCopySize else { return nil }
        try BlobKey.validate(sourceKey)
        try BlobKey.validate(key)
        do {
            return try await mapErrors(key) {
                try await client.copyObjectWithChecksum(
                    from: (source.bucket, source.objectKey(sourceKey)), to: bucket, key: objectKey(key), sourceETag: sourceETag)
            }
        } catch BlobStoreError.backend(let failure) where failure.serviceCode == "AccessDenied" {
            return nil
        }
    }

    /// S3's largest object one CopyObject copies.
    static let maxCopySize: Int64 = 5 * 1024 * 1024 * 1024

    fileprivate func completed(_ key: String, size: Int64, upload: S3PendingUpload, condition: WriteCondition) async throws -> BlobInfo {
        let etag = try await mapErrors(key, condition: condition) { try await upload.complete(condition: Self.s3(condition)) }
        return BlobInfo(key: key, size: size, etag: etag)
    }

    public func directDownloadURL(_ key: String, expires: Duration) async throws -> URL? {
        try BlobKey.validate(key)
        return try await mapErrors(key) { try await client.presignedGetURL(bucket: bucket, key: objectKey(key), expires: expires) }
    }

    // MARK: Errors

    private static func s3(_ condition: WriteCondition) -> S3WriteCondition {
        switch condition {
        case .none: .none
        case .ifAbsent: .ifAbsent
        case .ifMatch(let etag): .ifMatch(etag)
        }
    }

    /// Runs `body`, turning the AWS layer's errors (the client's, and the credential chain's)
    /// into `BlobStoreError`s that name the key, so nothing of the AWS layer leaks past the
    /// store. Cancellation passes as it is.
    private func mapErrors<T>(
        _ key: String, condition: WriteCondition = .none, _ body: () async throws -> T
    ) async throws -> T {
        do {
            return try await body()
        } catch let error as BlobStoreError {
            throw error
        } catch AWSClientError.preconditionFailed {
            throw BlobStoreError.preconditionFailed(key: key)
        } catch let error as AWSClientError {
            if case .ifMatch = condition, error.status == 404 { throw BlobStoreError.preconditionFailed(key: key) }
            if error.status == 404, error.code == "NoSuchKey" { throw BlobStoreError.notFound(key: key) }
            if let service = error.serviceError {
                throw BlobStoreError.backend(
                    .service(
                        store: displayName, code: service.code, status: service.status, requestID: service.requestId,
                        message: service.message ?? "\(service.operation) \(service.resource)"))
            }
            throw BlobStoreError.backend(.unavailable(store: displayName, reason: "\(error)"))
        } catch let error as AWSConfigurationError {
            throw BlobStoreError.backend(.unavailable(store: displayName, reason: "\(error)"))
        } catch let error as CredentialSourceError {
            throw BlobStoreError.backend(.unavailable(store: displayName, reason: "\(error)"))
        }
    }
}

/// A multipart upload begun by `S3BlobStore.beginWrite`.
private struct S3PendingWrite: PendingBlobWrite {
    let store: S3BlobStore
    let key: String
    let upload: S3PendingUpload

    func commit(condition: WriteCondition) async throws -> BlobInfo {
        try await store.completed(key, size: upload.size, upload: upload, condition: condition)
    }

    func abort() async { await upload.abort() }
}

/// Re-cuts an HTTP body into chunks of exactly `chunkSize` bytes (the last may be shorter),
/// pulling from the network only when the consumer asks for the next chunk.
private final class Rechunker: @unchecked Sendable {
    // Only touched by `next()`, which AsyncThrowingStream(unfolding:) never calls concurrently.
    private var iterator: HTTPClientResponse.Body.AsyncIterator
    private var pending = ByteBuffer()
    private var finished = false
    private let chunkSize: Int

    init(_ body: HTTPClientResponse.Body, chunkSize: Int) {
        self.iterator = body.makeAsyncIterator()
        self.chunkSize = chunkSize
    }

    func next() async throws -> ByteBuffer? {
        var chunk = ByteBuffer()
        chunk.reserveCapacity(chunkSize)
        while chunk.readableBytes < chunkSize {
            if pending.readableBytes == 0 {
                guard !finished, let more = try await iterator.next() else {
                    finished = true
                    break
                }
                pending = more
                continue
            }
            if let slice = pending.readSlice(length: min(chunkSize - chunk.readableBytes, pending.readableBytes)) {
                chunk.writeImmutableBuffer(slice)
            }
        }
        return chunk.readableBytes == 0 ? nil : chunk
    }
}
