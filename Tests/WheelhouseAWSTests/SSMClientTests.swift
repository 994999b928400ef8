import Foundation
import NIOHTTP1
import Testing
import WheelhouseTestSupport

@testable import WheelhouseAWS

enum SSMTestClient {
    static func make(
        endpoint: URL, region: String = "us-east-1", credentials: any CredentialProvider = S3TestClient.dummy,
        retry: AWSRetryPolicy = AWSRetryPolicy()
    ) -> SSMClient {
        SSMClient(
            configuration: SSMConfiguration(region: region, endpoint: endpoint, requestTimeout: .seconds(30), retry: retry),
            credentials: credentials)
    }

    static func uniqueName(_ label: String) -> String {
        "/wheelhouse-tests/\(label)/\(UUID().uuidString.prefix(8))"
    }
}

@Suite("SSMClient against moto_server", .tags(.endToEnd), .skippedInFastTier)
struct SSMClientTests {
    @Test func putGetOverwriteTiersAndDelete() async throws {
        let moto = try await MotoServer.shared()
        let ssm = SSMTestClient.make(endpoint: moto.endpoint)
        let name = SSMTestClient.uniqueName("basic")

        let first = try await ssm.putParameter(
            SSMPutParameterRequest(
                name: name, value: "s3://b/a.whl", overwrite: false, description: "wheels for Glue",
                tags: ["team": "data", "owner": "wheelhouse"]))
        #expect(first.version == 1)
        #expect(first.tier == .standard)

        await #expect {
            try await ssm.putParameter(SSMPutParameterRequest(name: name, value: "other", overwrite: false))
        } throws: { error in
            guard let error = error as? AWSClientError, error.isParameterAlreadyExists else { return false }
            return error.serviceError?.resource == "parameter '\(name)'"
        }

        let second = try await ssm.putParameter(
            SSMPutParameterRequest(name: name, value: "s3://b/a.whl,s3://b/c.whl", overwrite: true, tier: .advanced))
        #expect(second.version == 2)
        #expect(second.tier == .advanced)

        let current = try await ssm.getParameter(name: name)
        #expect(current.name == name)
        #expect(current.value == "s3://b/a.whl,s3://b/c.whl")
        #expect(current.version == 2)
        #expect(current.type == "String")
        #expect(current.lastModified != nil)
        #expect(try await ssm.currentTier(name: name) == .advanced)
        #expect(try await ssm.parameterHistory(name: name).map(\.tier) == [.standard, .advanced])

