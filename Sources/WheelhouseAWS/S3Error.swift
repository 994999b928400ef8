import Foundation

/// An S3 error answer, parsed from its XML body (`<Error><Code>…</Code><Message>…</Message>
/// <RequestId>…</RequestId></Error>`) with the HTTP status. HEAD answers have no body, so
/// `code` may be nil.
public struct S3ServiceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The S3 operation (`PutObject`, `ListObjectsV2`).
    public var operation: String
    /// `bucket/key` or `bucket`: what the request was about.
    public var resource: String
    public var status: Int
    public var code: String?
    public var message: String?
    public var requestId: String?
    /// How many times the request was sent before giving up.
    public var attempts: Int

    public init(
        operation: String, resource: String, status: Int, code: String?, message: String?, requestId: String?,
        attempts: Int = 1
    ) {
        self.operation = operation
        self.resource = resource
        self.status = status
        self.code = code
        self.message = message
        self.requestId = requestId
        self.attempts = attempts
    }

    public var description: String {
        var text = "S3 \(operation) of s3://\(resource) failed: HTTP \(status)"
        if let code { text += " \(code)" }
        if let message, !message.isEmpty { text += ": \(message)" }
        if let requestId { text += " (request id \(requestId))" }
        if attempts > 1 { text += " after \(attempts) attempts" }
        return text
    }
}

/// Why an S3 request failed.
public enum S3Error: Error, Sendable, CustomStringConvertible {
    /// A conditional write (`If-None-Match: *`, `If-Match`) found its condition false (HTTP 412);
    /// nothing was written.
    case preconditionFailed(bucket: String, key: String)
    /// S3 answered with an error status.
    case service(S3ServiceError)
    /// No answer: the connection failed, was reset or timed out, on every attempt.
    case transport(operation: String, resource: String, attempts: Int, underlying: String)
    /// S3 answered something this client cannot read (a 200 without an ETag, malformed XML).
    case invalidResponse(operation: String, resource: String, message: String)
    /// A local file to upload could not be read.
    case unreadableFile(path: String, reason: String)

    /// The HTTP status of a service error, else nil.
    public var status: Int? {
        if case .service(let error) = self { return error.status }
        return nil
    }

    /// The S3 error code of a service error (`NoSuchKey`), else nil.
    public var code: String? {
        if case .service(let error) = self { return error.code }
        return nil
    }

    public var description: String {
        switch self {
        case .preconditionFailed(let bucket, let key):
            "the object s3://\(bucket)/\(key) changed or already exists (HTTP 412 PreconditionFailed); nothing was written"
        case .service(let error):
            error.description
        case .transport(let operation, let resource, let attempts, let underlying):
            "S3 \(operation) of s3://\(resource) got no answer after \(attempts) attempt\(attempts == 1 ? "" : "s"): \(underlying)"
        case .invalidResponse(let operation, let resource, let message):
            "S3 \(operation) of s3://\(resource) answered something unexpected: \(message)"
        case .unreadableFile(let path, let reason):
            "cannot read \(path) to upload it: \(reason)"
        }
    }
}
