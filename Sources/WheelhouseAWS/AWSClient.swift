public import AsyncHTTPClient
public import Foundation
public import Logging
public import NIOCore
public import NIOHTTP1

/// Sends one HTTP request and returns the answer's head with its body streaming. In
/// production AsyncHTTPClient (`AWSHTTPClient.shared`); tests give a scripted one.
public struct AWSTransport: Sendable {
    let execute: @Sendable (HTTPClientRequest, Duration) async throws -> HTTPClientResponse

    public init(_ execute: @escaping @Sendable (HTTPClientRequest, Duration) async throws -> HTTPClientResponse) {
        self.execute = execute
    }

    public static func http(_ client: HTTPClient) -> AWSTransport {
        AWSTransport { request, timeout in try await client.execute(request, timeout: .nanoseconds(timeout.nanoseconds)) }
    }
}

/// A request body that can be produced again for each attempt.
public enum AWSRequestBody: Sendable {
    case none
    /// Signed with its SHA-256.
    case bytes(ByteBuffer)
    /// A streamed body (of known length), sent as `UNSIGNED-PAYLOAD`; `make` is called once per attempt.
    case stream(make: @Sendable () throws -> HTTPClientRequest.Body)
}

/// One attempt's request, before signing.
public struct AWSRequest: Sendable {
    public var method: HTTPMethod
    public var url: URL
    public var headers: [(String, String)]
    public var body: AWSRequestBody
    /// The region the request is signed for.
    public var region: String

    public init(method: HTTPMethod, url: URL, headers: [(String, String)] = [], body: AWSRequestBody = .none, region: String) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.region = region
    }
}

/// An error answer's parts, which the service's protocol reads into an `AWSServiceError`.
public struct AWSErrorAnswer: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: Data
}

/// The part of an AWS protocol (REST-XML, JSON 1.1, query) that reads error answers.
public protocol AWSProtocolCodec: Sendable {
    /// The code, message and request id of an error answer; nil for what the body does not say.
    static func error(_ answer: AWSErrorAnswer) -> (code: String?, message: String?, requestId: String?)
}

/// What every AWS client shares: credentials, SigV4 signing, sending with one retry policy, and
/// the classification of failures (no answer, throttling and 5xx are retried; other 4xx are
/// not; cancellation is passed on as `CancellationError`). The services (S3, SSM, STS) add
/// their addressing and a codec for their protocol.
///
/// AsyncHTTPClient's `HTTPClient` is shared and long-lived; this client does not own it.
public struct AWSClient: Sendable {
    /// The service as errors and logs name it (`S3`).
    public let service: String
    /// The service as SigV4 names it (`s3`).
    public let signingName: String
    /// Nil for unsigned calls (STS AssumeRoleWithWebIdentity, whose token is the proof).
    public let credentials: (any CredentialProvider)?
    /// The longest a request may take until the answer begins (the request body included).
    public let requestTimeout: Duration
    public let retry: AWSRetryPolicy
    let transport: AWSTransport
    let logger: Logger
    /// The current time, for signatures (injected for tests).
    let now: @Sendable () -> Date

    public init(
        service: String, signingName: String, credentials: (any CredentialProvider)?, requestTimeout: Duration,
        retry: AWSRetryPolicy, transport: AWSTransport, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.service = service
        self.signingName = signingName
        self.credentials = credentials
        self.requestTimeout = requestTimeout
        self.retry = retry
        self.transport = transport
        self.logger = logger
        self.now = now
    }

    /// Sends a request until an answer is a success (`accept`) or an error not worth retrying,
    /// and returns what `read` makes of the success. `request` is called for each attempt (so
    /// an attempt may go elsewhere); `read` runs inside the loop, so a body that breaks off is
    /// retried like a request that got no answer.
    ///
    /// - Parameter resendAtOnce: looks at an error answer and says whether to send again at
    ///   once, without counting an attempt (S3's "the bucket is in another region"); asked at
    ///   most once per call.
    /// - Throws: `AWSClientError`; credential errors as they are; `CancellationError`.
    public func execute<Codec: AWSProtocolCodec, T: Sendable>(
        _ operation: AWSOperation,
        codec: Codec.Type,
        accept: @Sendable (Int) -> Bool = { (200..<300).contains($0) },
        resendAtOnce: (@Sendable (AWSErrorAnswer, AWSRequest) -> Bool)? = nil,
        request: @Sendable () throws -> AWSRequest,
        read: @Sendable (HTTPClientResponse) async throws -> T
    ) async throws -> T {
        try await execute(
            operation, codec: codec, clock: retry.clock, accept: accept, resendAtOnce: resendAtOnce, request: request,
            read: read)
    }

