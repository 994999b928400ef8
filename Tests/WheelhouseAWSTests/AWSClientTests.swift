import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

@testable import WheelhouseAWS

/// Answers requests from a script instead of a network (the last step repeats), and records
/// what was sent. With `TestClock` the retry loop of every service runs in-process, in no time.
final class ScriptedTransport: Sendable {
    enum Step: Sendable {
        case answer(Int, headers: [(String, String)] = [], body: String = "")
        case fail(HTTPClientError)
        /// The task is cancelled while the request is in flight; AsyncHTTPClient then throws `.cancelled`.
        case cancelInFlight
    }

    struct Sent: Sendable {
        var method: HTTPMethod
        var url: String
        var headers: HTTPHeaders
    }

    private let state: Mutex<(steps: [Step], sent: [Sent])>

    init(_ steps: [Step]) { state = Mutex((steps, [])) }

    var sent: [Sent] { state.withLock { $0.sent } }

    var transport: AWSTransport {
        AWSTransport { request, _ in try await self.answer(request) }
    }

    private func answer(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        let step = state.withLock { state in
            state.sent.append(Sent(method: request.method, url: request.url, headers: request.headers))
            return state.steps.count > 1 ? state.steps.removeFirst() : state.steps[0]
        }
        switch step {
        case .answer(let status, let headers, let body):
            return HTTPClientResponse(
                status: HTTPResponseStatus(statusCode: status), headers: HTTPHeaders(headers),
                body: .bytes(ByteBuffer(string: body)))
        case .fail(let error):
            throw error
        case .cancelInFlight:
            withUnsafeCurrentTask { $0?.cancel() }
            throw HTTPClientError.cancelled
        }
    }
}

