public import AsyncHTTPClient
import Crypto
public import Foundation
import NIOCore
import NIOHTTP1
import _NIOFileSystem

/// What S3 says about one object.
public struct S3ObjectInfo: Sendable, Hashable {
    public var key: String
    public var size: Int64
    /// S3's ETag, as S3 sends it (quoted).
    public var etag: String
    /// Whole seconds: HEAD answers have no finer resolution, and listings should compare equal.
    public var lastModified: Date?
    /// `x-amz-checksum-sha256` as S3 sends it (base64; a composite checksum of a multipart
    /// upload ends in `-N`). Only HeadObject with `checksumMode` asks for it; nil otherwise and
    /// for objects stored without one.
    public var checksumSHA256: String?
    /// `x-amz-checksum-type`: `FULL_OBJECT` or `COMPOSITE`, when S3 says.
    public var checksumType: String?

    public init(
        key: String, size: Int64, etag: String, lastModified: Date?, checksumSHA256: String? = nil,
        checksumType: String? = nil
    ) {
        self.key = key
        self.size = size
        self.etag = etag
        self.lastModified = lastModified
        self.checksumSHA256 = checksumSHA256
        self.checksumType = checksumType
    }

    /// The SHA-256 of the whole object (lowercase hex) that S3 verified when the bytes were
    /// written, or nil. A composite checksum (a multipart upload's checksum of its parts'
    /// checksums, which S3 offers for SHA-256 instead of a full-object one) is not the hash of
    /// the bytes and gives nil: it is told by its `-N` suffix, by `x-amz-checksum-type:
    /// COMPOSITE`, or by a multipart ETag (`"…-N"`) for endpoints that send neither.
    public var fullObjectSHA256: String? {
        guard let checksumSHA256, !checksumSHA256.contains("-"), checksumType != "COMPOSITE",
            !etag.trimmingCharacters(in: ["\""]).contains("-"),
            let digest = Data(base64Encoded: checksumSHA256), digest.count == 32
        else { return nil }
        return SigV4Signer.hex(digest)
    }
}

/// A condition on a write (S3 conditional writes).
public enum S3WriteCondition: Sendable, Hashable {
    case none
    /// `If-None-Match: *`: only when no object exists under the key.
    case ifAbsent
    /// `If-Match: etag`: only when the current object has this ETag.
    case ifMatch(String)

    var headers: [(String, String)] {
        switch self {
        case .none: []
        case .ifAbsent: [("If-None-Match", "*")]
        case .ifMatch(let etag): [("If-Match", etag)]
        }
    }
}

/// A GetObject answer: the object's info (`size` is the whole object's) and its bytes, streamed.
public struct S3GetObjectOutput: Sendable {
    public var info: S3ObjectInfo
    /// The bytes sent: the whole object, or the range asked for (cut at the end of the object).
    public var body: HTTPClientResponse.Body
}

/// One page of a ListObjectsV2 answer.
public struct S3ListPage: Sendable {
    public var objects: [S3ObjectInfo]
    /// Pass to the next call for the next page; nil on the last page.
    public var continuationToken: String?
}

extension S3Client {
    /// HeadObject: the object's info, or nil when there is none. With `checksumMode`
    /// (`x-amz-checksum-mode: ENABLED`) the info carries the object's stored SHA-256 checksum.
    public func headObject(bucket: String, key: String, checksumMode: Bool = false) async throws -> S3ObjectInfo? {
        let target = Target(operation: "HeadObject", bucket: bucket, key: key)
        do {
            let response = try await send(.HEAD, target, headers: checksumMode ? [("x-amz-checksum-mode", "ENABLED")] : [])
            return try Self.objectInfo(key: key, headers: response.headers, target: target)
        } catch AWSClientError.service(let error) where error.status == 404 {
            return nil
        }
    }

