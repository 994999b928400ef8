import Foundation
import Testing

@testable import WheelhouseAWS

@Suite struct AWSSharedConfigTests {
    @Test func devNullMeansNoConfiguration() throws {
        let config = try AWSSharedConfig.load(environment: [
            "HOME": "/nonexistent", "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        ])
        #expect(config.configProfiles.isEmpty)
        #expect(try AWSRegionResolver(environment: ["HOME": "/nonexistent", "AWS_CONFIG_FILE": "/dev/null"]).region() == nil)
    }

    @Test func parsesSectionsCommentsAndWhitespace() throws {
        let text = """
            # a comment
            ; another
            [default]
            aws_access_key_id=AKID
              ; indented comment line
            AWS_Secret_Access_Key :  SECRET  
            [ spaced ]   # trailing comment after the header
            region = eu-west-1 # trailing comment
            endpoint_url = http://localhost:9000/#fragment
            empty =
            [default]
            aws_session_token = TOKEN\r
            """
        let sections = try AWSSharedConfig.parse(text, path: "f")
        #expect(sections["default"] == ["aws_access_key_id": "AKID", "aws_secret_access_key": "SECRET", "aws_session_token": "TOKEN"])
        #expect(sections["spaced"] == ["region": "eu-west-1", "endpoint_url": "http://localhost:9000/#fragment", "empty": ""])
    }

    @Test func nestedValues() throws {
        let text = """
            [services local]
            s3 =
              endpoint_url = http://127.0.0.1:5000
              addressing_style = path
            ssm =
              endpoint_url = http://127.0.0.1:5001
            """
        let sections = try AWSSharedConfig.parse(text, path: "f")
        let s3 = try #require(sections["services local"]?["s3"])
        #expect(AWSSharedConfig.nested(s3) == ["endpoint_url": "http://127.0.0.1:5000", "addressing_style": "path"])
    }

    @Test(arguments: [
        ("key = value\n", 1, "setting before any [section] header"),
        ("[p]\njust words\n", 2, "expected 'name = value'"),
        ("[p\nk = v\n", 1, "section header '[p' has no closing ']'"),
        ("[]\n", 1, "empty section name"),
        ("[p]\n= v\n", 2, "setting without a name"),
        ("  k = v\n", 1, "indented line continues nothing"),
    ])
    func malformedFilesNameTheLine(text: String, line: Int, message: String) {
        #expect(throws: AWSConfigurationError.malformedFile(path: "/x/config", line: line, message: message)) {
            try AWSSharedConfig.parse(text, path: "/x/config")
        }
    }

    @Test func configFileProfilesNeedTheProfilePrefix() throws {
        let environment = try AWSTestFixtures.home(
            credentials: "[dev]\naws_access_key_id = FROMCREDS\n",
            config: """
                [default]
                region = us-east-1
                [profile dev]
                region = eu-west-1
                aws_access_key_id = FROMCONFIG
                [profile   spaced]
                region = ap-south-1
                [plain]
                region = nowhere
                [sso-session corp]
                sso_region = us-east-1
                [services local]
                s3 =
                  endpoint_url = http://localhost:9000
                """)
        let config = try AWSSharedConfig.load(environment: environment)
        #expect(Set(config.configProfiles.keys) == ["default", "dev", "spaced"])
        #expect(config.services["local"]?["s3"] != nil)
        #expect(config.credentialsProfiles["dev"] == ["aws_access_key_id": "FROMCREDS"])
        // The credentials file wins over the config file for the same setting.
        #expect(config.profile("dev") == ["region": "eu-west-1", "aws_access_key_id": "FROMCREDS"])
        #expect(config.profile("plain") == nil)
    }

    @Test func filesFromVariablesWithTildeAndMissingFiles() throws {
        let environment = try AWSTestFixtures.home(credentials: "[a]\nx = 1\n")
        let home = try #require(environment["HOME"])
        try Data("[b]\ny = 2\n".utf8).write(to: URL(fileURLWithPath: home).appendingPathComponent("creds"))
        var custom = environment
        custom["AWS_SHARED_CREDENTIALS_FILE"] = "~/creds"
        custom["AWS_CONFIG_FILE"] = "\(home)/does-not-exist"
        let config = try AWSSharedConfig.load(environment: custom)
        #expect(config.credentialsProfiles == ["b": ["y": "2"]])
        #expect(config.configProfiles.isEmpty)
        #expect(config.files == ["\(home)/creds", "\(home)/does-not-exist"])
        #expect(try AWSSharedConfig.load(environment: environment).credentialsProfiles == ["a": ["x": "1"]])
    }

    @Test func aDirectoryIsUnreadable() throws {
        let environment = try AWSTestFixtures.home()
        let home = try #require(environment["HOME"])
        var custom = environment
        custom["AWS_CONFIG_FILE"] = home
        #expect(throws: AWSConfigurationError.unreadableFile(path: home, reason: "it is a directory")) {
            try AWSSharedConfig.load(environment: custom)
        }
    }

    @Test func profileName() {
        #expect(AWSSharedConfig.profileName(environment: [:]) == "default")
        #expect(AWSSharedConfig.profileName(environment: ["AWS_PROFILE": ""]) == "default")
        #expect(AWSSharedConfig.profileName(environment: ["AWS_PROFILE": "dev"]) == "dev")
    }
}