    private func execute<Codec: AWSProtocolCodec, T: Sendable, C: Clock<Duration>>(
        _ operation: AWSOperation,
        codec: Codec.Type,
        clock: C,
        accept: @Sendable (Int) -> Bool,
        resendAtOnce: (@Sendable (AWSErrorAnswer, AWSRequest) -> Bool)?,
        request makeRequest: @Sendable () throws -> AWSRequest,
        read: @Sendable (HTTPClientResponse) async throws -> T
    ) async throws -> T {
        let policy = retry
        let started = clock.now
        var attempt = 0
        var resent = false
        while true {
            try Task.checkCancellation()
            attempt += 1
            let request = try makeRequest()
            let failure: AWSClientError
            do {
                let response = try await send(request)
                let status = Int(response.status.code)
                if accept(status) { return try await read(response) }
                let body = Data(try await response.body.collect(upTo: 1024 * 1024).readableBytesView)
                let answer = AWSErrorAnswer(status: status, headers: response.headers, body: body)
                if !resent, let resendAtOnce, resendAtOnce(answer, request) {
                    resent = true
                    attempt -= 1
                    logger.debug("sending again at once", metadata: ["operation": "\(operation)", "status": "\(status)"])
                    continue
                }
                if status == 412 { throw AWSClientError.preconditionFailed(operation) }
                let parsed = Codec.error(answer)
                let error = AWSServiceError(
                    operation, status: status, code: parsed.code, message: parsed.message, requestId: parsed.requestId,
                    attempts: attempt)
                guard AWSRetryPolicy.isRetryable(status: status, code: error.code) else { throw AWSClientError.service(error) }
                failure = .service(error)
            } catch let error as AWSClientError {
                throw error
            } catch let error where Task.isCancelled || (error as? HTTPClientError) == .cancelled {
                // AsyncHTTPClient reports a cancelled task as its own error: pass on the cancellation.
                throw CancellationError()
            } catch let error where AWSRetryPolicy.isTransportFailure(error) {
                failure = .transport(
                    operation, attempts: attempt,
                    underlying: "\(String(describing: error)); endpoint \(Self.endpoint(request.url)), region \(request.region)")
            }
            if attempt >= policy.maxAttempts || started.duration(to: clock.now) >= policy.maxTotalTime { throw failure }
            let delay = policy.delay(beforeRetry: attempt)
            logger.debug(
                "retrying \(service) request",
                metadata: [
                    "operation": "\(operation)", "attempt": "\(attempt)", "error": "\(failure)", "delay": "\(delay)",
                ])
            // A cancelled task's sleep throws CancellationError, which goes to the caller as it is.
            try await clock.sleep(for: delay)
        }
    }

    /// Signs (unless the client has no credentials) and sends one attempt.
    func send(_ request: AWSRequest) async throws -> HTTPClientResponse {
        var http = HTTPClientRequest(url: request.url.absoluteString)
        http.method = request.method
        // Content-Length is left out of the signature: the HTTP client sets it from the body.
        let payload: SigV4Signer.Payload
        switch request.body {
        case .none:
            payload = .hash(SigV4Signer.Payload.emptyHash)
            if request.method == .PUT || request.method == .POST { http.body = .bytes(ByteBuffer()) }
        case .bytes(let buffer):
            payload = .data(Array(buffer.readableBytesView))
            http.body = .bytes(buffer)
        case .stream(let make):
            payload = .unsigned
            http.body = try make()
        }
        if let credentials {
            let signer = SigV4Signer(credentials: try await credentials.credentials(), region: request.region, service: signingName)
            let signed = signer.signHeaders(
                method: request.method.rawValue, url: request.url, headers: request.headers, payload: payload, date: now())
            for (name, value) in signed { http.headers.add(name: name, value: value) }
        } else {
            for (name, value) in request.headers { http.headers.add(name: name, value: value) }
        }
        return try await transport.execute(http, requestTimeout)
    }

    /// `scheme://host[:port]`, for error messages.
    static func endpoint(_ url: URL) -> String {
        guard let components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return url.absoluteString }
        return "\(components.scheme ?? "https")://\(components.host ?? "")\(components.port.map { ":\($0)" } ?? "")"
    }

    /// Reads a whole success answer, refusing more than `limit` bytes.
    public static func collect(_ response: HTTPClientResponse, limit: Int = 64 * 1024 * 1024) async throws -> Data {
        Data(try await response.body.collect(upTo: limit).readableBytesView)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
