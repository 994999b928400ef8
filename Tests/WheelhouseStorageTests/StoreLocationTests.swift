import Foundation
import Testing
import WheelhouseTestSupport

@testable import WheelhouseStorage
import WheelhouseAWS

@Suite("StoreLocation")
struct StoreLocationTests {
    static let cwd = URL(fileURLWithPath: "/srv/work", isDirectory: true)

    /// (input, normalized description)
    static let valid: [(String, String)] = [
        ("data", "file:///srv/work/data"),
        ("./data/", "file:///srv/work/data"),
        ("../other/./store", "file:///srv/other/store"),
        ("/var/lib/wheelhouse", "file:///var/lib/wheelhouse"),
        ("/var/lib/wheel house", "file:///var/lib/wheel%20house"),
        ("file:///var/lib/wheelhouse/", "file:///var/lib/wheelhouse"),
        ("file://localhost/var/lib/wheelhouse", "file:///var/lib/wheelhouse"),
        ("file:///var/lib/wheel%20house", "file:///var/lib/wheel%20house"),
        ("FILE:///x", "file:///x"),
        ("s3://my-bucket", "s3://my-bucket"),
        ("s3://my-bucket/", "s3://my-bucket"),
        ("s3://my.bucket.name/wheels/prod/", "s3://my.bucket.name/wheels/prod"),
        ("s3://my-bucket//wheels", "s3://my-bucket/wheels"),
        ("s3://b12?region=eu-west-1", "s3://b12?region=eu-west-1"),
        (
            "s3://bucket/p?path-style=true&endpoint=http://localhost:9000/&region=us-east-1",
            "s3://bucket/p?region=us-east-1&endpoint=http://localhost:9000&path-style=true"
        ),
        ("s3://bucket?path-style=false", "s3://bucket"),
        ("s3://bucket?endpoint=https%3A%2F%2Fminio.example.com%3A9443", "s3://bucket?endpoint=https://minio.example.com:9443"),
    ]

    @Test(arguments: valid)
    func parsesAndNormalizes(input: String, description: String) throws {
        let location = try StoreLocation(parsing: input, currentDirectory: Self.cwd)
        #expect(location.description == description)
        #expect(try StoreLocation(parsing: location.description, currentDirectory: Self.cwd) == location, "round trip")
    }

