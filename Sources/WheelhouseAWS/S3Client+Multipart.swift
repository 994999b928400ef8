import AsyncHTTPClient
public import Foundation
import NIOCore
import _NIOFileSystem
import Logging
import NIOHTTP1

extension S3Client {
    /// Uploads `size` bytes of an open file in parts of `partSize`, `multipartConcurrency` at a
    /// time, then completes the upload under `condition` (S3 checks `If-None-Match`/`If-Match`
    /// on CompleteMultipartUpload). On any failure the upload is aborted, so no parts are left
    /// behind to be billed. Returns the new ETag.
    func multipartUpload(
        bucket: String, key: String, handle: ReadFileHandle, size: Int64, contentType: String?,
        condition: S3WriteCondition, path: String
    ) async throws -> String {
        try await precheck(condition, bucket: bucket, key: key)
        return try await uploadInParts(
            bucket: bucket, key: key, handle: handle, size: size, contentType: contentType, condition: condition, path: path)
    }

    /// Create, upload the parts, complete under `condition`; abort on any failure.
    func uploadInParts(
        bucket: String, key: String, handle: ReadFileHandle, size: Int64, contentType: String?,
        condition: S3WriteCondition, path: String = ""
    ) async throws -> String {
        let uploadId = try await createMultipartUpload(bucket: bucket, key: key, contentType: contentType)
        do {
            let parts = try await uploadParts(
                bucket: bucket, key: key, uploadId: uploadId, handle: handle, size: size, path: path)
            return try await completeMultipartUpload(
                bucket: bucket, key: key, uploadId: uploadId, parts: parts, condition: condition)
        } catch {
            await abortMultipartUpload(bucket: bucket, key: key, uploadId: uploadId)
            throw error
        }
    }

    /// Fails before any part is sent when the condition already does not hold, rather than
    /// after uploading gigabytes; CompleteMultipartUpload still carries the condition, which is
    /// what makes the write safe against a concurrent writer. (A missing key fails `.ifMatch`.)
    func precheck(_ condition: S3WriteCondition, bucket: String, key: String) async throws {
        switch condition {
        case .none:
            return
        case .ifAbsent:
            if try await headObject(bucket: bucket, key: key) != nil {
                throw AWSClientError.preconditionFailed(Target(operation: "PutObject", bucket: bucket, key: key).aws)
            }
        case .ifMatch(let etag):
            guard let current = try await headObject(bucket: bucket, key: key),
                current.etag.trimmingCharacters(in: ["\""]) == etag.trimmingCharacters(in: ["\""])
            else { throw AWSClientError.preconditionFailed(Target(operation: "PutObject", bucket: bucket, key: key).aws) }
        }
    }

    /// The byte ranges of the parts of an object of `size` bytes.
    static func partRanges(size: Int64, partSize: Int64) -> [Range<Int64>] {
        stride(from: Int64(0), to: max(size, 1), by: Int(partSize)).map { $0..<min($0 + partSize, size) }
    }

    func createMultipartUpload(bucket: String, key: String, contentType: String?) async throws -> String {
        let target = Target(operation: "CreateMultipartUpload", bucket: bucket, key: key)
        // Every part carries its SHA-256; S3 keeps the composite checksum of them.
        var headers = [("x-amz-checksum-algorithm", "SHA256"), ("x-amz-checksum-type", "COMPOSITE")]
        if let contentType { headers.append(("Content-Type", contentType)) }
        let response = try await send(.POST, target, query: [("uploads", "")], headers: headers)
        guard let xml = AWSXMLElement.parse(try await Self.collect(response)), let uploadId = xml.text("UploadId") else {
            throw AWSClientError.invalidResponse(target.aws, message: "no UploadId")
        }
        return uploadId
    }

    /// One uploaded part: its number, ETag and SHA-256 checksum (base64).
    struct UploadedPart: Sendable {
        var number: Int
        var etag: String
        var checksumSHA256: String
    }

    /// Uploads every part, at most `multipartConcurrency` at once, each with its SHA-256
    /// checksum (read from the file before the part is sent); returns the parts in order.
    func uploadParts(
        bucket: String, key: String, uploadId: String, handle: ReadFileHandle, size: Int64, path: String
    ) async throws -> [UploadedPart] {
        let ranges = Self.partRanges(size: size, partSize: configuration.partSize)
        return try await withThrowingTaskGroup(of: UploadedPart.self) { group in
            var next = 0
            var done: [UploadedPart] = []
            func addPart() {
                let number = next + 1
                let range = ranges[next]
                next += 1
                group.addTask {
                    let target = Target(operation: "UploadPart", bucket: bucket, key: key)
                    let digest = try await Self.sha256(handle, range: range, path: path)
                    let headers = Self.checksumHeaders(digest)
                    let response = try await send(
                        .PUT, target, query: [("partNumber", String(number)), ("uploadId", uploadId)], headers: headers,
                        body: Self.fileBody(handle, range: range))
                    return UploadedPart(
                        number: number, etag: try Self.etag(response.headers, target: target), checksumSHA256: headers[1].1)
                }
            }
            while next < min(configuration.multipartConcurrency, ranges.count) { addPart() }
            while let part = try await group.next() {
                done.append(part)
                if next < ranges.count { addPart() }
            }
            return done.sorted { $0.number < $1.number }
        }
    }

