import AsyncHTTPClient
import Foundation

/// When and how long to wait before sending a failed AWS request again, for every service:
/// exponential backoff with full jitter
/// (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/), bounded in
/// attempts and in total time, measured and slept on `clock`.
///
/// Retried: requests that got no answer (timeouts, connection resets), 500, 502, 503, 504,
/// 429 and throttling codes (`SlowDown`, `ThrottlingException`, SSM's `TooManyUpdates`, …),
/// S3's 409 `ConditionalRequestConflict` and 400 `RequestTimeout`. Never any other 4xx: it
/// cannot succeed by asking again.
public struct AWSRetryPolicy: Sendable {
    /// Attempts in all, the first one included.
    public var maxAttempts: Int
    /// The cap of the first backoff; doubled on each retry up to `maxDelay`.
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// No retry starts after this much time (on `clock`) since the first attempt.
    public var maxTotalTime: Duration
    /// Measures the budget and sleeps between attempts (injected so tests need not wait).
    /// A cancelled task's sleep throws `CancellationError`, which the client passes on.
    public var clock: any Clock<Duration>
    /// A uniformly random fraction in 0...1 (injected so tests can fix it).
    public var random: @Sendable () -> Double

    public init(
        maxAttempts: Int = 5,
        baseDelay: Duration = .milliseconds(100),
        maxDelay: Duration = .seconds(20),
        maxTotalTime: Duration = .seconds(60),
        clock: any Clock<Duration> = ContinuousClock(),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }
    ) {
        precondition(maxAttempts >= 1, "maxAttempts must be at least 1")
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxTotalTime = maxTotalTime
        self.clock = clock
        self.random = random
    }

    /// The wait before retry number `retry` (1 for the first retry): full jitter, a random
    /// duration between zero and `min(maxDelay, baseDelay × 2^(retry-1))`.
    public func delay(beforeRetry retry: Int) -> Duration {
        let exponent = min(max(retry - 1, 0), 30)
        let cap = min(maxDelay, baseDelay * (1 << exponent))
        return cap * min(max(random(), 0), 1)
    }

    /// Codes services use for "too many requests", whatever the status.
    static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "RequestLimitExceeded", "RequestThrottled", "SlowDown", "TooManyUpdates", "ProvisionedThroughputExceededException",
        "BandwidthLimitExceeded", "PriorRequestNotComplete", "EC2ThrottledException",
    ]

    /// Whether an error answer may succeed when sent again.
    public static func isRetryable(status: Int, code: String?) -> Bool {
        if let code, throttlingCodes.contains(code) { return true }
        switch status {
        case 500, 502, 503, 504, 429: return true
        case 409: return code == "ConditionalRequestConflict"
        case 400: return code == "RequestTimeout"
        default: return false
        }
    }

    /// Failures that happened before any answer: worth another attempt. Cancellation, a
    /// request that cannot be formed and credential errors are not.
    public static func isTransportFailure(_ error: any Error) -> Bool {
        if error is CancellationError { return false }
        if let error = error as? HTTPClientError {
            return ![HTTPClientError.cancelled, .alreadyShutdown, .invalidURL, .emptyHost, .emptyScheme].contains(error)
        }
        return !(error is AWSConfigurationError) && !(error is AWSClientError) && !(error is CredentialSourceError)
    }
}
