import Testing

@testable import WheelhouseAWS

@Suite struct EnvironmentCredentialProviderTests {
    @Test func readsKeysAndToken() throws {
        let provider = EnvironmentCredentialProvider(environment: [
            "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET", "AWS_SESSION_TOKEN": "TOKEN",
        ])
        #expect(try provider.credentials() == AWSCredentials(accessKeyId: "AKID", secretAccessKey: "SECRET", sessionToken: "TOKEN"))
    }

    @Test func olderSecurityTokenVariable() throws {
        let provider = EnvironmentCredentialProvider(environment: [
            "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET", "AWS_SECURITY_TOKEN": "OLD",
        ])
        #expect(try provider.credentials().sessionToken == "OLD")
    }

    @Test func unsetOrEmptyMeansNotConfigured() {
        for environment in [[:], ["AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""]] {
            #expect(throws: AWSConfigurationError.noCredentials(tried: ["environment"])) {
                try EnvironmentCredentialProvider(environment: environment).credentials()
            }
        }
    }

    @Test func halfAPairIsAnError() {
        #expect(throws: AWSConfigurationError.partialCredentials(source: "the environment", missing: "AWS_SECRET_ACCESS_KEY")) {
            try EnvironmentCredentialProvider(environment: ["AWS_ACCESS_KEY_ID": "AKID"]).credentials()
        }
        #expect(throws: AWSConfigurationError.partialCredentials(source: "the environment", missing: "AWS_ACCESS_KEY_ID")) {
            try EnvironmentCredentialProvider(environment: ["AWS_SECRET_ACCESS_KEY": "S"]).credentials()
        }
    }
}