    func completeMultipartUpload(
        bucket: String, key: String, uploadId: String, parts: [UploadedPart], condition: S3WriteCondition
    ) async throws -> String {
        let target = Target(operation: "CompleteMultipartUpload", bucket: bucket, key: key)
        var xml = "<CompleteMultipartUpload xmlns=\"\(Self.xmlns)\">"
        for part in parts {
            xml +=
                "<Part>" + AWSXMLElement.element("PartNumber", String(part.number)) + AWSXMLElement.element("ETag", part.etag)
                + AWSXMLElement.element("ChecksumSHA256", part.checksumSHA256) + "</Part>"
        }
        xml += "</CompleteMultipartUpload>"
        let response = try await send(
            .POST, target, query: [("uploadId", uploadId)], headers: condition.headers, body: .bytes(ByteBuffer(string: xml)))
        // S3 may answer 200 and still report an error in the body.
        let result = AWSXMLElement.parse(try await Self.collect(response))
        if let result, let error = Self.errorInSuccess(result, target: target) { throw error }
        guard let etag = result?.text("ETag") ?? response.headers.first(name: "ETag") else {
            throw AWSClientError.invalidResponse(target.aws, message: "no ETag")
        }
        return etag
    }

    /// AbortMultipartUpload; best effort (the caller is already reporting a failure).
    func abortMultipartUpload(bucket: String, key: String, uploadId: String) async {
        let target = Target(operation: "AbortMultipartUpload", bucket: bucket, key: key)
        do {
            _ = try await send(.DELETE, target, query: [("uploadId", uploadId)])
        } catch {
            logger.warning(
                "could not abort a multipart upload; its parts stay until a lifecycle rule removes them",
                metadata: ["resource": "\(target.resource)", "uploadId": "\(uploadId)", "error": "\(error)"])
        }
    }

    /// The multipart uploads in progress under `prefix` (ListMultipartUploads), as (key, upload id).
    public func listMultipartUploads(bucket: String, prefix: String = "") async throws -> [(key: String, uploadId: String)] {
        let target = Target(operation: "ListMultipartUploads", bucket: bucket, key: nil)
        var query = [("uploads", "")]
        if !prefix.isEmpty { query.append(("prefix", prefix)) }
        let response = try await send(.GET, target, query: query)
        guard let xml = AWSXMLElement.parse(try await Self.collect(response)) else {
            throw AWSClientError.invalidResponse(target.aws, message: "malformed XML")
        }
        return xml.children("Upload").compactMap { upload in
            guard let key = upload.text("Key"), let id = upload.text("UploadId") else { return nil }
            return (key, id)
        }
    }
}

/// A multipart upload of a local file whose parts are being sent while the caller does other
/// work (verifies the file). Nothing is visible under the key until `complete`; `abort` (or a
/// failed `complete`) removes the parts. Exactly one of the two must be called.
public final class S3PendingUpload: Sendable {
    public let bucket: String
    public let key: String
    public let size: Int64
    let client: S3Client
    let uploadId: String
    let parts: Task<[S3Client.UploadedPart], any Error>

    init(client: S3Client, bucket: String, key: String, size: Int64, uploadId: String, parts: Task<[S3Client.UploadedPart], any Error>) {
        self.client = client
        self.bucket = bucket
        self.key = key
        self.size = size
        self.uploadId = uploadId
        self.parts = parts
    }

    /// Waits for the parts, then completes the upload under `condition` (S3 checks
    /// `If-None-Match`/`If-Match` on CompleteMultipartUpload). On any failure the upload is
    /// aborted. Returns the new ETag.
    public func complete(condition: S3WriteCondition) async throws -> String {
        do {
            let uploaded = try await parts.value
            return try await client.completeMultipartUpload(
                bucket: bucket, key: key, uploadId: uploadId, parts: uploaded, condition: condition)
        } catch {
            await abort()
            throw error
        }
    }

    /// Stops sending parts and aborts the upload (best effort, as `abortMultipartUpload`).
    public func abort() async {
        parts.cancel()
        _ = try? await parts.value
        await client.abortMultipartUpload(bucket: bucket, key: key, uploadId: uploadId)
    }
}

extension S3Client {
    /// Starts a multipart upload of `file` and sends its parts in the background (each with
    /// its SHA-256 checksum); the caller completes or aborts it. For files the caller is still
    /// checking: the bytes reach S3 while they are checked, and become visible only on
    /// `complete`. The file must not change until then.
    public func startMultipartUpload(
        bucket: String, key: String, contentsOf file: URL, contentType: String? = nil
    ) async throws -> S3PendingUpload {
        let size: Int64
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
            size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
        } catch {
            throw AWSClientError.unreadableFile(path: file.path, reason: String(describing: error))
        }
        let uploadId = try await createMultipartUpload(bucket: bucket, key: key, contentType: contentType)
        let parts = Task {
            try await withReadHandle(file) { handle, size in
                try await uploadParts(bucket: bucket, key: key, uploadId: uploadId, handle: handle, size: size, path: file.path)
            }
        }
        return S3PendingUpload(client: self, bucket: bucket, key: key, size: size, uploadId: uploadId, parts: parts)
    }
}
