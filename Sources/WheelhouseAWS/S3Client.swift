public import AsyncHTTPClient
public import Foundation
public import Logging
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
    public var retry: AWSRetryPolicy

    public static let defaultMultipartThreshold: Int64 = 64 * 1024 * 1024

    public init(
        region: String,
        endpoint: URL? = nil,
        pathStyle: Bool = false,
        multipartThreshold: Int64 = S3Configuration.defaultMultipartThreshold,
        partSize: Int64 = 8 * 1024 * 1024,
        multipartConcurrency: Int = 8,
        requestTimeout: Duration = .seconds(300),
        retry: AWSRetryPolicy = AWSRetryPolicy()
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

/// An S3 client (the REST-XML protocol) on `AWSClient`. Every request is signed with SigV4
/// (the body's SHA-256 for bodies in memory, `UNSIGNED-PAYLOAD` for streamed ones) and retried
/// per the configuration's `AWSRetryPolicy`.
///
/// The `HTTPClient` is shared and long-lived; this client does not own it (whoever created it
/// shuts it down; `AWSHTTPClient.shared` needs no shutdown).
public struct S3Client: Sendable {
    public let configuration: S3Configuration
    public let credentials: any CredentialProvider
    let core: AWSClient
    /// Regions buckets told us they are in (shared by copies of this client).
    let bucketRegions = BucketRegions()

    var logger: Logger { core.logger }
    var now: @Sendable () -> Date { core.now }

    public init(
        configuration: S3Configuration,
        credentials: any CredentialProvider,
        httpClient: HTTPClient = AWSHTTPClient.shared,
        logger: Logger = Logger(label: "wheelhouse.s3"),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.init(configuration: configuration, credentials: credentials, transport: .http(httpClient), logger: logger, now: now)
    }

    init(
        configuration: S3Configuration, credentials: any CredentialProvider, transport: AWSTransport,
        logger: Logger = Logger(label: "wheelhouse.s3"), now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.credentials = credentials
        self.core = AWSClient(
            service: "S3", signingName: "s3", credentials: credentials, requestTimeout: configuration.requestTimeout,
            retry: configuration.retry, transport: transport, logger: logger, now: now)
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

    /// What a request is about: the bucket, and the key for object operations.
    struct Target: Sendable {
        var operation: String
        var bucket: String
        var key: String?
        var resource: String { "s3://" + bucket + (key.map { "/" + $0 } ?? "") }
        var aws: AWSOperation { AWSOperation(service: "S3", name: operation, resource: resource) }
    }

    /// Sends a signed request to `target` (with `query`), retrying per the policy, and returns
    /// the first answer that is a success (2xx, 304); an error answer is thrown as
    /// `AWSClientError`. The caller reads (or drops) the returned body.
    ///
    /// The URL and signing region are worked out for each attempt: when S3 answers that the
    /// bucket is in another region (301 PermanentRedirect, or 400 AuthorizationHeaderMalformed,
    /// with `x-amz-bucket-region`), the region is learnt and the request sent again, once.
    func send(
        _ method: HTTPMethod, _ target: Target, query: [(String, String)] = [], headers: [(String, String)] = [],
        body: AWSRequestBody = .none
    ) async throws -> HTTPClientResponse {
        try await core.execute(
            target.aws, codec: AWSRestXMLCodec.self,
            accept: { (200..<300).contains($0) || $0 == 304 },
            resendAtOnce: { [bucketRegions, logger] answer, request in
                guard answer.status == 301 || answer.status == 400,
                    let actual = answer.headers.first(name: "x-amz-bucket-region"), !actual.isEmpty, actual != request.region
                else { return false }
                bucketRegions.set(actual, for: target.bucket)
                logger.debug("bucket is in another region", metadata: ["bucket": "\(target.bucket)", "region": "\(actual)"])
                return true
            },
            request: {
                guard let url = url(bucket: target.bucket, key: target.key, query: query) else { throw Self.badURL(target) }
                return AWSRequest(method: method, url: url, headers: headers, body: body, region: region(for: target.bucket))
            },
            read: { $0 })
    }

    /// Reads a whole success answer (XML results), refusing more than `limit` bytes.
    static func collect(_ response: HTTPClientResponse, limit: Int = 64 * 1024 * 1024) async throws -> Data {
        try await AWSClient.collect(response, limit: limit)
    }

    /// An `<Error>` document in a 200 answer (CopyObject, CompleteMultipartUpload): S3 reports
    /// some failures after it began answering.
    static func errorInSuccess(_ xml: AWSXMLElement, target: Target) -> AWSClientError? {
        guard xml.name == "Error" else { return nil }
        if xml.text("Code") == "PreconditionFailed" { return .preconditionFailed(target.aws) }
        return .service(
            AWSServiceError(
                target.aws, status: 200, code: xml.text("Code"), message: xml.text("Message"), requestId: xml.text("RequestId")))
    }
}

/// Bucket → region, learnt from S3's answers.
final class BucketRegions: Sendable {
    private let regions = Mutex<[String: String]>([:])

    func region(of bucket: String) -> String? { regions.withLock { $0[bucket] } }
    func set(_ region: String, for bucket: String) { regions.withLock { $0[bucket] = region } }
}
