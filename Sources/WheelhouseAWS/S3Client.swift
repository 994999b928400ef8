import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// Where and how an `S3Client` talks to S3.
public struct S3Configuration: Sendable {
    public var region: String
    /// A custom endpoint (moto, MinIO, a VPC endpoint), or nil for `https://s3.{region}.amazonaws.com`.
    public var endpoint: URL?
    /// `endpoint/bucket/key` instead of `bucket.endpoint/key`. Always used for an endpoint that is
    /// an IP address or `localhost`, where a bucket cannot be a subdomain, and for dotted bucket
    /// names over https.
    public var pathStyle: Bool
    /// Files larger than this are uploaded in parts.
    public var multipartThreshold: Int64
    /// The size of each part but the last (S3: at least 5 MiB, at most 10,000 parts).
    public var partSize: Int64
    /// Parts uploaded at once.
    public var multipartConcurrency: Int
    /// The longest a request may take until S3's answer begins (the request body included; a
    /// response body is streamed afterwards and not bounded by this).
    public var requestTimeout: Duration
    public var retry: S3RetryPolicy

    public static let defaultMultipartThreshold: Int64 = 64 * 1024 * 1024

    public init(
        region: String,
        endpoint: URL? = nil,
        pathStyle: Bool = false,
        multipartThreshold: Int64 = S3Configuration.defaultMultipartThreshold,
        partSize: Int64 = 8 * 1024 * 1024,
        multipartConcurrency: Int = 8,
        requestTimeout: Duration = .seconds(300),
        retry: S3RetryPolicy = S3RetryPolicy()
    ) {
        precondition(partSize > 0 && multipartConcurrency > 0, "partSize and multipartConcurrency must be positive")
        self.region = region
        self.endpoint = endpoint
        self.pathStyle = pathStyle
        self.multipartThreshold = multipartThreshold
        self.partSize = partSize
        self.multipartConcurrency = multipartConcurrency
        self.requestTimeout = requestTimeout
        self.retry = retry
    }
}

/// An S3 client on AsyncHTTPClient. Every request is signed with SigV4 (the body's SHA-256 for
/// bodies in memory, `UNSIGNED-PAYLOAD` for streamed ones) and retried per `S3RetryPolicy`.
///
/// The `HTTPClient` is shared and long-lived; this client does not own it (whoever created it
/// shuts it down; `HTTPClient.shared` needs no shutdown).
public struct S3Client: Sendable {
    public let configuration: S3Configuration
    public let credentials: any CredentialProvider
    let httpClient: HTTPClient
    let logger: Logger
    /// The current time, for signatures (injected for tests).
    let now: @Sendable () -> Date
    /// Regions buckets told us they are in (shared by copies of this client).
    let bucketRegions = BucketRegions()

    public init(
        configuration: S3Configuration,
        credentials: any CredentialProvider,
        httpClient: HTTPClient = AWSHTTPClient.shared,
        logger: Logger = Logger(label: "wheelhouse.s3"),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.credentials = credentials
        self.httpClient = httpClient
        self.logger = logger
        self.now = now
    }

    // MARK: Addressing

    /// The URL of `key` in `bucket` (or of the bucket itself when `key` is nil), with `query`
    /// (names and values unencoded) appended, every part encoded as SigV4 expects.
    public func url(bucket: String, key: String?, query: [(String, String)] = []) -> URL? {
        let base = configuration.endpoint ?? URL(string: "https://s3.\(region(for: bucket)).amazonaws.com")
        guard let base, var components = URLComponents(url: base, resolvingAgainstBaseURL: false),
            let host = components.host
        else { return nil }
        var path = ""
        if usesPathStyle(host: host, bucket: bucket, https: components.scheme?.lowercased() == "https") {
            path = "/" + SigV4Encoding.encode(Array(bucket.utf8))
        } else {
            components.host = bucket + "." + host
        }
        path += "/"
        if let key { path += SigV4Encoding.encode(Array(key.utf8), keepingSlash: true) }
        components.percentEncodedPath = path
        if !query.isEmpty {
            // A parameter without a value (`?uploads`) is sent bare, as the SDKs send it.
            components.percentEncodedQuery = query.map { name, value in
                SigV4Encoding.encode(Array(name.utf8)) + (value.isEmpty ? "" : "=" + SigV4Encoding.encode(Array(value.utf8)))
            }.joined(separator: "&")
        }
        return components.url
    }

