import Testing

@testable import WheelhouseAWS

@Suite struct ProfileCredentialProviderTests {
    @Test func defaultProfileFromTheCredentialsFile() throws {
        let environment = try AWSTestFixtures.home(
            credentials: "[default]\naws_access_key_id = AKID\naws_secret_access_key = SECRET\naws_session_token = TOKEN\n")
        let credentials = try ProfileCredentialProvider(environment: environment).credentials()
        #expect(credentials == AWSCredentials(accessKeyId: "AKID", secretAccessKey: "SECRET", sessionToken: "TOKEN"))
    }

    @Test func namedProfileFromAWSProfileOrArgument() throws {
        let environment = try AWSTestFixtures.home(
            credentials: "[default]\naws_access_key_id = D\naws_secret_access_key = DS\n[dev]\naws_access_key_id = V\naws_secret_access_key = VS\n",
            extra: ["AWS_PROFILE": "dev"])
        #expect(try ProfileCredentialProvider(environment: environment).credentials().accessKeyId == "V")
        #expect(try ProfileCredentialProvider(environment: environment, profile: "default").credentials().accessKeyId == "D")
    }

    @Test func keysInTheConfigFileCount() throws {
        let environment = try AWSTestFixtures.home(
            config: "[profile ci]\naws_access_key_id = C\naws_secret_access_key = CS\n", extra: ["AWS_PROFILE": "ci"])
        #expect(try ProfileCredentialProvider(environment: environment).credentials().accessKeyId == "C")
    }

    @Test func credentialsFileIsAskedFirst() throws {
        let environment = try AWSTestFixtures.home(
            credentials: "[default]\naws_access_key_id = FILE\naws_secret_access_key = FS\n",
            config: "[default]\naws_access_key_id = CONFIG\naws_secret_access_key = CS\nregion = eu-west-1\n")
        #expect(try ProfileCredentialProvider(environment: environment).credentials().accessKeyId == "FILE")
    }

    @Test func missingDefaultProfileIsNotConfigured() throws {
        let environment = try AWSTestFixtures.home()
        #expect(throws: AWSConfigurationError.noCredentials(tried: ["profile default"])) {
            try ProfileCredentialProvider(environment: environment).credentials()
        }
        let regionOnly = try AWSTestFixtures.home(config: "[default]\nregion = us-east-1\n")
        #expect(throws: AWSConfigurationError.noCredentials(tried: ["profile default"])) {
            try ProfileCredentialProvider(environment: regionOnly).credentials()
        }
    }

    @Test func missingNamedProfileIsAnError() throws {
        let environment = try AWSTestFixtures.home(credentials: "[default]\n", extra: ["AWS_PROFILE": "typo"])
        let home = try #require(environment["HOME"])
        #expect(throws: AWSConfigurationError.profileNotFound(profile: "typo", files: ["\(home)/.aws/credentials", "\(home)/.aws/config"])) {
            try ProfileCredentialProvider(environment: environment).credentials()
        }
    }

    @Test func halfAPairIsAnError() throws {
        let environment = try AWSTestFixtures.home(credentials: "[default]\naws_access_key_id = AKID\n")
        let home = try #require(environment["HOME"])
        #expect(
            throws: AWSConfigurationError.partialCredentials(
                source: "profile default of \(home)/.aws/credentials", missing: "aws_secret_access_key")
        ) {
            try ProfileCredentialProvider(environment: environment).credentials()
        }
    }

    @Test func roleAndSSOProfilesAreRefusedNotIgnored() throws {
        let environment = try AWSTestFixtures.home(
            credentials: "[default]\naws_access_key_id = AKID\naws_secret_access_key = S\n",
            config: "[default]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = base\n")
        #expect(throws: AWSConfigurationError.unsupportedProfile(profile: "default", setting: "role_arn")) {
            try ProfileCredentialProvider(environment: environment).credentials()
        }
        #expect(AWSConfigurationError.unsupportedProfile(profile: "default", setting: "role_arn").description.contains("role_arn"))
    }
}
