import Foundation

/// An SSM error answer, from its JSON body (`__type`, `message`) and the HTTP status.
public struct SSMServiceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The SSM operation (`PutParameter`).
    public var operation: String
    /// The parameter the request was about.
    public var parameter: String
    public var status: Int
    /// The error code without its namespace (`ParameterNotFound`, `ThrottlingException`).
    public var code: String?
    public var message: String?
    public var requestId: String?
    public var attempts: Int

    public init(
        operation: String, parameter: String, status: Int, code: String?, message: String?, requestId: String?, attempts: Int = 1
    ) {
        self.operation = operation
        self.parameter = parameter
        self.status = status
        self.code = code
        self.message = message
        self.requestId = requestId
        self.attempts = attempts
    }

    public var description: String {
        var text = "SSM \(operation) of parameter '\(parameter)' failed: HTTP \(status)"
        if let code { text += " \(code)" }
        if let message, !message.isEmpty { text += ": \(message)" }
        if let requestId { text += " (request id \(requestId))" }
        if attempts > 1 { text += " after \(attempts) attempts" }
        return text
    }
}

/// Why an SSM request failed.
public enum SSMError: Error, Sendable, CustomStringConvertible {
    /// No parameter (or no such version) under the name (`ParameterNotFound`, `ParameterVersionNotFound`).
    case parameterNotFound(name: String)
    /// PutParameter without Overwrite on an existing parameter (`ParameterAlreadyExists`).
    case parameterAlreadyExists(name: String)
    /// The credentials were refused or lack permission: a bad signature or unknown key
    /// (`InvalidSignatureException`, `UnrecognizedClientException`) or `AccessDeniedException`.
    case notAuthorized(SSMServiceError)
    /// Any other error answer (`ValidationException`, `TooManyUpdates` after every retry, …).
    case service(SSMServiceError)
    /// No answer on any attempt.
    case transport(operation: String, parameter: String, attempts: Int, underlying: String)
    /// An answer this client cannot read.
    case invalidResponse(operation: String, parameter: String, message: String)
    /// The AWS settings or credentials are missing or broken; nothing was sent.
    case configuration(AWSConfigurationError)

    /// The codes that mean "these credentials may not do this".
    static let authorizationCodes: Set<String> = [
        "InvalidSignatureException", "UnrecognizedClientException", "AccessDeniedException", "SignatureDoesNotMatch",
        "InvalidClientTokenId", "MissingAuthenticationToken", "ExpiredTokenException", "IncompleteSignature",
        "AccessDenied",
    ]

    /// The typed error for an error answer.
    init(_ error: SSMServiceError) {
        switch error.code {
        case "ParameterNotFound", "ParameterVersionNotFound": self = .parameterNotFound(name: error.parameter)
        case "ParameterAlreadyExists": self = .parameterAlreadyExists(name: error.parameter)
        case let code? where Self.authorizationCodes.contains(code): self = .notAuthorized(error)
        default: self = error.status == 403 ? .notAuthorized(error) : .service(error)
        }
    }

    /// The service error code, when SSM answered.
    public var code: String? {
        switch self {
        case .parameterNotFound: "ParameterNotFound"
        case .parameterAlreadyExists: "ParameterAlreadyExists"
        case .notAuthorized(let error), .service(let error): error.code
        case .transport, .invalidResponse, .configuration: nil
        }
    }

    public var description: String {
        switch self {
        case .parameterNotFound(let name):
            "the SSM parameter '\(name)' does not exist (in this account and region)"
        case .parameterAlreadyExists(let name):
            "the SSM parameter '\(name)' already exists and was not overwritten"
        case .notAuthorized(let error):
            "\(error); check the AWS credentials and that they allow ssm:\(error.operation) on this parameter"
        case .service(let error):
            error.description
        case .transport(let operation, let parameter, let attempts, let underlying):
            "SSM \(operation) of parameter '\(parameter)' got no answer after \(attempts) attempt\(attempts == 1 ? "" : "s"): \(underlying)"
        case .invalidResponse(let operation, let parameter, let message):
            "SSM \(operation) of parameter '\(parameter)' answered something unexpected: \(message)"
        case .configuration(let error):
            error.description
        }
    }
}
