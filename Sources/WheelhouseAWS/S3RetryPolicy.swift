import Foundation

/// When and how long to wait before sending a failed S3 request again: exponential backoff
/// with full jitter (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/),
/// bounded in attempts and in total time.
///
/// Retried: 500, 502, 503 (SlowDown), 504, 409 ConditionalRequestConflict, 400 RequestTimeout,
/// and requests that got no answer (timeouts, connection resets). Never any other 4xx: it
/// cannot succeed by asking again.
public struct S3RetryPolicy: Sendable {
    /// Attempts in all, the first one included.
    public var maxAttempts: Int
    /// The cap of the first backoff; doubled on each retry up to `maxDelay`.
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// No retry starts after this much time since the first attempt.
    public var maxTotalTime: Duration
    /// Waits between attempts (injected so tests need not wait).
    public var sleep: @Sendable (Duration) async throws -> Void
    /// A uniformly random fraction in 0...1 (injected so tests can fix it).
    public var random: @Sendable () -> Double

    public init(
        maxAttempts: Int = 5,
        baseDelay: Duration = .milliseconds(100),
        maxDelay: Duration = .seconds(20),
        maxTotalTime: Duration = .seconds(60),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }
    ) {
        precondition(maxAttempts >= 1, "maxAttempts must be at least 1")
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxTotalTime = maxTotalTime
        self.sleep = sleep
        self.random = random
    }

    /// The wait before retry number `retry` (1 for the first retry): full jitter, a random
    /// duration between zero and `min(maxDelay, baseDelay × 2^(retry-1))`.
    public func delay(beforeRetry retry: Int) -> Duration {
        let exponent = min(max(retry - 1, 0), 30)
        let cap = min(maxDelay, baseDelay * (1 << exponent))
        return cap * min(max(random(), 0), 1)
    }

    /// Whether an error answer may succeed when sent again.
    public static func isRetryable(status: Int, code: String?) -> Bool {
        switch status {
        case 500, 502, 503, 504: true
        case 409: code == "ConditionalRequestConflict"
        case 400: code == "RequestTimeout"
        default: false
        }
    }
}
