import Testing

@testable import WheelhouseAWS

@Suite struct AWSRegionResolverTests {
    @Test func environmentBeforeProfile() throws {
        let environment = try AWSTestFixtures.home(config: "[default]\nregion = ap-south-1\n[profile dev]\nregion = eu-west-1\n")
        #expect(try AWSRegionResolver(environment: environment).region() == "ap-south-1")
        var dev = environment
        dev["AWS_PROFILE"] = "dev"
        #expect(try AWSRegionResolver(environment: dev).region() == "eu-west-1")
        dev["AWS_DEFAULT_REGION"] = "us-west-2"
        #expect(try AWSRegionResolver(environment: dev).region() == "us-west-2")
        dev["AWS_REGION"] = "us-east-2"
        #expect(try AWSRegionResolver(environment: dev).region() == "us-east-2")
    }

    @Test func nothingConfiguredIsNil() throws {
        #expect(try AWSRegionResolver(environment: AWSTestFixtures.home()).region() == nil)
        let emptyVariables = try AWSTestFixtures.home(
            config: "[default]\noutput = json\n", extra: ["AWS_REGION": "", "AWS_DEFAULT_REGION": ""])
        #expect(try AWSRegionResolver(environment: emptyVariables).region() == nil)
    }

    @Test func regionInTheCredentialsFileCounts() throws {
        let environment = try AWSTestFixtures.home(credentials: "[default]\nregion = sa-east-1\n")
        #expect(try AWSRegionResolver(environment: environment).region() == "sa-east-1")
    }

    @Test func namedProfileMustExist() throws {
        let environment = try AWSTestFixtures.home(extra: ["AWS_PROFILE": "missing"])
        #expect(throws: AWSConfigurationError.self) { try AWSRegionResolver(environment: environment).region() }
    }
}
