import Foundation
import Testing
import WheelhouseTestSupport

@testable import WheelhouseAWS
import Crypto

/// One case of AWS's SigV4 test suite (`Vectors/aws4_testsuite`, Apache-2.0, from botocore's
/// repository): `<name>.req` is the request, `.creq`, `.sts` and `.authz` the expected canonical
/// request, string to sign and `Authorization` header.
struct SuiteCase: CustomStringConvertible, Sendable {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Vectors/aws4_testsuite")

    /// The suite's parameters, as in botocore's `tests/unit/auth/test_sigv4.py`.
    static let credentials = AWSCredentials(
        accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    static let date = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z
    /// get-vanilla-with-session-token's token is not in its `.req`; the value is the one
    /// aws-c-auth's and botocore's harnesses sign it with.
    static let vanillaSessionToken = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"

    var directory: URL
    var name: String { directory.lastPathComponent }
    var description: String { name }

    /// Every folder holding a `.req`, recursively (normalize-path and post-sts-token nest).
    static var all: [SuiteCase] {
        let files =
            FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL } ?? []
        return files.filter { $0.pathExtension == "req" }
            .map { SuiteCase(directory: $0.deletingLastPathComponent()) }
            .sorted { $0.name < $1.name }
    }

    func file(_ ext: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent("\(name).\(ext)"), encoding: .utf8)
    }

    /// The `.req` file parsed as raw HTTP: request line, headers (an indented line continues the
    /// previous value), a blank line, the body.
    func request() throws -> (method: String, path: String, query: String?, headers: [(String, String)], body: [UInt8]) {
        let lines = try file("req").split(separator: "\n", omittingEmptySubsequences: false)
        let requestLine = lines[0]
        let firstSpace = try #require(requestLine.firstIndex(of: " "))
        let versionStart = try #require(requestLine.range(of: " HTTP/", options: .backwards))
        let target = requestLine[requestLine.index(after: firstSpace)..<versionStart.lowerBound]
        let path: Substring
        var query: Substring?
        if let mark = target.firstIndex(of: "?") {
            path = target[..<mark]
            query = target[target.index(after: mark)...]
        } else {
            path = target
        }
        var headers: [(String, String)] = []
        var index = 1
        while index < lines.count, !lines[index].isEmpty {
            let line = lines[index]
            if let first = line.first, first == " " || first == "\t", let last = headers.popLast() {
                headers.append((last.0, last.1 + "\n" + line))
            } else {
                let colon = try #require(line.firstIndex(of: ":"))
                headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
            index += 1
        }
        let body = lines.count > index + 1 ? lines[(index + 1)...].joined(separator: "\n") : ""
        return (String(requestLine[..<firstSpace]), String(path), query.map(String.init), headers, Array(body.utf8))
    }
}

@Suite struct SigV4SignerTests {
    // MARK: AWS's test suite

    @Test(arguments: SuiteCase.all)
    func awsTestSuite(_ suite: SuiteCase) throws {
        let request = try suite.request()
        var credentials = SuiteCase.credentials
        if suite.name == "get-vanilla-with-session-token" {
            credentials.sessionToken = SuiteCase.vanillaSessionToken
        }
        // post-sts-header-before signs the token its request carries.
        if let token = request.headers.first(where: { $0.0.lowercased() == "x-amz-security-token" }) {
            credentials.sessionToken = token.1
        }
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "service")
        let signed = signer.signHeaders(
            method: request.method, path: request.path, query: request.query, headers: request.headers,
            payload: .data(request.body), date: SuiteCase.date)