    /// GetObject, streamed. `range` (both ends inclusive) asks for part of the object; S3 answers
    /// 416 InvalidRange (`AWSClientError.service`) when it starts at or after the end. A missing
    /// object throws `AWSClientError.service` with status 404 (NoSuchKey).
    public func getObject(bucket: String, key: String, range: ClosedRange<Int64>? = nil) async throws -> S3GetObjectOutput {
        let target = Target(operation: "GetObject", bucket: bucket, key: key)
        let headers = range.map { [("Range", "bytes=\($0.lowerBound)-\($0.upperBound)")] } ?? []
        let response = try await send(.GET, target, headers: headers)
        var info = try Self.objectInfo(key: key, headers: response.headers, target: target)
        // 206: `Content-Range: bytes 100-349/1000`; the whole size is after the slash.
        if response.status == .partialContent, let contentRange = response.headers.first(name: "Content-Range"),
            let slash = contentRange.lastIndex(of: "/"), let total = Int64(contentRange[contentRange.index(after: slash)...])
        {
            info.size = total
        }
        return S3GetObjectOutput(info: info, body: response.body)
    }

    /// PutObject from memory, signed with the body's SHA-256, which is also stored as the
    /// object's `x-amz-checksum-sha256` (S3 checks it on receipt). Returns the new ETag.
    @discardableResult
    public func putObject(
        bucket: String, key: String, data: Data, contentType: String? = nil, condition: S3WriteCondition = .none
    ) async throws -> String {
        let target = Target(operation: "PutObject", bucket: bucket, key: key)
        var headers = condition.headers + Self.checksumHeaders(Array(SHA256.hash(data: data)))
        if let contentType { headers.append(("Content-Type", contentType)) }
        let response = try await send(.PUT, target, headers: headers, body: .bytes(ByteBuffer(bytes: data)))
        return try Self.etag(response.headers, target: target)
    }

    /// PutObject streamed from a local file (`UNSIGNED-PAYLOAD`, with Content-Length), or a
    /// multipart upload when the file is larger than `multipartThreshold`. Returns the new ETag
    /// and the number of bytes sent.
    ///
    /// Every object gets a stored SHA-256 checksum that S3 verifies on receipt: a single
    /// PutObject carries the file's `x-amz-checksum-sha256` (read from the file first), a
    /// multipart upload a checksum per part and S3's composite checksum of them (S3 offers
    /// SHA-256 only as a composite checksum for multipart uploads).
    @discardableResult
    public func putObject(
        bucket: String, key: String, contentsOf file: URL, contentType: String? = nil,
        condition: S3WriteCondition = .none
    ) async throws -> (etag: String, size: Int64) {
        try await withReadHandle(file) { handle, size in
            if size > configuration.multipartThreshold {
                let etag = try await multipartUpload(
                    bucket: bucket, key: key, handle: handle, size: size, contentType: contentType, condition: condition,
                    path: file.path)
                return (etag, size)
            }
            let target = Target(operation: "PutObject", bucket: bucket, key: key)
            let digest = try await Self.sha256(handle, range: 0..<size, path: file.path)
            var headers = condition.headers + Self.checksumHeaders(digest)
            if let contentType { headers.append(("Content-Type", contentType)) }
            let response = try await send(.PUT, target, headers: headers, body: Self.fileBody(handle, range: 0..<size))
            return (try Self.etag(response.headers, target: target), size)
        }
    }

    /// DeleteObject; deleting a missing object succeeds (as S3 answers 204 either way).
    public func deleteObject(bucket: String, key: String) async throws {
        let target = Target(operation: "DeleteObject", bucket: bucket, key: key)
        _ = try await send(.DELETE, target)
    }

