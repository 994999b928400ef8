import Testing

@testable import WheelhouseAWS

@Suite struct AWSRetryPolicyTests {
    @Test func fullJitterStaysUnderTheDoublingCap() {
        let policy = AWSRetryPolicy(baseDelay: .milliseconds(100), maxDelay: .seconds(1), random: { 1 })
        #expect(
            (1...6).map { policy.delay(beforeRetry: $0) } == [
                .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1),
            ])
        let half = AWSRetryPolicy(baseDelay: .milliseconds(100), random: { 0.5 })
        #expect(half.delay(beforeRetry: 3) == .milliseconds(200))
        #expect(AWSRetryPolicy(random: { 0 }).delay(beforeRetry: 2) == .zero)
    }

    @Test func onlyErrorsThatMaySucceedAreRetried() {
        for status in [500, 502, 503, 504] { #expect(AWSRetryPolicy.isRetryable(status: status, code: nil)) }
        #expect(AWSRetryPolicy.isRetryable(status: 409, code: "ConditionalRequestConflict"))
        #expect(AWSRetryPolicy.isRetryable(status: 400, code: "RequestTimeout"))
        #expect(!AWSRetryPolicy.isRetryable(status: 409, code: "BucketAlreadyExists"))
        for status in [400, 403, 404, 412, 416] { #expect(!AWSRetryPolicy.isRetryable(status: status, code: "Other")) }
        // Throttling, whatever the status it comes with (SSM and STS throttle with a 400).
        #expect(AWSRetryPolicy.isRetryable(status: 429, code: nil))
        #expect(AWSRetryPolicy.isRetryable(status: 400, code: "ThrottlingException"))
        #expect(AWSRetryPolicy.isRetryable(status: 400, code: "Throttling"))
        #expect(AWSRetryPolicy.isRetryable(status: 400, code: "TooManyUpdates"))
        #expect(AWSRetryPolicy.isRetryable(status: 503, code: "SlowDown"))
        #expect(!AWSRetryPolicy.isRetryable(status: 400, code: "ValidationException"))
        #expect(!AWSRetryPolicy.isRetryable(status: 400, code: "ParameterNotFound"))
        #expect(!AWSRetryPolicy.isRetryable(status: 403, code: "SignatureDoesNotMatch"))
    }
}