/// The three protocols, each through its client, with the answers that protocol gives.
enum Service: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case s3, ssm, sts, sns

    var testDescription: String { rawValue }

    /// A success answer to the call `run` makes.
    var success: ScriptedTransport.Step {
        switch self {
        case .s3: .answer(200, headers: [("ETag", "\"e1\"")])
        case .ssm: .answer(200, body: #"{"Parameter":{"Name":"/p","Value":"v","Version":3,"Type":"String"}}"#)
        case .sts:
            .answer(
                200,
                body: """
                    <AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>
                    <AccessKeyId>ASIAX</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>
                    <Expiration>2026-11-30T12:00:00Z</Expiration></Credentials></AssumeRoleWithWebIdentityResult>
                    </AssumeRoleWithWebIdentityResponse>
                    """)
        case .sns:
            .answer(
                200,
                body: """
                    <PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult>
                    <MessageId>94f20ce6-13c5-43a0-9a9e-ca52d816e90b</MessageId></PublishResult>
                    <ResponseMetadata><RequestId>f187a3c1</RequestId></ResponseMetadata></PublishResponse>
                    """)
        }
    }

    /// The service's way of saying "slow down".
    var throttled: ScriptedTransport.Step {
        switch self {
        case .s3: .answer(503, body: "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>")
        case .ssm: .answer(400, body: #"{"__type":"ThrottlingException","message":"Rate exceeded"}"#)
        case .sts, .sns:
            .answer(400, body: "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>")
        }
    }

    /// A client error (4xx) with a request id, and what it should read as.
    var refused: (step: ScriptedTransport.Step, status: Int, code: String, message: String, requestId: String) {
        switch self {
        case .s3:
            (
                .answer(
                    404,
                    body:
                        "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>k</Key><RequestId>S3REQ</RequestId></Error>"
                ),
                404, "NoSuchKey", "The specified key does not exist.", "S3REQ"
            )
        case .ssm:
            (
                .answer(
                    400, headers: [("x-amzn-RequestId", "SSMREQ")],
                    body: #"{"__type":"com.amazonaws.ssm#ValidationException","message":"1 validation error"}"#),
                400, "ValidationException", "1 validation error", "SSMREQ"
            )
        case .sts:
            (
                .answer(
                    400,
                    body: """
                        <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>
                        <Code>InvalidIdentityToken</Code><Message>No OpenIDConnect provider found</Message></Error>
                        <RequestId>STSREQ</RequestId></ErrorResponse>
                        """),
                400, "InvalidIdentityToken", "No OpenIDConnect provider found", "STSREQ"
            )
        case .sns:
            (
                .answer(
                    404,
                    body: """
                        <ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type>
                        <Code>NotFound</Code><Message>Topic does not exist</Message></Error>
                        <RequestId>SNSREQ</RequestId></ErrorResponse>
                        """),
                404, "NotFound", "Topic does not exist", "SNSREQ"
            )
        }
    }

    static let endpoint = URL(string: "http://aws.test:4566")

    /// One call of the service's client over `transport`.
    func run(_ transport: ScriptedTransport, retry: AWSRetryPolicy) async throws {
        let endpoint = try #require(Self.endpoint)
        switch self {
        case .s3:
            let client = S3Client(
                configuration: S3Configuration(region: "us-east-1", endpoint: endpoint, pathStyle: true, retry: retry),
                credentials: S3TestClient.dummy, transport: transport.transport)
            _ = try await client.putObject(bucket: "b", key: "k", data: Data("x".utf8))
        case .ssm:
            let client = SSMClient(
                configuration: SSMConfiguration(region: "us-east-1", endpoint: endpoint, retry: retry),
                credentials: S3TestClient.dummy, transport: transport.transport)
            _ = try await client.getParameter(name: "/p")
        case .sts:
            let client = STSClient(endpoint: endpoint, region: "us-east-1", transport: transport.transport, retry: retry)
            _ = try await client.assumeRoleWithWebIdentity(roleARN: "arn:aws:iam::1:role/r", sessionName: "s", token: "t")
        case .sns:
            let client = SNSClient(
                configuration: SNSConfiguration(region: "us-east-1", endpoint: endpoint, retry: retry),
                credentials: S3TestClient.dummy, transport: transport.transport)
            let id = try await client.publish(topicARN: "arn:aws:sns:us-east-1:123456789012:events", message: "{}")
            #expect(id == "94f20ce6-13c5-43a0-9a9e-ca52d816e90b")
        }
    }
}

@Suite("AWSClient: retries, cancellation and error answers of every protocol, in-process")
struct AWSClientTests {
    @Test(arguments: Service.allCases)
    func serverErrorsAndThrottlingAreRetried(_ service: Service) async throws {
        let transport = ScriptedTransport([
            .answer(500), .answer(503), .answer(502), service.throttled, service.success,
        ])
        let clock = TestClock()
        try await service.run(transport, retry: AWSRetryPolicy(clock: clock, random: { 1 }))
        #expect(transport.sent.count == 5)
        #expect(clock.sleeps == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800)])
    }

    @Test(arguments: Service.allCases)
    func clientErrorsAreNotRetriedAndReadWithTheirRequestId(_ service: Service) async throws {
        let refused = service.refused
        let transport = ScriptedTransport([refused.step, service.success])
        let clock = TestClock()
        do {
            try await service.run(transport, retry: AWSRetryPolicy(clock: clock))
            Issue.record("expected \(refused.code)")
        } catch AWSClientError.service(let error) {
            #expect(error.service == service.rawValue.uppercased())
            #expect(error.status == refused.status)
            #expect(error.code == refused.code)
            #expect(error.message == refused.message)
            #expect(error.requestId == refused.requestId)
            #expect(error.attempts == 1)
            #expect("\(error)".contains("(request id \(refused.requestId))"))
        }
        #expect(transport.sent.count == 1)
        #expect(clock.sleeps.isEmpty)
    }

    @Test(arguments: Service.allCases)
    func throttlingOnEveryAttemptEndsWithTheLastAnswer(_ service: Service) async throws {
        let transport = ScriptedTransport([service.throttled])
        let clock = TestClock()
        await #expect {
            try await service.run(transport, retry: AWSRetryPolicy(maxAttempts: 3, clock: clock))
        } throws: { error in
            guard case .service(let answer) = error as? AWSClientError else { return false }
            return AWSRetryPolicy.throttlingCodes.contains(answer.code ?? "") && answer.attempts == 3
                && "\(error)".contains("after 3 attempts")
        }
        #expect(transport.sent.count == 3)
        #expect(clock.sleeps.count == 2)
    }

    @Test(arguments: Service.allCases)
    func cancellationDuringTheBackoffIsPassedOn(_ service: Service) async throws {
        let transport = ScriptedTransport([.answer(503)])
        let clock = TestClock(cancelOnSleep: true)
        let result = await Task { try await service.run(transport, retry: AWSRetryPolicy(clock: clock)) }.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(transport.sent.count == 1)
    }

    @Test(arguments: Service.allCases)
    func cancellationDuringARequestIsPassedOn(_ service: Service) async throws {
        let transport = ScriptedTransport([.cancelInFlight, service.success])
        let clock = TestClock()
        let result = await Task { try await service.run(transport, retry: AWSRetryPolicy(clock: clock)) }.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(transport.sent.count == 1)
        #expect(clock.sleeps.isEmpty)
    }

    @Test(arguments: Service.allCases)
    func lostConnectionsAreRetriedThenNamed(_ service: Service) async throws {
        let transport = ScriptedTransport([.fail(.remoteConnectionClosed)])
        let clock = TestClock()
        await #expect {
            try await service.run(transport, retry: AWSRetryPolicy(maxAttempts: 3, clock: clock))
        } throws: { error in
            guard case .transport(let operation, let attempts, let underlying) = error as? AWSClientError else { return false }
            return operation.service == service.rawValue.uppercased() && attempts == 3
                && underlying.contains("endpoint http://") && underlying.contains("region us-east-1")
        }
        #expect(clock.sleeps.count == 2)
    }

    @Test func theTimeBudgetOnTheClockStopsRetries() async throws {
        let transport = ScriptedTransport([.answer(503)])
        let clock = TestClock()
        let policy = AWSRetryPolicy(
            maxAttempts: 10, baseDelay: .milliseconds(600), maxTotalTime: .seconds(1), clock: clock, random: { 1 })
        await #expect(throws: AWSClientError.self) { try await Service.s3.run(transport, retry: policy) }
        // 0 s: first attempt, wait 0.6 s; 0.6 s: second, wait 1.2 s; 1.8 s: third, past the budget.
        #expect(clock.sleeps == [.milliseconds(600), .milliseconds(1200)])
        #expect(transport.sent.count == 3)
    }

    @Test func requestsAreSignedPerServiceAndSTSIsNot() async throws {
        for service in Service.allCases {
            let transport = ScriptedTransport([service.success])
            try await service.run(transport, retry: AWSRetryPolicy(clock: TestClock()))
            let sent = try #require(transport.sent.first)
            let authorization = sent.headers.first(name: "Authorization")
            switch service {
            case .s3: #expect(authorization?.contains("/us-east-1/s3/aws4_request") == true)
            case .ssm:
                #expect(authorization?.contains("/us-east-1/ssm/aws4_request") == true)
                #expect(sent.headers.first(name: "X-Amz-Target") == "AmazonSSM.GetParameter")
            case .sts: #expect(authorization == nil)
            case .sns:
                #expect(authorization?.contains("/us-east-1/sns/aws4_request") == true)
                #expect(sent.headers.first(name: "Content-Type")?.hasPrefix("application/x-www-form-urlencoded") == true)
            }
        }
    }

    @Test func s3SpecialAnswers() async throws {
        let endpoint = try #require(Service.endpoint)
        func client(_ transport: ScriptedTransport) -> S3Client {
            S3Client(
                configuration: S3Configuration(
                    region: "us-east-1", endpoint: endpoint, pathStyle: true, retry: AWSRetryPolicy(clock: TestClock())),
                credentials: S3TestClient.dummy, transport: transport.transport)
        }
        // A HEAD has no body: a 404 is NotFound (nil from headObject), with the id from the header.
        let head = ScriptedTransport([.answer(404, headers: [("x-amz-request-id", "HEADREQ")])])
        #expect(try await client(head).headObject(bucket: "b", key: "k") == nil)
        let getObject = ScriptedTransport([.answer(403, headers: [("x-amz-request-id", "HEADREQ")])])
        await #expect {
            try await client(getObject).getObject(bucket: "b", key: "k")
        } throws: { error in
            guard case .service(let answer) = error as? AWSClientError else { return false }
            return answer.requestId == "HEADREQ" && answer.code == nil && answer.isNotAuthorized
                && "\(answer)".contains("allow s3:GetObject")
        }
        // 412: the condition did not hold.
        await #expect {
            try await client(ScriptedTransport([.answer(412)])).putObject(
                bucket: "b", key: "k", data: Data(), condition: .ifAbsent)
        } throws: { error in
            guard case .preconditionFailed(let operation) = error as? AWSClientError else { return false }
            return operation.resource == "s3://b/k"
        }
        // A 200 whose body is an <Error>: S3 failed the copy after it began answering.
        let copy = ScriptedTransport([
            .answer(200, body: "<Error><Code>InternalError</Code><Message>try again</Message><RequestId>CP</RequestId></Error>")
        ])
        await #expect {
            try await client(copy).copyObject(from: ("a", "x"), to: "b", key: "y")
        } throws: { error in
            guard case .service(let answer) = error as? AWSClientError else { return false }
            return answer.status == 200 && answer.code == "InternalError" && answer.requestId == "CP"
        }
    }
}
