import Testing
import WheelhouseTestSupport

@testable import WheelhouseAWS

@Suite struct AWSCredentialChainTests {
    @Test func environmentBeforeProfile() async throws {
        let environment = try AWSTestFixtures.home(
            credentials: "[default]\naws_access_key_id = PROFILE\naws_secret_access_key = S\n",
            extra: ["AWS_ACCESS_KEY_ID": "ENV", "AWS_SECRET_ACCESS_KEY": "S"])
        #expect(try await AWSCredentialChain.standard(environment: environment).credentials().accessKeyId == "ENV")
        var withoutEnvironment = environment
        withoutEnvironment["AWS_ACCESS_KEY_ID"] = nil
        withoutEnvironment["AWS_SECRET_ACCESS_KEY"] = nil
        #expect(try await AWSCredentialChain.standard(environment: withoutEnvironment).credentials().accessKeyId == "PROFILE")
    }

    @Test func nothingFoundListsWhatWasTriedInTheSDKsOrder() async throws {
        var environment = try AWSTestFixtures.home()
        // Nothing listens there: the instance metadata lookup fails fast and counts as "not here".
        environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:\(try freeLoopbackPort())"
        let tried = [
            "environment", "profile default", "web identity (AWS_WEB_IDENTITY_TOKEN_FILE)", "container credentials",
            "EC2 instance metadata (IMDSv2)",
        ]
        await #expect(throws: AWSConfigurationError.noCredentials(tried: tried)) {
            try await AWSCredentialChain.standard(environment: environment).credentials()
        }
        environment["AWS_EC2_METADATA_DISABLED"] = "true"
        await #expect(
            throws: AWSConfigurationError.noCredentials(
                tried: tried.dropLast() + ["EC2 instance metadata (IMDSv2), disabled by AWS_EC2_METADATA_DISABLED"])
        ) {
            try await AWSCredentialChain.standard(environment: environment).credentials()
        }
    }

    @Test func misconfigurationStopsTheChain() async throws {
        let environment = try AWSTestFixtures.home(
            credentials: "[default]\naws_access_key_id = PROFILE\naws_secret_access_key = S\n",
            extra: ["AWS_ACCESS_KEY_ID": "ENV"])
        await #expect(throws: AWSConfigurationError.partialCredentials(source: "the environment", missing: "AWS_SECRET_ACCESS_KEY")) {
            try await AWSCredentialChain.standard(environment: environment).credentials()
        }
    }

    @Test func laterProvidersAreNotAskedOnceOneAnswers() async throws {
        let first = ScriptedProvider([.failure(.noCredentials(tried: ["one"]))])
        let second = ScriptedProvider([.success(AWSCredentials(accessKeyId: "TWO", secretAccessKey: "s"))])
        let third = ScriptedProvider([.success(AWSCredentials(accessKeyId: "THREE", secretAccessKey: "s"))])
        #expect(try await AWSCredentialChain([first, second, third]).credentials().accessKeyId == "TWO")
        #expect(await third.calls == 0)
    }
}
