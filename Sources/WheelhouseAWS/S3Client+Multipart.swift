import AsyncHTTPClient
import Foundation
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
        condition: S3WriteCondition
    ) async throws -> String {
        try await precheck(condition, bucket: bucket, key: key)
        return try await uploadInParts(
            bucket: bucket, key: key, handle: handle, size: size, contentType: contentType, condition: condition)
    }

    /// Create, upload the parts, complete under `condition`; abort on any failure.
    func uploadInParts(
        bucket: String, key: String, handle: ReadFileHandle, size: Int64, contentType: String?,
        condition: S3WriteCondition
    ) async throws -> String {
        let uploadId = try await createMultipartUpload(bucket: bucket, key: key, contentType: contentType)
        do {
            let parts = try await uploadParts(bucket: bucket, key: key, uploadId: uploadId, handle: handle, size: size)
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
        let headers = contentType.map { [("Content-Type", $0)] } ?? []
        let response = try await send(.POST, target, query: [("uploads", "")], headers: headers)
        guard let xml = AWSXMLElement.parse(try await Self.collect(response)), let uploadId = xml.text("UploadId") else {
            throw AWSClientError.invalidResponse(target.aws, message: "no UploadId")
        }
        return uploadId
    }

    /// Uploads every part, at most `multipartConcurrency` at once; returns (part number, ETag) in order.
    func uploadParts(
        bucket: String, key: String, uploadId: String, handle: ReadFileHandle, size: Int64
    ) async throws -> [(Int, String)] {
        let ranges = Self.partRanges(size: size, partSize: configuration.partSize)
        return try await withThrowingTaskGroup(of: (Int, String).self) { group in
            var next = 0
            var done: [(Int, String)] = []
            func addPart() {
                let number = next + 1
                let range = ranges[next]
                next += 1
                group.addTask {
                    let target = Target(operation: "UploadPart", bucket: bucket, key: key)
                    let response = try await send(
                        .PUT, target, query: [("partNumber", String(number)), ("uploadId", uploadId)],
                        body: Self.fileBody(handle, range: range))
                    return (number, try Self.etag(response.headers, target: target))
                }
            }
            while next < min(configuration.multipartConcurrency, ranges.count) { addPart() }
            while let part = try await group.next() {
                done.append(part)
                if next < ranges.count { addPart() }
            }
            return done.sorted { $0.0 < $1.0 }
        }
    }

    func completeMultipartUpload(
        bucket: String, key: String, uploadId: String, parts: [(Int, String)], condition: S3WriteCondition
    ) async throws -> String {
        let target = Target(operation: "CompleteMultipartUpload", bucket: bucket, key: key)
        var xml = "<CompleteMultipartUpload xmlns=\"\(Self.xmlns)\">"
        for (number, etag) in parts {
            xml += "<Part>" + AWSXMLElement.element("PartNumber", String(number)) + AWSXMLElement.element("ETag", etag) + "</Part>"
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