    /// One page of ListObjectsV2 (at most `maxKeys`, S3's own limit is 1000).
    public func listObjectsV2(
        bucket: String, prefix: String, maxKeys: Int? = nil, continuationToken: String? = nil
    ) async throws -> S3ListPage {
        let target = Target(operation: "ListObjectsV2", bucket: bucket, key: nil)
        var query = [("list-type", "2")]
        if !prefix.isEmpty { query.append(("prefix", prefix)) }
        if let maxKeys { query.append(("max-keys", String(maxKeys))) }
        if let continuationToken { query.append(("continuation-token", continuationToken)) }
        let response = try await send(.GET, target, query: query)
        let data = try await Self.collect(response)
        guard let xml = AWSXMLElement.parse(data), xml.name == "ListBucketResult" else {
            throw AWSClientError.invalidResponse(target.aws, message: "not a ListBucketResult document")
        }
        var objects: [S3ObjectInfo] = []
        for entry in xml.children("Contents") {
            guard let key = entry.text("Key"), let size = entry.text("Size").flatMap({ Int64($0) }),
                let etag = entry.text("ETag")
            else {
                throw AWSClientError.invalidResponse(target.aws, message: "an entry without Key, Size or ETag")
            }
            objects.append(
                S3ObjectInfo(
                    key: key, size: size, etag: etag, lastModified: entry.text("LastModified").flatMap(AWSDates.iso8601)))
        }
        let truncated = xml.text("IsTruncated") == "true"
        return S3ListPage(objects: objects, continuationToken: truncated ? xml.text("NextContinuationToken") : nil)
    }

    /// Every object under `prefix`, following continuation tokens, in S3's order (UTF-8 bytes).
    public func listAllObjects(bucket: String, prefix: String, pageSize: Int? = nil) async throws -> [S3ObjectInfo] {
        var all: [S3ObjectInfo] = []
        var token: String?
        repeat {
            let page = try await listObjectsV2(bucket: bucket, prefix: prefix, maxKeys: pageSize, continuationToken: token)
            all += page.objects
            token = page.continuationToken
        } while token != nil
        return all
    }

    /// CreateBucket (in `configuration.region`; us-east-1 takes no location constraint).
    public func createBucket(_ bucket: String) async throws {
        let target = Target(operation: "CreateBucket", bucket: bucket, key: nil)
        var body = AWSRequestBody.none
        if configuration.region != "us-east-1" {
            let xml =
                "<CreateBucketConfiguration xmlns=\"\(Self.xmlns)\">"
                + AWSXMLElement.element("LocationConstraint", configuration.region) + "</CreateBucketConfiguration>"
            body = .bytes(ByteBuffer(string: xml))
        }
        _ = try await send(.PUT, target, body: body)
    }

    /// A URL that GETs the object without credentials until `expires` from now (SigV4 query
    /// authentication).
    public func presignedGetURL(bucket: String, key: String, expires: Duration) async throws -> URL {
        let target = Target(operation: "GetObject", bucket: bucket, key: key)
        let signer = SigV4Signer(credentials: try await credentials.credentials(), region: region(for: bucket), service: "s3")
        return try signer.presignURL(method: "GET", url: try objectURL(target), expires: expires, date: now())
    }

    // MARK: Helpers

    /// The namespace of S3's request documents.
    static let xmlns = "http://s3.amazonaws.com/doc/2006-03-01/"

    func objectURL(_ target: Target, query: [(String, String)] = []) throws -> URL {
        guard let url = url(bucket: target.bucket, key: target.key, query: query) else { throw Self.badURL(target) }
        return url
    }

    static func badURL(_ target: Target) -> AWSClientError {
        .invalidResponse(target.aws, message: "cannot form a request URL")
    }

    static func etag(_ headers: HTTPHeaders, target: Target) throws -> String {
        guard let etag = headers.first(name: "ETag"), !etag.isEmpty else {
            throw AWSClientError.invalidResponse(target.aws, message: "no ETag header")
        }
        return etag
    }