        // Tasks 1 and 2 through the stage functions, on the headers as signed.
        let canonical = signer.canonicalRequest(
            method: request.method, path: request.path, query: request.query,
            headers: signed.filter { $0.0 != "Authorization" }, payloadHash: SigV4Signer.Payload.data(request.body).hashedValue)
        #expect(canonical.text == (try suite.file("creq")))
        #expect(
            signer.stringToSign(canonicalRequest: canonical.text, time: SigV4Timestamp(SuiteCase.date))
                == (try suite.file("sts")))
        #expect(signed.last?.0 == "Authorization")
        #expect(signed.last?.1 == (try suite.file("authz")))
    }

    @Test func suiteIsComplete() {
        // Every `.req` of the copied suite is signed, none skipped.
        #expect(SuiteCase.all.count == 34)
    }

    // MARK: botocore cross-check

    /// A few hundred random requests, signed by botocore's `S3SigV4Auth`/`SigV4Auth` at fixed
    /// times: the canonical request and every header we add must be the same.
    @Test(.tags(.endToEnd), .skippedInFastTier) func agreesWithBotocore() async throws {
        let cases = try await BotocoreVectors.cases(kind: "headers")
        #expect(cases.count == 300)
        // The generator covers what it promises: every payload kind, tokens, repeated headers.
        #expect(Set(cases.map(\.service)).count > 2)
        #expect(Set(cases.compactMap(\.payload?.mode)) == ["data", "hash", "unsigned"])
        #expect(cases.contains { $0.token != nil } && cases.contains { $0.token == nil })
        #expect(cases.contains { Set(($0.headers ?? []).map { $0[0] }).count < ($0.headers ?? []).count })
        var mismatches: [String] = []
        for testCase in cases {
            let signer = testCase.signer
            let url = try #require(URL(string: testCase.url), "\(testCase)")
            let signed = signer.signHeaders(
                method: testCase.method, url: url, headers: testCase.headerPairs,
                payload: testCase.signerPayload, date: testCase.date)
            let canonical = signer.canonicalRequest(
                method: testCase.method, path: url.path(percentEncoded: true), query: url.query(percentEncoded: true),
                headers: signed.filter { $0.0 != "Authorization" }, payloadHash: testCase.signerPayload.hashedValue)
            // botocore leaves Host to its HTTP client; everything else it sends must match.
            let ours = signed.filter { $0.0 != "Host" }.map { "\($0.0.lowercased()): \($0.1)" }.sorted()
            let theirs = (testCase.expected_headers ?? []).map { "\($0[0].lowercased()): \($0[1])" }.sorted()
            if canonical.text != testCase.expected_canonical_request || ours != theirs {
                mismatches.append(
                    "\(testCase)\n  canonical request ours:\n\(canonical.text)\n  botocore:\n"
                        + "\(testCase.expected_canonical_request ?? "")\n  headers ours: \(ours)\n  botocore: \(theirs)")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(cases.count) differ:\n\(mismatches.prefix(5).joined(separator: "\n"))")
    }

    // MARK: The API

    private let suiteSigner = SigV4Signer(credentials: SuiteCase.credentials, region: "us-east-1", service: "service")

    @Test func signsFromAURL() throws {
        // get-vanilla, from a URL instead of raw HTTP.
        let url = try #require(URL(string: "https://example.amazonaws.com/"))
        let signed = suiteSigner.signHeaders(method: "GET", url: url, payload: .data([]), date: SuiteCase.date)
        #expect(signed.map(\.0) == ["Host", "X-Amz-Date", "Authorization"])
        #expect(signed[0].1 == "example.amazonaws.com")
        #expect(signed[1].1 == "20150830T123600Z")
        #expect(signed[2].1.hasSuffix("Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"))
    }

    @Test func s3SignsTheContentHashAndKeepsTheEncodedKey() throws {
        // Cross-checked with botocore's S3SigV4Auth (feasibility notes §4).
        let signer = SigV4Signer(credentials: SuiteCase.credentials, region: "us-east-1", service: "s3")
        let url = try #require(URL(string: "https://bucket.s3.us-east-1.amazonaws.com/simple/my%20pkg/a%2Bb.whl"))
        let signed = signer.signHeaders(
            method: "PUT", url: url, headers: [("Content-Type", "application/octet-stream")],
            payload: .data(Array("hello".utf8)), date: SuiteCase.date)
        let authorization = try #require(signed.first { $0.0 == "Authorization" }?.1)
        #expect(authorization.contains("SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date,"))
        #expect(authorization.hasSuffix("Signature=44af30174122eed13ad474e9c36228d8a299ace68a98457c34cbedb867a8cf7c"))
        #expect(signed.contains { $0 == ("X-Amz-Content-SHA256", "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824") })
    }

    @Test func payloadKindsAgree() {
        let body = Array("Param1=value1".utf8)
        let signer = SigV4Signer(credentials: SuiteCase.credentials, region: "us-east-1", service: "s3")
        let headers = [("Host", "example.amazonaws.com")]
        let byData = signer.signHeaders(method: "POST", path: "/", query: nil, headers: headers, payload: .data(body), date: SuiteCase.date)
        let byHash = signer.signHeaders(
            method: "POST", path: "/", query: nil, headers: headers,
            payload: .hash(SigV4Signer.Payload.data(body).hashedValue), date: SuiteCase.date)
        let unsigned = signer.signHeaders(method: "POST", path: "/", query: nil, headers: headers, payload: .unsigned, date: SuiteCase.date)
        #expect(byData.map(\.1) == byHash.map(\.1))
        #expect(unsigned.contains { $0 == ("X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD") })
        #expect(unsigned.last?.1 != byData.last?.1)
        #expect(SigV4Signer.Payload.emptyHash == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func staleSigningHeadersAreReplaced() {
        var credentials = SuiteCase.credentials
        credentials.sessionToken = "new-token"
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "s3")
        let signed = signer.signHeaders(
            method: "GET", path: "/k", query: nil,
            headers: [
                ("Host", "b.s3.amazonaws.com"), ("authorization", "old"), ("X-Amz-Date", "19990101T000000Z"),
                ("x-amz-security-token", "old-token"), ("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD"),
            ],
            payload: .data([]), date: SuiteCase.date)
        #expect(signed.map { $0.0.lowercased() } == ["host", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token", "authorization"])
        #expect(signed.contains { $0 == ("X-Amz-Security-Token", "new-token") })
        #expect(signed.contains { $0 == ("X-Amz-Content-SHA256", SigV4Signer.Payload.emptyHash) })
    }

    @Test func hopByHopAndUserAgentAreNotSigned() {
        let (canonical, signed) = SigV4Signer.canonicalHeaders([
            ("Host", "h"), ("User-Agent", "pip"), ("Connection", "keep-alive"), ("Expect", "100-continue"),
            ("Transfer-Encoding", "chunked"), ("X-Amz-Date", "20150830T123600Z"),
        ])
        #expect(signed == "host;x-amz-date")
        #expect(canonical == "host:h\nx-amz-date:20150830T123600Z")
    }

    @Test func hostHeaderFromURL() throws {
        let cases: [(String, String)] = [
            ("https://Example.COM/x", "example.com"),
            ("https://example.com:443/", "example.com"),
            ("http://example.com:80/", "example.com"),
            ("http://127.0.0.1:5000/b/k", "127.0.0.1:5000"),
            ("https://example.com:80/", "example.com:80"),
            ("http://[::1]:4566/b", "[::1]:4566"),
        ]
        for (text, expected) in cases {
            let url = try #require(URL(string: text))
            #expect(SigV4Signer.hostHeader(for: url) == expected, "\(text)")
        }
    }

    // MARK: Stages

    @Test func canonicalURIForS3EncodesOnceAndKeepsDots() {
        #expect(SigV4Signer.canonicalURI(path: "/b/a%20b/./../c//d~e+f", service: "s3") == "/b/a%20b/./../c//d~e%2Bf")
        #expect(SigV4Signer.canonicalURI(path: "/b/x%2Fy%7e", service: "s3") == "/b/x%2Fy~")
        #expect(SigV4Signer.canonicalURI(path: "", service: "s3") == "/")
    }

    @Test func canonicalURIForOtherServicesNormalisesAndEncodesTwice() {
        #expect(SigV4Signer.canonicalURI(path: "/a%20b/./c/../d//e/", service: "ssm") == "/a%2520b/d/e/")
        #expect(SigV4Signer.canonicalURI(path: "/a/..", service: "ssm") == "/")
        #expect(SigV4Signer.canonicalURI(path: "", service: "ssm") == "/")
    }

    @Test func canonicalQuerySortsEncodedPairs() {
        #expect(SigV4Signer.canonicalQuery("b=2&a=&c&a=1+1&%7e=%41") == "a=&a=1%2B1&b=2&c=&~=A")
        #expect(SigV4Signer.canonicalQuery(nil) == "")
        #expect(SigV4Signer.canonicalQuery("x=%zz%") == "x=%25zz%25")
    }

    @Test func signingKeyMatchesAWSExample() {
        // The worked example in AWS's "Create a signed AWS API request" (task 3): secret
        // wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20150830, us-east-1, iam.
        let signer = SigV4Signer(credentials: SuiteCase.credentials, region: "us-east-1", service: "iam")
        let key = signer.signingKey(day: "20150830").withUnsafeBytes { SigV4Signer.hex($0) }
        #expect(key == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9")
    }
}
