import Foundation
import Testing

@testable import WheelhouseAWS

@Suite struct AWSEndpointResolverTests {
    static let config = """
        [default]
        endpoint_url = http://profile-global:1
        services = local
        [profile other]
        endpoint_url = http://other-global:4
        [services local]
        s3 =
          endpoint_url = http://profile-s3:2
        """

    @Test func precedenceFollowsTheSDKs() throws {
        var environment = try AWSTestFixtures.home(config: Self.config)
        func endpoint(_ service: String) throws -> String? {
            try AWSEndpointResolver(environment: environment).endpoint(for: service)?.absoluteString
        }
        #expect(try endpoint("s3") == "http://profile-s3:2")
        #expect(try endpoint("ssm") == "http://profile-global:1")
        environment["AWS_ENDPOINT_URL"] = "http://env-global:3"
        #expect(try endpoint("s3") == "http://env-global:3")
        environment["AWS_ENDPOINT_URL_S3"] = "http://env-s3:5"
        environment["AWS_ENDPOINT_URL_SSM"] = "https://env-ssm:6/"
        #expect(try endpoint("s3") == "http://env-s3:5")
        #expect(try endpoint("ssm") == "https://env-ssm:6/")
        #expect(try endpoint("sts") == "http://env-global:3")
        environment["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true"
        #expect(try endpoint("s3") == nil)
    }

    @Test func profileSelection() throws {
        let environment = try AWSTestFixtures.home(config: Self.config, extra: ["AWS_PROFILE": "other"])
        #expect(try AWSEndpointResolver(environment: environment).endpoint(for: "s3")?.absoluteString == "http://other-global:4")
    }

    @Test func noneConfigured() throws {
        #expect(try AWSEndpointResolver(environment: AWSTestFixtures.home()).endpoint(for: "s3") == nil)
    }

    @Test func invalidEndpointsAreRefused() throws {
        for value in ["localhost:9000", "ftp://host/", "not a url", "http://"] {
            let environment = try AWSTestFixtures.home(extra: ["AWS_ENDPOINT_URL_S3": value])
            #expect(throws: AWSConfigurationError.invalidEndpoint(source: "AWS_ENDPOINT_URL_S3", value: value)) {
                try AWSEndpointResolver(environment: environment).endpoint(for: "s3")
            }
        }
    }
}
