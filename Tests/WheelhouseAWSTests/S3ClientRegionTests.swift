import Foundation
import Testing
import WheelhouseTestSupport

@testable import WheelhouseAWS

/// A bucket in another region than the client's: real S3 refuses a request signed for the wrong
/// region and names the right one in `x-amz-bucket-region` (moto accepts any region, so a small
/// loopback stand-in answers as S3 does).
@Suite(.tags(.endToEnd), .skippedInFastTier) struct S3ClientRegionTests {
    static let script = #"""
        import sys
        from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
        port = int(sys.argv[1]); count = {"n": 0}
        class H(BaseHTTPRequestHandler):
            def log_message(self, *a): pass
            def do_HEAD(self):
                if self.path == "/_count":
                    return self.answer(200, {"x-count": str(count["n"])})
                count["n"] += 1
                if "/eu-west-1/s3/aws4_request" in self.headers.get("Authorization", ""):
                    return self.answer(200, {"ETag": '"abc"', "Content-Length": "5",
                                             "Last-Modified": "Wed, 25 Nov 2026 10:00:00 GMT"})
                self.answer(301, {"x-amz-bucket-region": "eu-west-1"})
            def answer(self, status, headers):
                self.send_response(status)
                for k, v in headers.items(): self.send_header(k, v)
                if "Content-Length" not in headers: self.send_header("Content-Length", "0")
                self.end_headers()
        ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
        """#

    @Test func aBucketInAnotherRegionIsFoundFromS3sAnswer() async throws {
        let port = try freeLoopbackPort()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("region-s3-\(port).log")
        let child = try ChildProcess(
            TestSupport.python, ["-c", Self.script, "\(port)"], environment: ProcessInfo.processInfo.environment,
            currentDirectory: nil, stdin: nil, stdout: log, stderr: log)
        defer { child.signal(SIGKILL) }
        while !canConnect(port) { try await Task.sleep(for: .milliseconds(50)) }

        let client = S3TestClient.make(endpoint: try #require(URL(string: "http://127.0.0.1:\(port)")))
        #expect(client.region(for: "far-bucket") == "us-east-1")
        let info = try await client.headObject(bucket: "far-bucket", key: "k")
        #expect(info?.etag == "\"abc\"")
        #expect(client.region(for: "far-bucket") == "eu-west-1")
        #expect(client.region(for: "other-bucket") == "us-east-1")
        // The region is remembered: the next request is signed for eu-west-1 straight away.
        _ = try await client.headObject(bucket: "far-bucket", key: "k")
        let (_, counted) = try await HTTP.request("HEAD", "http://127.0.0.1:\(port)/_count")
        #expect(counted.value(forHTTPHeaderField: "x-count") == "3")
    }

    @Test func theDefaultEndpointFollowsTheBucketsRegion() throws {
        let client = S3Client(
            configuration: S3Configuration(region: "us-east-1"),
            credentials: StaticCredentialProvider(AWSCredentials(accessKeyId: "a", secretAccessKey: "s")))
        client.bucketRegions.set("ap-southeast-2", for: "sydney")
        #expect(client.url(bucket: "sydney", key: "a/b")?.absoluteString == "https://sydney.s3.ap-southeast-2.amazonaws.com/a/b")
        #expect(client.url(bucket: "virginia", key: "a")?.absoluteString == "https://virginia.s3.us-east-1.amazonaws.com/a")
    }
}
