import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// A key DeleteObjects could not delete, with S3's reason.
public struct S3DeleteFailure: Sendable, Hashable {
    public var key: String
    public var code: String
    public var message: String
}

extension S3Client {
    /// CopyObject within S3 (also across buckets and regions the credentials can read): the
    /// bytes never pass through this process. For objects up to 5 GiB (S3's limit for one copy).
    /// Returns the new object's ETag.
    ///
    /// The copy gets a SHA-256 checksum of its own, computed by S3 from the bytes it copied
    /// (`x-amz-checksum-algorithm`; `copyObjectWithChecksum` returns it, in hex, when S3 says). With
    /// `sourceETag`, S3 copies only while the source still has that ETag (the bytes the
    /// caller checked), and fails the copy with a precondition failure otherwise.
    @discardableResult
    public func copyObject(
        from source: (bucket: String, key: String), to bucket: String, key: String, sourceETag: String? = nil
    ) async throws -> String {
        try await copyObjectWithChecksum(from: source, to: bucket, key: key, sourceETag: sourceETag).etag
    }

    /// `copyObject`, returning the copy's stored SHA-256 (hex) too when S3 reports it.
    public func copyObjectWithChecksum(
        from source: (bucket: String, key: String), to bucket: String, key: String, sourceETag: String? = nil
    ) async throws -> (etag: String, sha256: String?) {
        let target = Target(operation: "CopyObject", bucket: bucket, key: key)
        let copySource = "/" + source.bucket + "/" + SigV4Encoding.encode(Array(source.key.utf8), keepingSlash: true)
        var headers = [("x-amz-copy-source", copySource), ("x-amz-checksum-algorithm", "SHA256")]
        if let sourceETag { headers.append(("x-amz-copy-source-if-match", sourceETag)) }
        let response = try await send(.PUT, target, headers: headers)
        // S3 may answer 200 and still fail the copy: the body then holds an Error document.
        let data = try await Self.collect(response)
        guard let xml = AWSXMLElement.parse(data) else {
            throw AWSClientError.invalidResponse(target.aws, message: "no CopyObjectResult")
        }
        if let error = Self.errorInSuccess(xml, target: target) { throw error }
        guard xml.name == "CopyObjectResult", let etag = xml.text("ETag") else {
            throw AWSClientError.invalidResponse(target.aws, message: "no CopyObjectResult")
        }
        // A composite checksum (said by `ChecksumType`, or by a `-N` suffix) is not the hash of
        // the bytes: nil for it.
        let checksum = xml.text("ChecksumSHA256").flatMap {
            S3ObjectInfo(
                key: key, size: 0, etag: etag, lastModified: nil, checksumSHA256: $0, checksumType: xml.text("ChecksumType")
            ).fullObjectSHA256
        }
        return (etag, checksum)
    }

    /// DeleteObjects: deletes `keys` in batches of 1,000 (S3's limit per request) and returns the
    /// keys S3 could not delete. Missing keys count as deleted, as with DeleteObject.
    public func deleteObjects(bucket: String, keys: [String]) async throws -> [S3DeleteFailure] {
        var failures: [S3DeleteFailure] = []
        var start = 0
        while start < keys.count {
            let batch = keys[start..<min(start + 1000, keys.count)]
            start += batch.count
            let target = Target(operation: "DeleteObjects", bucket: bucket, key: nil)
            var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Delete xmlns=\"\(Self.xmlns)\"><Quiet>true</Quiet>"
            for key in batch { xml += "<Object>" + AWSXMLElement.element("Key", key) + "</Object>" }
            xml += "</Delete>"
            let body = Data(xml.utf8)
            // S3 requires an integrity header on DeleteObjects.
            let md5 = Data(Insecure.MD5.hash(data: body)).base64EncodedString()
            let response = try await send(
                .POST, target, query: [("delete", "")], headers: [("Content-MD5", md5), ("Content-Type", "application/xml")],
                body: .bytes(ByteBuffer(bytes: body)))
            let answer = try await Self.collect(response)
            guard let result = AWSXMLElement.parse(answer), result.name == "DeleteResult" else {
                throw AWSClientError.invalidResponse(target.aws, message: "no DeleteResult")
            }
            for error in result.children("Error") {
                failures.append(
                    S3DeleteFailure(
                        key: error.text("Key") ?? "", code: error.text("Code") ?? "", message: error.text("Message") ?? ""))
            }
        }
        return failures
    }
}