    static func objectInfo(key: String, headers: HTTPHeaders, target: Target) throws -> S3ObjectInfo {
        guard let size = headers.first(name: "Content-Length").flatMap({ Int64($0) }) else {
            throw AWSClientError.invalidResponse(target.aws, message: "no Content-Length")
        }
        return S3ObjectInfo(
            key: key, size: size, etag: try etag(headers, target: target),
            lastModified: headers.first(name: "Last-Modified").flatMap(AWSDates.httpDate),
            checksumSHA256: headers.first(name: "x-amz-checksum-sha256"),
            checksumType: headers.first(name: "x-amz-checksum-type"))
    }

    /// The headers that store `digest` as the object's (or part's) SHA-256 checksum.
    /// `x-amz-sdk-checksum-algorithm` is what the SDKs send beside it (and what moto reads).
    static func checksumHeaders(_ digest: [UInt8]) -> [(String, String)] {
        [("x-amz-sdk-checksum-algorithm", "SHA256"), ("x-amz-checksum-sha256", Data(digest).base64EncodedString())]
    }

    /// The SHA-256 of `range` of an open file, read in chunks.
    static func sha256(_ handle: ReadFileHandle, range: Range<Int64>, path: String) async throws -> [UInt8] {
        var hasher = SHA256()
        do {
            for try await chunk in FileRangeChunks(handle: handle, range: range) {
                chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
            }
        } catch {
            throw AWSClientError.unreadableFile(path: path, reason: String(describing: error))
        }
        return Array(hasher.finalize())
    }

    /// Opens `file` for the duration of `body`, with its size.
    func withReadHandle<T: Sendable>(
        _ file: URL, _ body: (ReadFileHandle, Int64) async throws -> T
    ) async throws -> T {
        let handle: ReadFileHandle
        let size: Int64
        do {
            handle = try await FileSystem.shared.openFile(forReadingAt: FilePath(file.path))
            do {
                size = try await handle.info().size
            } catch {
                await Self.close(handle)
                throw error
            }
        } catch {
            throw AWSClientError.unreadableFile(path: file.path, reason: String(describing: error))
        }
        do {
            let result = try await body(handle, size)
            await Self.close(handle)
            return result
        } catch {
            await Self.close(handle)
            throw error
        }
    }

    /// Closes the handle even in a cancelled task (an aborted upload), where `close()` itself
    /// would give up before the descriptor is released.
    static func close(_ handle: ReadFileHandle) async {
        await Task { try? await handle.close() }.value
    }

    /// A streamed body of the bytes of `range` of the file, read anew for each attempt.
    static func fileBody(_ handle: ReadFileHandle, range: Range<Int64>) -> AWSRequestBody {
        .stream {
            .stream(FileRangeChunks(handle: handle, range: range), length: .known(Int64(range.count)))
        }
    }
}

/// The bytes of `range` of an open file in chunks of `chunkLength`, each read only when the
/// consumer asks for it. `ReadFileHandle.readChunks` reads up to eight chunks ahead of its
/// consumer; with the parts of a multipart upload in flight at once (each hashed, then sent)
/// that read-ahead is most of the upload's memory, and a socket that drains slowly gains
/// nothing from it.
struct FileRangeChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let handle: ReadFileHandle
    let range: Range<Int64>
    var chunkLength: Int64 = 256 * 1024

    struct AsyncIterator: AsyncIteratorProtocol {
        let handle: ReadFileHandle
        var offset: Int64
        let end: Int64
        let chunkLength: Int64

        mutating func next() async throws -> ByteBuffer? {
            guard offset < end else { return nil }
            let chunk = try await handle.readChunk(fromAbsoluteOffset: offset, length: .bytes(Swift.min(chunkLength, end - offset)))
            // A file that shrank under the upload: end early; the request's Content-Length (or
            // the checksum) then fails the part.
            guard chunk.readableBytes > 0 else {
                offset = end
                return nil
            }
            offset += Int64(chunk.readableBytes)
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(handle: handle, offset: range.lowerBound, end: range.upperBound, chunkLength: chunkLength)
    }
}
