import Foundation
import Testing

@testable import WheelhouseAWS

@Suite struct AWSCredentialsTests {
    let credentials = AWSCredentials(
        accessKeyId: "ASIAEXAMPLE", secretAccessKey: "very/secret+key", sessionToken: "token-value-123",
        expiration: Date(timeIntervalSince1970: 1_700_000_000))

    @Test func printingNeverShowsTheSecretOrToken() {
        var dumped = ""
        dump(credentials, to: &dumped)
        for text in [credentials.description, credentials.debugDescription, "\(credentials)", String(reflecting: credentials), dumped] {
            #expect(text.contains("ASIAEXAMPLE"), "\(text)")
            #expect(!text.contains("very/secret+key"), "\(text)")
            #expect(!text.contains("token-value-123"), "\(text)")
            #expect(text.contains("<redacted>"), "\(text)")
        }
    }

    @Test func longTermKeysPrintWithoutTokenOrExpiry() {
        let plain = AWSCredentials(accessKeyId: "AKID", secretAccessKey: "s")
        #expect(plain.description == "AWSCredentials(accessKeyId: AKID, secretAccessKey: <redacted>)")
        #expect(plain.sessionToken == nil && plain.expiration == nil)
    }
}