        try await ssm.deleteParameter(name: name)
        #expect(try await ssm.getParameterIfPresent(name: name) == nil)
        #expect(try await ssm.currentTier(name: name) == nil)
        await #expect {
            try await ssm.getParameter(name: name)
        } throws: { error in
            (error as? AWSClientError)?.code == "ParameterNotFound" && "\(error)".contains(name)
        }
        await #expect {
            try await ssm.deleteParameter(name: name)
        } throws: { error in
            (error as? AWSClientError)?.isParameterNotFound == true
        }
    }

    @Test func historyFollowsPages() async throws {
        let moto = try await MotoServer.shared()
        let ssm = SSMTestClient.make(endpoint: moto.endpoint)
        let name = SSMTestClient.uniqueName("history")
        for index in 1...7 {
            try await ssm.putParameter(SSMPutParameterRequest(name: name, value: "value \(index)", overwrite: index > 1))
        }
        let history = try await ssm.parameterHistory(name: name, pageSize: 3)
        #expect(history.map(\.version) == Array(1...7))
        #expect(history.map(\.value) == (1...7).map { "value \($0)" })
        await #expect(throws: AWSClientError.self) {
            try await ssm.parameterHistory(name: SSMTestClient.uniqueName("none"))
        }
    }

    @Test func parametersArePerRegion() async throws {
        let moto = try await MotoServer.shared()
        let east = SSMTestClient.make(endpoint: moto.endpoint, region: "us-east-1")
        let west = SSMTestClient.make(endpoint: moto.endpoint, region: "eu-west-1")
        let name = SSMTestClient.uniqueName("regions")
        try await east.putParameter(SSMPutParameterRequest(name: name, value: "east", overwrite: false))
        #expect(try await west.getParameterIfPresent(name: name) == nil)
        try await west.putParameter(SSMPutParameterRequest(name: name, value: "west", overwrite: false))
        #expect(try await east.getParameter(name: name).value == "east")
        #expect(try await west.getParameter(name: name).value == "west")
    }

    @Test func validationErrorsAreNotRetried() async throws {
        let moto = try await MotoServer.shared()
        let sleeps = TestClock()
        let ssm = SSMTestClient.make(endpoint: moto.endpoint, retry: AWSRetryPolicy(clock: sleeps))
        await #expect {
            try await ssm.putParameter(SSMPutParameterRequest(name: SSMTestClient.uniqueName("empty"), value: "", overwrite: true))
        } throws: { error in
            guard case .service(let service) = error as? AWSClientError else { return false }
            return service.status == 400 && service.code == "ValidationException" && service.operation == "PutParameter"
        }
        #expect(sleeps.sleeps.isEmpty)
    }

    @Test func retriesThrottlingThenSucceeds() async throws {
        let moto = try await MotoServer.shared()
        let proxy = try await FaultProxy.start(upstream: moto.port, faults: 2, mode: "throttle")
        defer { proxy.stop() }
        let sleeps = TestClock()
        let ssm = SSMTestClient.make(endpoint: proxy.endpoint, retry: AWSRetryPolicy(clock: sleeps, random: { 1 }))
        let name = SSMTestClient.uniqueName("throttle")
        let result = try await ssm.putParameter(SSMPutParameterRequest(name: name, value: "v", overwrite: true))
        #expect(result.version == 1)
        #expect(sleeps.sleeps == [.milliseconds(100), .milliseconds(200)])
    }

    @Test func throttlingOnEveryAttemptFailsWithTheCode() async throws {
        let moto = try await MotoServer.shared()
        let proxy = try await FaultProxy.start(upstream: moto.port, faults: 1000, mode: "throttle")
        defer { proxy.stop() }
        let sleeps = TestClock()
        let ssm = SSMTestClient.make(endpoint: proxy.endpoint, retry: AWSRetryPolicy(maxAttempts: 3, clock: sleeps))
        await #expect {
            try await ssm.getParameter(name: "/x")
        } throws: { error in
            guard case .service(let service) = error as? AWSClientError else { return false }
            return service.code == "ThrottlingException" && service.attempts == 3 && "\(error)".contains("after 3 attempts")
        }
        #expect(sleeps.sleeps.count == 2)
    }

    /// moto checks signatures once its authentication is on (its own server: the switch is global).
    @Test func signaturesAreCheckedWhenAuthenticationIsOn() async throws {
        let moto = try await MotoServer.start()
        defer { Task { await moto.stop() } }
        let key = try await moto.enableAuthentication()
        let good = SSMTestClient.make(
            endpoint: moto.endpoint,
            credentials: StaticCredentialProvider(AWSCredentials(accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey)))
        let name = SSMTestClient.uniqueName("auth")
        try await good.putParameter(SSMPutParameterRequest(name: name, value: "signed", overwrite: true))
        #expect(try await good.getParameter(name: name).value == "signed")

        let wrongSecret = SSMTestClient.make(
            endpoint: moto.endpoint,
            credentials: StaticCredentialProvider(AWSCredentials(accessKeyId: key.accessKeyId, secretAccessKey: "wrong")))
        await #expect {
            try await wrongSecret.getParameter(name: name)
        } throws: { error in
            guard case .service(let service) = error as? AWSClientError, service.isNotAuthorized else { return false }
            return service.status == 403 && service.code == "SignatureDoesNotMatch" && "\(error)".contains("ssm:GetParameter")
        }
        let unknownKey = SSMTestClient.make(
            endpoint: moto.endpoint,
            credentials: StaticCredentialProvider(AWSCredentials(accessKeyId: "AKIAUNKNOWNUNKNOWN00", secretAccessKey: "x")))
        await #expect {
            try await unknownKey.putParameter(SSMPutParameterRequest(name: name, value: "no", overwrite: true))
        } throws: { error in
            guard case .service(let service) = error as? AWSClientError, service.isNotAuthorized else { return false }
            return service.code == "InvalidClientTokenId"
        }
        #expect(try await good.getParameter(name: name).version == 1)
    }

    @Test func errorBodiesInEveryShape() {
        func parse(_ body: String, status: Int = 400, errorType: String? = nil) -> AWSServiceError {
            var headers = HTTPHeaders()
            if let errorType { headers.add(name: "x-amzn-ErrorType", value: errorType) }
            let parsed = AWSJSONCodec.error(AWSErrorAnswer(status: status, headers: headers, body: Data(body.utf8)))
            return AWSServiceError(
                SSMClient.operation("GetParameter", "/p"), status: status, code: parsed.code, message: parsed.message,
                requestId: parsed.requestId)
        }
        let notFound = AWSClientError.service(
            parse(#"{"__type":"com.amazonaws.ssm#ParameterNotFound","message":"Parameter /p not found."}"#))
        #expect(notFound.isParameterNotFound)
        #expect("\(notFound)".contains("parameter '/p' does not exist"))
        #expect(notFound.serviceError?.message == "Parameter /p not found.")
        #expect(parse(#"{"__type":"ParameterAlreadyExists","message":"exists"}"#).code == "ParameterAlreadyExists")
        #expect(AWSClientError.service(parse(#"{"__type":"ParameterVersionNotFound"}"#)).isParameterNotFound)
        #expect(parse("", errorType: "TooManyUpdates:http://internal.amazon.com/").code == "TooManyUpdates")
        let xml =
            #"<?xml version="1.0"?><ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code><Message>bad</Message></Error></Errors><RequestId>r-1</RequestId></ErrorResponse>"#
        let signature = parse(xml, status: 403)
        #expect(signature.isNotAuthorized)
        #expect(signature.code == "SignatureDoesNotMatch")
        #expect(signature.message == "bad")
        #expect(signature.requestId == "r-1")
        #expect(parse(#"{"__type":"AccessDeniedException","message":"no"}"#).isNotAuthorized)
        let other = parse("not json", status: 500)
        #expect(other.code == nil)
        #expect(other.status == 500)
        #expect(!other.isNotAuthorized)
    }

    @Test func endpointAndRegionFromTheEnvironment() throws {
        let environment = try AWSTestFixtures.home(
            config: "[default]\nregion = ap-south-1\n",
            extra: ["AWS_ENDPOINT_URL": "http://general:1", "AWS_ENDPOINT_URL_SSM": "http://127.0.0.1:4566/"])
        let configuration = try SSMConfiguration.resolved(region: nil, environment: environment)
        #expect(configuration.region == "ap-south-1")
        #expect(configuration.endpoint?.absoluteString == "http://127.0.0.1:4566/")
        let client = SSMClient(configuration: configuration, credentials: S3TestClient.dummy)
        #expect(client.url?.absoluteString == "http://127.0.0.1:4566/")

        let explicit = try SSMConfiguration.resolved(region: "eu-central-1", environment: try AWSTestFixtures.home())
        #expect(explicit.region == "eu-central-1")
        #expect(explicit.endpoint == nil)
        #expect(
            SSMClient(configuration: explicit, credentials: S3TestClient.dummy).url?.absoluteString
                == "https://ssm.eu-central-1.amazonaws.com/")
    }
}
