import Foundation
import Testing
import WheelhouseTestSupport

@testable import WheelhouseAWS

/// A fake EC2 instance metadata service (IMDSv2 only) and container credentials endpoint on
/// loopback: a Python http.server the tests start. It hands out credentials numbered by
/// fetch (`AKIDIMDS1`, `AKIDIMDS2`, ...) expiring `expires_in` seconds from now, refuses
/// metadata reads without a session token (as IMDSv2 does with IMDSv1 disabled), and the
/// container endpoint wants `Authorization: container-secret`.
final class FakeCredentialEndpoints: @unchecked Sendable {
    let port: Int
    let child: ChildProcess
    var base: String { "http://127.0.0.1:\(port)" }

    static let script = #"""
        import json, sys, datetime
        from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
        port, expires_in = int(sys.argv[1]), int(sys.argv[2])
        state = {"fetches": 0, "tokenless": 0}
        def document(prefix):
            state["fetches"] += 1
            exp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=expires_in)
            return {"Code": "Success", "AccessKeyId": f"{prefix}{state['fetches']}", "SecretAccessKey": "secret",
                    "Token": "session-token", "Expiration": exp.strftime("%Y-%m-%dT%H:%M:%SZ")}
        class H(BaseHTTPRequestHandler):
            def log_message(self, *a): pass
            def send(self, status, body, ctype="text/plain"):
                data = body.encode()
                self.send_response(status); self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
            def do_PUT(self):
                if self.path == "/latest/api/token" and self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                    return self.send(200, "imds-session-token")
                self.send(400, "bad token request")
            def do_GET(self):
                if self.path == "/_state":
                    return self.send(200, json.dumps(state), "application/json")
                if self.path.startswith("/latest/meta-data/"):
                    if self.headers.get("X-aws-ec2-metadata-token") != "imds-session-token":
                        state["tokenless"] += 1
                        return self.send(401, "")
                    if self.path == "/latest/meta-data/iam/security-credentials/":
                        return self.send(200, "glue-role\n")
                    if self.path == "/latest/meta-data/iam/security-credentials/glue-role":
                        return self.send(200, json.dumps(document("AKIDIMDS")), "application/json")
                    return self.send(404, "")
                if self.path == "/v2/credentials/task":
                    if self.headers.get("Authorization") != "container-secret":
                        return self.send(403, "")
                    return self.send(200, json.dumps(document("AKIDTASK")), "application/json")
                self.send(404, "")
        ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
        """#

    static func start(expiresIn seconds: Int = 3600) async throws -> FakeCredentialEndpoints {
        let port = try freeLoopbackPort()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("fake-imds-\(port).log")
        let child = try ChildProcess(
            TestSupport.python, ["-c", script, "\(port)", "\(seconds)"], environment: ProcessInfo.processInfo.environment,
            currentDirectory: nil, stdin: nil, stdout: log, stderr: log)
        let endpoints = FakeCredentialEndpoints(port: port, child: child)
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if let (_, response) = try? await HTTP.get(endpoints.base + "/_state", timeout: 2), response.statusCode == 200 {
                return endpoints
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw POSIXError(.ETIMEDOUT)
    }

    private init(port: Int, child: ChildProcess) {
        self.port = port
        self.child = child
    }

    func state() async throws -> [String: Int] {
        let (data, _) = try await HTTP.get(base + "/_state")
        return (try JSONSerialization.jsonObject(with: data) as? [String: Int]) ?? [:]
    }

    deinit { child.signal(SIGKILL) }
}

@Suite(.tags(.endToEnd), .skippedInFastTier) struct RemoteCredentialProvidersTests {
    @Test func instanceMetadataUsesASessionTokenAndTheRoleCredentials() async throws {
        let imds = try await FakeCredentialEndpoints.start()
        let provider = InstanceMetadataCredentialProvider(environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.base + "/"])
        let credentials = try await provider.credentials()
        #expect(credentials.accessKeyId == "AKIDIMDS1")
        #expect(credentials.secretAccessKey == "secret")
        #expect(credentials.sessionToken == "session-token")
        let expiration = try #require(credentials.expiration)
        #expect(abs(expiration.timeIntervalSinceNow - 3600) < 120)
        #expect(try await imds.state()["tokenless"] == 0, "every metadata read must carry the IMDSv2 token")
    }

    @Test func temporaryCredentialsAreFetchedAgainBeforeTheyExpire() async throws {
        // Credentials that expire in 10 minutes are refreshed once less than 5 minutes remain.
        let imds = try await FakeCredentialEndpoints.start(expiresIn: 600)
        let clock = ManualClock(Date())
        let provider = CachingCredentialProvider(
            wrapping: InstanceMetadataCredentialProvider(environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.base]),
            now: { clock.now })
        #expect(try await provider.credentials().accessKeyId == "AKIDIMDS1")
        clock.advance(by: 200)
        #expect(try await provider.credentials().accessKeyId == "AKIDIMDS1")
        clock.advance(by: 150)
        #expect(try await provider.credentials().accessKeyId == "AKIDIMDS2")
        #expect(try await imds.state()["fetches"] == 2)
    }

    @Test func instanceMetadataIsSkippedWhereNothingAnswers() async throws {
        let provider = InstanceMetadataCredentialProvider(
            environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:\(try freeLoopbackPort())"])
        let started = ContinuousClock.now
        await #expect(throws: AWSConfigurationError.noCredentials(tried: ["EC2 instance metadata (IMDSv2)"])) {
            try await provider.credentials()
        }
        // Refused at once on loopback; the bound only proves it does not wait for an answer.
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test func containerCredentialsSendTheAuthorizationTokenFromItsFile() async throws {
        let endpoint = try await FakeCredentialEndpoints.start()
        let directory = try TestSupport.makeTemporaryDirectory("container-token")
        let tokenFile = directory.appendingPathComponent("token")
        try Data("container-secret\n".utf8).write(to: tokenFile)
        let provider = ContainerCredentialProvider(environment: [
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": endpoint.base + "/v2/credentials/task",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile.path,
        ])
        let credentials = try await provider.credentials()
        #expect(credentials.accessKeyId == "AKIDTASK1")
        #expect(credentials.sessionToken == "session-token")

        // A wrong token is refused by the endpoint: a clear error, not another identity.
        let wrong = ContainerCredentialProvider(environment: [
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": endpoint.base + "/v2/credentials/task",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "not-it",
        ])
        await #expect(throws: CredentialSourceError.self) { try await wrong.credentials() }
    }

    @Test func containerCredentialsOverPlainHTTPMustStayOnTheHost() async throws {
        let provider = ContainerCredentialProvider(environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://198.51.100.7/creds"])
        let error = await #expect(throws: CredentialSourceError.self) { try await provider.credentials() }
        #expect(error?.message.contains("198.51.100.7") == true)
        await #expect(throws: AWSConfigurationError.noCredentials(tried: ["container credentials"])) {
            try await ContainerCredentialProvider(environment: [:]).credentials()
        }
    }

    @Test func webIdentityAssumesTheRoleThroughSTS() async throws {
        let moto = try await MotoServer.shared()
        let directory = try TestSupport.makeTemporaryDirectory("web-identity")
        let tokenFile = directory.appendingPathComponent("token")
        try Data("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ3aGVlbGhvdXNlIn0.c2lnbmF0dXJl\n".utf8).write(to: tokenFile)
        let provider = WebIdentityCredentialProvider(environment: [
            "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile.path,
            "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/wheelhouse-reader",
            "AWS_ROLE_SESSION_NAME": "ci",
            "AWS_ENDPOINT_URL_STS": moto.endpointString,
            "AWS_REGION": "eu-west-1",
        ])
        let credentials = try await provider.credentials()
        #expect(credentials.accessKeyId.hasPrefix("ASIA"), "STS issues temporary keys: \(credentials.accessKeyId)")
        #expect(!credentials.secretAccessKey.isEmpty)
        #expect(credentials.sessionToken?.isEmpty == false)
        #expect(credentials.expiration.map { $0 > Date() } == true)

        // The assumed credentials work for S3 through the whole chain.
        let chain = AWSCredentialChain.standard(
            environment: try AWSTestFixtures.home(extra: [
                "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile.path, "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/wheelhouse-reader",
                "AWS_ENDPOINT_URL_STS": moto.endpointString, "AWS_EC2_METADATA_DISABLED": "true",
            ]))
        let client = S3Client(
            configuration: S3Configuration(region: "us-east-1", endpoint: moto.endpoint, pathStyle: true), credentials: chain)
        let bucket = try await moto.makeBucket("web-identity")
        try await client.putObject(bucket: bucket, key: "hello", data: Data("hi".utf8))
        #expect(try await client.headObject(bucket: bucket, key: "hello")?.size == 2)

        // Half a configuration is an error that names what is missing.
        await #expect(throws: AWSConfigurationError.partialCredentials(source: "the environment", missing: "AWS_ROLE_ARN")) {
            try await WebIdentityCredentialProvider(environment: ["AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile.path]).credentials()
        }
    }
}
