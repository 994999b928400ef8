import Foundation
import Testing
import WheelhouseTestSupport

@testable import WheelhouseAWS

@Suite struct SigV4SignerPresignTests {
    /// Random presigned URLs from botocore's `S3SigV4QueryAuth` (and `SigV4QueryAuth` for other
    /// services) at fixed times: ours must be the same string.
    @Test(.tags(.endToEnd), .skippedInFastTier) func agreesWithBotocore() async throws {
        let cases = try await BotocoreVectors.cases(kind: "presign")
        #expect(cases.count == 100)
        var mismatches: [String] = []
        for testCase in cases {
            let url = try #require(URL(string: testCase.url), "\(testCase)")
            let expires = Duration.seconds(try #require(testCase.expires))
            let signed = try testCase.signer.presignURL(method: testCase.method, url: url, expires: expires, date: testCase.date)
            if signed.absoluteString != testCase.expected_url {
                mismatches.append("\(testCase)\n  ours:     \(signed.absoluteString)\n  botocore: \(testCase.expected_url ?? "")")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(cases.count) differ:\n\(mismatches.prefix(5).joined(separator: "\n"))")
    }

    private let signer = SigV4Signer(
        credentials: AWSCredentials(
            accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1", service: "s3")

    @Test func matchesTheS3DocumentationExample() throws {
        // "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)", S3 API
        // reference: GET /test.txt from examplebucket, 2013-05-24T00:00:00Z, 86400 seconds.
        let url = try #require(URL(string: "https://examplebucket.s3.amazonaws.com/test.txt"))
        let signed = try signer.presignURL(
            url: url, expires: .seconds(86400), date: Date(timeIntervalSince1970: 1_369_353_600))
        #expect(
            signed.absoluteString
                == "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
                + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
                + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
    }

    @Test func sessionTokenIsSignedInTheQuery() throws {
        var credentials = signer.credentials
        credentials.sessionToken = "tok/en+="
        let withToken = SigV4Signer(credentials: credentials, region: "us-east-1", service: "s3")
        let url = try #require(URL(string: "https://b.s3.amazonaws.com/k"))
        let signed = try withToken.presignURL(url: url, expires: .seconds(60), date: Date(timeIntervalSince1970: 0))
        let query = try #require(signed.query(percentEncoded: true))
        #expect(query.contains("&X-Amz-Security-Token=tok%2Fen%2B%3D&X-Amz-Signature="))
    }

    @Test func expiryIsBoundedToSevenDays() throws {
        let url = try #require(URL(string: "https://b.s3.amazonaws.com/k"))
        #expect(throws: SigV4Error.expiryOutOfRange(seconds: 604_801)) {
            try signer.presignURL(url: url, expires: .seconds(604_801), date: Date())
        }
        #expect(throws: SigV4Error.expiryOutOfRange(seconds: 0)) {
            try signer.presignURL(url: url, expires: .zero, date: Date())
        }
        #expect(throws: Never.self) {
            try signer.presignURL(url: url, expires: SigV4Signer.maximumPresignExpiry, date: Date())
        }
        #expect(SigV4Error.expiryOutOfRange(seconds: 0).description.contains("604800"))
    }

    @Test func aURLWithoutAHostIsRefused() throws {
        let url = try #require(URL(string: "file:///tmp/x"))
        #expect(throws: SigV4Error.invalidURL("file:///tmp/x")) {
            try signer.presignURL(url: url, expires: .seconds(60), date: Date())
        }
    }
}