    /// The region requests for `bucket` are signed for: the configured one until S3 answers
    /// that the bucket is elsewhere (`x-amz-bucket-region`).
    public func region(for bucket: String) -> String {
        bucketRegions.region(of: bucket) ?? configuration.region
    }

    /// Path style when asked for, for hosts that cannot take a bucket subdomain, and (as the
    /// SDKs do) for bucket names with dots over TLS, which the wildcard certificate does not cover.
    private func usesPathStyle(host: String, bucket: String, https: Bool) -> Bool {
        if configuration.pathStyle || host == "localhost" || host.contains(":") { return true }
        if https && bucket.contains(".") { return true }
        let octets = host.split(separator: ".")
        return octets.count == 4 && octets.allSatisfy { UInt8($0) != nil }
    }

    // MARK: Sending

    /// A request body that can be produced again for each attempt.
    enum Body: Sendable {
        case none
        case bytes(ByteBuffer)
        /// A streamed body (of known length); `make` is called once per attempt.
        case stream(make: @Sendable () throws -> HTTPClientRequest.Body)
    }

    /// What a request is about, for error messages.
    struct Target: Sendable {
        var operation: String
        var bucket: String
        var key: String?
        var resource: String { key.map { "\(bucket)/\($0)" } ?? bucket }
    }

    /// Sends a signed request, retrying per the policy, and returns the first answer that is a
    /// success (2xx, 304) or an error not worth retrying, which is thrown as `S3Error`.
    /// The caller reads (or drops) the returned body.
    func send(
        _ method: HTTPMethod, url: URL, headers: [(String, String)] = [], body: Body = .none, target: Target
    ) async throws -> HTTPClientResponse {
        let policy = configuration.retry
        let started = ContinuousClock.now
        var attempt = 0
        var url = url
        var followedRegion = false
        while true {
            attempt += 1
            let failure: S3Error
            do {
                let signingRegion = region(for: target.bucket)
                let response = try await sendOnce(method, url: url, headers: headers, body: body, region: signingRegion)
                let status = Int(response.status.code)
                if (200..<300).contains(status) || status == 304 { return response }
                let error = try await Self.serviceError(response, target: target, attempts: attempt)
                // The bucket is in another region (301 PermanentRedirect, or 400
                // AuthorizationHeaderMalformed): learn it from the answer and send again, once.
                if !followedRegion, status == 301 || status == 400,
                    let actual = response.headers.first(name: "x-amz-bucket-region"), !actual.isEmpty, actual != signingRegion
                {
                    followedRegion = true
                    bucketRegions.set(actual, for: target.bucket)
                    if configuration.endpoint == nil, let moved = URL(string: url.absoluteString.replacingOccurrences(
                        of: ".s3.\(signingRegion).amazonaws.com", with: ".s3.\(actual).amazonaws.com").replacingOccurrences(
                        of: "//s3.\(signingRegion).amazonaws.com", with: "//s3.\(actual).amazonaws.com"))
                    {
                        url = moved
                    }
                    logger.debug("bucket is in another region", metadata: ["bucket": "\(target.bucket)", "region": "\(actual)"])
                    attempt -= 1
                    continue
                }
                if status == 412 {
                    throw S3Error.preconditionFailed(bucket: target.bucket, key: target.key ?? "")
                }
                guard S3RetryPolicy.isRetryable(status: status, code: error.code) else { throw S3Error.service(error) }
                failure = .service(error)
            } catch let error as S3Error {
                throw error
            } catch let error where Self.isTransportFailure(error) {
                let endpoint = URLComponents(url: url, resolvingAgainstBaseURL: false).map { "\($0.scheme ?? "https")://\($0.host ?? "")\($0.port.map { ":\($0)" } ?? "")" } ?? ""
                failure = .transport(
                    operation: target.operation, resource: target.resource, attempts: attempt,
                    underlying: "\(String(describing: error)); endpoint \(endpoint), region \(region(for: target.bucket))")
            }
            if attempt >= policy.maxAttempts || ContinuousClock.now - started >= policy.maxTotalTime {
                throw failure
            }
            let delay = policy.delay(beforeRetry: attempt)
            logger.debug(
                "retrying S3 request",
                metadata: [
                    "operation": "\(target.operation)", "resource": "\(target.resource)", "attempt": "\(attempt)",
                    "error": "\(failure)", "delay": "\(delay)",
                ])
            try await policy.sleep(delay)
        }
    }

