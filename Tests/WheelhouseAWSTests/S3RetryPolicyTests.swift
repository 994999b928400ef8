import Testing

@testable import WheelhouseAWS

@Suite struct S3RetryPolicyTests {
    @Test func fullJitterStaysUnderTheDoublingCap() {
        let policy = S3RetryPolicy(baseDelay: .milliseconds(100), maxDelay: .seconds(1), random: { 1 })
        #expect((1...6).map { policy.delay(beforeRetry: $0) } == [
            .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1),
        ])
        let half = S3RetryPolicy(baseDelay: .milliseconds(100), random: { 0.5 })
        #expect(half.delay(beforeRetry: 3) == .milliseconds(200))
        #expect(S3RetryPolicy(random: { 0 }).delay(beforeRetry: 2) == .zero)
    }

    @Test func onlyErrorsThatMaySucceedAreRetried() {
        for status in [500, 502, 503, 504] { #expect(S3RetryPolicy.isRetryable(status: status, code: nil)) }
        #expect(S3RetryPolicy.isRetryable(status: 409, code: "ConditionalRequestConflict"))
        #expect(S3RetryPolicy.isRetryable(status: 400, code: "RequestTimeout"))
        #expect(!S3RetryPolicy.isRetryable(status: 409, code: "BucketAlreadyExists"))
        for status in [400, 403, 404, 412, 416] { #expect(!S3RetryPolicy.isRetryable(status: status, code: "Other")) }
    }
}
