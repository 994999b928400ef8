import Foundation
import Testing
import WheelhouseApp
import WheelhouseStorage
import WheelhouseTestSupport
import WheelhouseCore
import WheelhouseAWS

struct ManifestSettingsTests {
    func file(_ text: String) throws -> URL {
        let url = try TestSupport.makeTemporaryDirectory("manifest-settings").appendingPathComponent("requirements.txt")
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test func rootsFromSpecsAndARequirementsFile() throws {
        #expect(try ManifestSettings.roots(specs: [], requirementsFile: nil) == nil)
        let text = "# comment\n\nrequests>=2  # inline comment\npandas[performance]; python_version >= '3.10'\nnumpy \\\n  <2\n"
        let roots = try #require(try ManifestSettings.roots(specs: ["boto3"], requirementsFile: try file(text)))
        #expect(roots.map(\.name.normalized) == ["boto3", "requests", "pandas", "numpy"])
        #expect(roots[2].extras == ["performance"])
        #expect(roots[2].marker != nil)
        #expect(roots[3].specifier.description == "<2")
        let empty = try ManifestSettings.roots(specs: [], requirementsFile: try file("# nothing\n"))
        #expect(empty == [], "an empty file selects nothing, not everything")
    }

    @Test func badRequirementsNameTheLine() throws {
        #expect {
            try ManifestSettings.roots(specs: [], requirementsFile: try file("ok\n-e ./src\n"))
        } throws: { error in
            "\(error)".contains("line 2") && "\(error)".contains("editable installs")
        }
        #expect {
            try ManifestSettings.roots(specs: [], requirementsFile: try file("ok\n-r missing.txt\n"))
        } throws: { error in
            "\(error)".contains("missing.txt")
        }
        #expect {
            try ManifestSettings.roots(specs: ["bad name!"], requirementsFile: nil)
        } throws: { error in
            "\(error)".contains("bad name!")
        }
        #expect {
            try ManifestSettings.roots(specs: [], requirementsFile: URL(fileURLWithPath: "/nonexistent/req.txt"))
        } throws: { error in
            "\(error)".contains("/nonexistent/req.txt")
        }
    }

    @Test func localStoresNeedAURIBase() throws {
        let local = try StoreLocation(parsing: "/srv/wheels")
        #expect(throws: ManifestError.localStore(store: "file:///srv/wheels")) {
            try ManifestSettings(target: .glue("5.0")).resolvedURIBase(for: local)
        }
        #expect(try ManifestSettings(target: .glue("5.0"), uriBase: "s3://mirror-bucket/w").resolvedURIBase(for: local) == "s3://mirror-bucket/w")
        let s3 = try StoreLocation(parsing: "s3://store-bucket/p")
        #expect(try ManifestSettings(target: .glue("4.0")).resolvedURIBase(for: s3) == "s3://store-bucket/p")
    }

    @Test func ssmRegionFromOptionThenStoreThenEnvironment() throws {
        let environment = [
            "AWS_REGION": "ap-south-1", "AWS_CONFIG_FILE": "/nonexistent/aws/config", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws/credentials",
        ]
        let s3 = try StoreLocation(parsing: "s3://store-bucket?region=eu-west-1")
        #expect(
            try ManifestSettings(target: .glue("5.0"), region: "us-west-2").ssmClient(for: s3, environment: environment).configuration.region == "us-west-2")
        #expect(try ManifestSettings(target: .glue("5.0")).ssmClient(for: s3, environment: environment).configuration.region == "eu-west-1")
        #expect(
            try ManifestSettings(target: .glue("5.0")).ssmClient(for: try StoreLocation(parsing: "s3://store-bucket"), environment: environment).configuration
                .region == "ap-south-1")
    }
}