    @Test func s3Parts() throws {
        let location = try StoreLocation(
            parsing: "s3://wheels/team/a?region=us-west-2&endpoint=http://127.0.0.1:5000&path-style=true")
        guard case .s3(let bucket, let prefix, let region, let endpoint, let pathStyle) = location else {
            Issue.record("not an S3 location: \(location)")
            return
        }
        #expect(bucket == "wheels")
        #expect(prefix == "team/a")
        #expect(region == "us-west-2")
        #expect(endpoint == URL(string: "http://127.0.0.1:5000"))
        #expect(pathStyle)

        #expect(
            try StoreLocation(parsing: "s3://wheels")
                == .s3(bucket: "wheels", prefix: "", region: nil, endpoint: nil, pathStyle: false))
    }

    @Test func relativePathsResolveAgainstTheCurrentDirectory() throws {
        #expect(try StoreLocation(parsing: "data", currentDirectory: Self.cwd) == .fileSystem(URL(fileURLWithPath: "/srv/work/data", isDirectory: true)))
        let here = FileManager.default.currentDirectoryPath
        #expect(try StoreLocation(parsing: "data").description == "file://" + here + "/data")
    }

    /// (input, a part of the message that must tell the user what is wrong)
    static let invalid: [(String, String)] = [
        ("", "empty"),
        ("http://example.com/store", "unsupported scheme 'http'"),
        ("gs://bucket", "unsupported scheme 'gs'"),
        ("s3:bucket", "two slashes"),
        ("file:/var/lib", "two slashes"),
        ("file://server/share", "not a host"),
        ("file:///x?y=1", "only a path"),
        ("s3://", "names a bucket"),
        ("s3:///prefix", "names a bucket"),
        ("s3://user@bucket", "no user"),
        ("s3://bucket:9000", "no user, password or port"),
        ("s3://bucket#frag", "fragment"),
        ("s3://ab", "3 to 63"),
        ("s3://" + String(repeating: "a", count: 64), "3 to 63"),
        ("s3://My-Bucket", "lowercase"),
        ("s3://my_bucket", "lowercase"),
        ("s3://-bucket", "begin and end"),
        ("s3://bucket-", "begin and end"),
        ("s3://my..bucket", "adjacent dots"),
        ("s3://192.168.1.1", "IP address"),
        ("s3://xn--bucket", "xn--"),
        ("s3://sthree-bucket", "sthree-"),
        ("s3://bucket-s3alias", "-s3alias"),
        ("s3://bucket--ol-s3", "--ol-s3"),
        ("s3://bucket/a/../b", "prefix"),
        ("s3://bucket/a//b", "prefix"),
        ("s3://bucket?regoin=us-east-1", "unknown query parameter 'regoin'; the accepted ones are region, endpoint, path-style"),
        ("s3://bucket?region=us-east-1&region=eu-west-1", "twice"),
        ("s3://bucket?region=", "needs a value"),
        ("s3://bucket?region", "needs a value"),
        ("s3://bucket?region=US_EAST", "region name"),
        ("s3://bucket?endpoint=localhost:9000", "http:// or https://"),
        ("s3://bucket?endpoint=ftp://host", "http:// or https://"),
        ("s3://bucket?endpoint=http://host/path", "http:// or https://"),
        ("s3://bucket?path-style=yes", "'true' or 'false'"),
        ("s3://bucket name", "not a valid URL"),
    ]

    @Test(arguments: invalid)
    func refusesWithAClearMessage(input: String, messagePart: String) {
        #expect {
            try StoreLocation(parsing: input, currentDirectory: Self.cwd)
        } throws: { error in
            guard let error = error as? StoreLocationError else { return false }
            #expect(error.input == input)
            #expect(error.description.contains(messagePart), "\(error)")
            return error.description.contains(messagePart)
        }
    }

    @Test func bucketNameProblemsAreAllReported() {
        let problems = StoreLocation.bucketNameProblems("-A")
        #expect(problems.count == 3)
        #expect(StoreLocation.bucketNameProblems("wheelhouse-prod.eu").isEmpty)
        #expect(StoreLocation.bucketNameProblems("1.2.3.4").count == 1)
        #expect(StoreLocation.bucketNameProblems("1.2.3.a").isEmpty)
    }

    @Test func makeBlobStoreOpensDirectories() async throws {
        let root = try TestSupport.makeTemporaryDirectory("storelocation").appendingPathComponent("new/store")
        defer { try? FileManager.default.removeItem(at: root.deletingLastPathComponent().deletingLastPathComponent()) }
        let store = try makeBlobStore(.fileSystem(root))
        #expect(store is FileSystemBlobStore)
        #expect(store.displayName == "file://" + root.path)
        try await store.write("x", data: Data("x".utf8), contentType: nil, condition: .none)
        #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("x").path))
    }

    @Test func makeBlobStoreTakesS3SettingsFromTheEnvironmentWhenTheLocationHasNone() throws {
        let environment = [
            "AWS_REGION": "eu-central-1", "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9", "HOME": "/nonexistent",
        ]
        let store = try #require(try makeBlobStore(try StoreLocation(parsing: "s3://bucket/prefix"), environment: environment) as? S3BlobStore)
        #expect(store.client.configuration.region == "eu-central-1")
        #expect(store.client.configuration.endpoint?.absoluteString == "http://127.0.0.1:9")
        #expect(store.prefix == "prefix")
        #expect(store.displayName == "s3://bucket/prefix")
        let plain = try #require(try makeBlobStore(try StoreLocation(parsing: "s3://bucket"), environment: ["HOME": "/nonexistent"]) as? S3BlobStore)
        #expect(plain.client.configuration.region == "us-east-1")
        #expect(plain.client.url(bucket: "bucket", key: "k")?.absoluteString == "https://bucket.s3.us-east-1.amazonaws.com/k")
    }
}
