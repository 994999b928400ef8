public import AsyncHTTPClient
import Crypto
public import Foundation
import NIOCore
import NIOHTTP1

/// POSTs each event as JSON to a URL (`--webhook`), signed with HMAC-SHA256 over the exact
/// body when a secret is set (`--webhook-secret-file`):
///
///     Content-Type: application/json
///     X-Wheelhouse-Event: upload
///     X-Wheelhouse-Delivery: <the event's id; the same on every retry>
///     X-Wheelhouse-Timestamp: <the event's time, Unix seconds>
///     X-Wheelhouse-Signature: sha256=<hex of HMAC-SHA256(secret, body)>
///
/// Any 2xx answer is delivered. Connection failures, timeouts, 408, 429 and 5xx are retried
/// with exponential backoff (with jitter) up to `maxAttempts`; other answers are final.
public struct WebhookDestination: EventDestination {
    public var url: URL
    var secret: SymmetricKey?
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// The whole of one attempt: connecting, sending and reading the answer.
    public var attemptTimeout: Duration
    let client: HTTPClient

    public init(
        url: URL, secret: [UInt8]?, maxAttempts: Int = 6, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(30),
        attemptTimeout: Duration = .seconds(10), client: HTTPClient = WebhookHTTPClient.shared
    ) {
        self.url = url
        self.secret = secret.map { SymmetricKey(data: $0) }
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.attemptTimeout = attemptTimeout
        self.client = client
    }

    public var name: String { Self.displayURL(url) }

    /// The URL without user information, for logs.
    static func displayURL(_ url: URL) -> String {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return "webhook" }
        components.user = nil
        components.password = nil
        components.query = nil
        return components.string ?? "webhook"
    }

    /// `sha256=<hex>` of HMAC-SHA256 over `body` with `key`.
    public static func signature(body: Data, key: [UInt8]) -> String {
        "sha256=" + Hex.encode(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: key)))
    }

    /// The request headers of one delivery.
    func headers(for event: StoreEvent, body: Data) -> HTTPHeaders {
        var headers = HTTPHeaders([
            ("Content-Type", "application/json"),
            ("User-Agent", "wheelhouse-events/1"),
            ("X-Wheelhouse-Event", event.type.rawValue),
            ("X-Wheelhouse-Delivery", event.id),
            ("X-Wheelhouse-Timestamp", String(Int64(event.time.timeIntervalSince1970))),
        ])
        if let secret {
            let mac = HMAC<SHA256>.authenticationCode(for: body, using: secret)
            headers.add(name: "X-Wheelhouse-Signature", value: "sha256=" + Hex.encode(mac))
        }
        return headers
    }

    public struct Failure: Error, CustomStringConvertible {
        public var url: String
        public var attempts: Int
        public var last: String
        public var description: String { "webhook \(url): \(last) (after \(attempts) attempt\(attempts == 1 ? "" : "s"))" }
    }

    public func deliver(_ event: StoreEvent, body: Data) async throws {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        request.headers = headers(for: event, body: body)
        request.body = .bytes(ByteBuffer(bytes: body))
        var attempt = 0
        var last = ""
        while attempt < maxAttempts {
            attempt += 1
            try Task.checkCancellation()
            let retry: Bool
            do {
                let response = try await client.execute(
                    request,
                    timeout: TimeAmount.nanoseconds(
                        Int64(attemptTimeout.components.seconds) * 1_000_000_000 + attemptTimeout.components.attoseconds / 1_000_000_000))
                // The answer's body is not used; read (a little of) it so the connection can be reused.
                _ = try? await response.body.collect(upTo: 64 << 10)
                let status = Int(response.status.code)
                if (200..<300).contains(status) { return }
                last = "HTTP \(status)"
                retry = status >= 500 || status == 408 || status == 429
            } catch let error as HTTPClientError where error == .cancelled {
                throw CancellationError()
            } catch {
                if Task.isCancelled { throw CancellationError() }
                last = "\(error)"
                retry = true
            }
            guard retry, attempt < maxAttempts else { break }
            try await Task.sleep(for: delay(afterAttempt: attempt))
        }
        throw Failure(url: name, attempts: attempt, last: last)
    }

    /// `baseDelay` × 2^(attempt-1), at most `maxDelay`, less up to a quarter of jitter.
    func delay(afterAttempt attempt: Int) -> Duration {
        let exponential = baseDelay * (1 << min(attempt - 1, 20))
        let capped = min(exponential, maxDelay)
        return capped * Double.random(in: 0.75...1)
    }
}

/// The HTTP client webhook deliveries go through: a connection that cannot be made fails at
/// once (or after a 5 s connect timeout) so the retry policy decides; redirects are not followed
/// (a webhook answers where it is).
public enum WebhookHTTPClient {
    public static let shared: HTTPClient = {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()
}