    private func sendOnce(
        _ method: HTTPMethod, url: URL, headers: [(String, String)], body: Body, region: String
    ) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        // Content-Length is left out of the signature: the HTTP client sets it from the body.
        let payload: SigV4Signer.Payload
        switch body {
        case .none:
            payload = .hash(SigV4Signer.Payload.emptyHash)
            if method == .PUT || method == .POST { request.body = .bytes(ByteBuffer()) }
        case .bytes(let buffer):
            payload = .data(Array(buffer.readableBytesView))
            request.body = .bytes(buffer)
        case .stream(let make):
            payload = .unsigned
            request.body = try make()
        }
        let signer = SigV4Signer(credentials: try await credentials.credentials(), region: region, service: "s3")
        for (name, value) in signer.signHeaders(method: method.rawValue, url: url, headers: headers, payload: payload, date: now()) {
            request.headers.add(name: name, value: value)
        }
        return try await httpClient.execute(request, timeout: .nanoseconds(configuration.requestTimeout.nanoseconds))
    }

    /// Failures that happened before any answer: worth another attempt.
    static func isTransportFailure(_ error: any Error) -> Bool {
        if error is CancellationError { return false }
        if let error = error as? HTTPClientError {
            return ![HTTPClientError.cancelled, .alreadyShutdown, .invalidURL, .emptyHost, .emptyScheme].contains(error)
        }
        return !(error is AWSConfigurationError) && !(error is S3Error) && !(error is CredentialSourceError)
    }

    /// Reads an error answer's XML body into a `S3ServiceError`.
    static func serviceError(_ response: HTTPClientResponse, target: Target, attempts: Int) async throws -> S3ServiceError {
        let body = try await response.body.collect(upTo: 1024 * 1024)
        let xml = S3XMLElement.parse(Data(body.readableBytesView))
        let error = xml?.name == "Error" ? xml : nil
        return S3ServiceError(
            operation: target.operation, resource: target.resource, status: Int(response.status.code),
            code: error?.text("Code") ?? (response.status == .notFound ? "NotFound" : nil),
            message: error?.text("Message"),
            requestId: error?.text("RequestId") ?? response.headers.first(name: "x-amz-request-id"),
            attempts: attempts)
    }

    /// Reads a whole success answer (XML results), refusing more than `limit` bytes.
    static func collect(_ response: HTTPClientResponse, limit: Int = 64 * 1024 * 1024) async throws -> Data {
        Data(try await response.body.collect(upTo: limit).readableBytesView)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// Bucket → region, learnt from S3's answers.
final class BucketRegions: Sendable {
    private let regions = Mutex<[String: String]>([:])

    func region(of bucket: String) -> String? { regions.withLock { $0[bucket] } }
    func set(_ region: String, for bucket: String) { regions.withLock { $0[bucket] = region } }
}
