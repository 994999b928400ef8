import Foundation

/// What a request is about, for errors and logs: `S3 PutObject of s3://bucket/key`.
public struct AWSOperation: Sendable, Hashable, CustomStringConvertible {
    /// The service as users name it (`S3`, `SSM`, `STS`).
    public var service: String
    /// The API operation (`PutObject`, `GetParameter`).
    public var name: String
    /// What the request was about (`s3://bucket/key`, `parameter '/a/b'`).
    public var resource: String

    public init(service: String, name: String, resource: String) {
        self.service = service
        self.name = name
        self.resource = resource
    }

    public var description: String { "\(service) \(name) of \(resource)" }

    /// The IAM action the operation needs (`s3:PutObject`).
    public var action: String { service.lowercased() + ":" + name }
}

/// An error answer of an AWS service, read from its body by the service's protocol (S3's
/// `<Error>` document, the JSON protocols' `__type`, the query protocol's `<ErrorResponse>`),
/// with the HTTP status. Bodiless answers (S3's HEAD) have no `code` of their own.
public struct AWSServiceError: Error, Sendable, Hashable, CustomStringConvertible {
    public var service: String
    public var operation: String
    public var resource: String
    public var status: Int
    /// The error code without any namespace (`NoSuchKey`, `ParameterNotFound`, `ThrottlingException`).
    public var code: String?
    public var message: String?
    public var requestId: String?
    /// How many times the request was sent before giving up.
    public var attempts: Int

    public init(
        _ operation: AWSOperation, status: Int, code: String?, message: String?, requestId: String?, attempts: Int = 1
    ) {
        self.service = operation.service
        self.operation = operation.name
        self.resource = operation.resource
        self.status = status
        self.code = code
        self.message = message
        self.requestId = requestId
        self.attempts = attempts
    }

    /// The codes that mean "these credentials may not do this" (in any service).
    static let authorizationCodes: Set<String> = [
        "InvalidSignatureException", "UnrecognizedClientException", "AccessDeniedException", "SignatureDoesNotMatch",
        "InvalidClientTokenId", "MissingAuthenticationToken", "ExpiredTokenException", "ExpiredToken",
        "IncompleteSignature", "AccessDenied", "InvalidAccessKeyId",
    ]

    /// The credentials were refused or lack permission (HTTP 403, or an authorization code).
    public var isNotAuthorized: Bool {
        status == 403 || code.map(Self.authorizationCodes.contains) == true
    }

    /// What the request was about does not exist (HTTP 404, `NoSuch…`, `…NotFound`).
    public var isNotFound: Bool {
        guard let code else { return status == 404 }
        return status == 404 || code.hasPrefix("NoSuch") || code.hasSuffix("NotFound")
    }

    public var description: String {
        var text = "\(service) \(operation) of \(resource) failed: HTTP \(status)"
        if let code { text += " \(code)" }
        if let message, !message.isEmpty { text += ": \(message)" }
        if let requestId { text += " (request id \(requestId))" }
        if attempts > 1 { text += " after \(attempts) attempts" }
        if isNotFound {
            text += "; \(resource) does not exist (check the name, the account and the region)"
        }
        if isNotAuthorized {
            text += "; check the AWS credentials and that they allow \(service.lowercased()):\(operation) on it"
        }
        return text
    }
}

/// Why a request to an AWS service failed. Credential errors (`AWSConfigurationError`,
/// `CredentialSourceError`) and cancellation (`CancellationError`) are thrown as they are.
public enum AWSClientError: Error, Sendable, CustomStringConvertible {
    /// The service answered with an error status (after every retry the policy allows).
    case service(AWSServiceError)
    /// A conditional request (`If-None-Match: *`, `If-Match`) found its condition false
    /// (HTTP 412); nothing was written.
    case preconditionFailed(AWSOperation)
    /// No answer: the connection failed, was reset or timed out, on every attempt.
    case transport(AWSOperation, attempts: Int, underlying: String)
    /// An answer this client cannot read (a 200 without an ETag, malformed XML or JSON), or a
    /// request it cannot form.
    case invalidResponse(AWSOperation, message: String)
    /// A local file to upload could not be read.
    case unreadableFile(path: String, reason: String)

    /// The service's error answer, if there was one.
    public var serviceError: AWSServiceError? {
        if case .service(let error) = self { return error }
        return nil
    }

    /// The HTTP status of an error answer (412 for a failed condition), else nil.
    public var status: Int? {
        switch self {
        case .service(let error): error.status
        case .preconditionFailed: 412
        default: nil
        }
    }

    /// The service's error code (`NoSuchKey`, `ParameterNotFound`), else nil.
    public var code: String? {
        switch self {
        case .service(let error): error.code
        case .preconditionFailed: "PreconditionFailed"
        default: nil
        }
    }

    public var description: String {
        switch self {
        case .service(let error):
            error.description
        case .preconditionFailed(let operation):
            "\(operation.resource) changed or already exists (\(operation.service) \(operation.name): HTTP 412 "
                + "PreconditionFailed); nothing was written"
        case .transport(let operation, let attempts, let underlying):
            "\(operation) got no answer after \(attempts) attempt\(attempts == 1 ? "" : "s"): \(underlying)"
        case .invalidResponse(let operation, let message):
            "\(operation) answered something unexpected: \(message)"
        case .unreadableFile(let path, let reason):
            "cannot read \(path) to upload it: \(reason)"
        }
    }
}
