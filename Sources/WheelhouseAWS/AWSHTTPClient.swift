public import AsyncHTTPClient
import NIOCore

/// The HTTP client every AWS request goes through (S3, SSM, STS).
///
/// AsyncHTTPClient's default pool retries a failed connection until the request's deadline: an
/// endpoint that refuses connections (a wrong `?endpoint=`, an emulator that is not running) then
/// hangs each attempt for the whole request timeout. Here a connection that cannot be made fails
/// at once (or after a 5 s connect timeout), so the retry policy decides, with its own backoff
/// and budget, and the error names the endpoint.
public enum AWSHTTPClient {
    public static let shared: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()
}
