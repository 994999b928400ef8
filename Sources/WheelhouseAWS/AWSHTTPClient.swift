public import AsyncHTTPClient
import NIOCore

/// The HTTP client every AWS request goes through (S3, SSM, STS).
///
/// AsyncHTTPClient's default pool retries a failed connection until the request's deadline: an
/// endpoint that refuses connections (a wrong `?endpoint=`, an emulator that is not running) then
/// hangs each attempt for the whole request timeout. Here a connection that cannot be made fails
/// at once (or after a 5 s connect timeout), so the retry policy decides, with its own backoff
/// and budget, and the error names the endpoint.
///
/// The pool keeps up to `connectionsPerHost` connections to one endpoint (AsyncHTTPClient's
/// default is 8): callers bound their own concurrency (`--jobs`, the multipart concurrency), and
/// a pool smaller than that would queue their requests behind each other, unseen.
public enum AWSHTTPClient {
    public static let connectionsPerHost = 64

    public static let shared: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connectionsPerHost
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()
}
