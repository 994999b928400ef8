import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import WheelhouseApp
import WheelhouseStorage
import WheelhouseTestSupport

/// `/pypi/{project}/json`, `/pypi/{project}/{version}/json` and `/-/projects.json` through the
/// real router on a memory store, and the browse page's headers.
struct LegacyJSONControllerTests {
    static func store() async throws -> any BlobStore {
        let dir = try TestSupport.makeTemporaryDirectory("wh-legacy")
        let store = MemoryBlobStore()
        var first = WheelBuilder("Demo_Pkg", "1.0")
        first.summary = "Demo <script>alert(1)</script>"
        first.requiresPython = ">=3.9"
        first.headers = ["Project-URL: Source, https://example.com/src", "Classifier: Programming Language :: Python :: 3"]
        var second = WheelBuilder("Demo_Pkg", "1.1")
        second.summary = "Second release"
        var pre = WheelBuilder("Demo_Pkg", "2.0rc1")
        pre.summary = "Pre-release"
        var other = WheelBuilder("other", "3.0")
        other.summary = "Something else entirely"
        let files = [
            try first.writeWheel(in: dir), try first.writeSdist(in: dir), try second.writeWheel(in: dir),
            try pre.writeWheel(in: dir), try other.writeWheel(in: dir),
        ]
        let ingestor = Ingestor(store: store)
        for file in files { _ = try await ingestor.ingest(.init(file: file)) }
        _ = try await StoreAdmin(store: store).setYanked(true, project: "demo-pkg", version: "1.1", reason: "broken build")
        return store
    }

    static func app(_ store: any BlobStore, access: AccessPolicy = .upload) -> some ApplicationProtocol {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return Application(
            router: buildRouter(configuration: ServerConfiguration(access: access, indexStaleness: .zero), store: store, logger: logger))
    }

    static func object(_ buffer: ByteBuffer) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any])
    }

    @Test func projectDocumentHasTheLatestFinalReleaseAndEveryRelease() async throws {
        let store = try await Self.store()
        try await Self.app(store).test(.router) { client in
            // The router test client sends authority `localhost`; the live server takes it from `Host`.
            try await client.execute(uri: "/pypi/demo-pkg/json", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "application/json")
                let json = try Self.object(r.body)
                let info = try #require(json["info"] as? [String: Any])
                // 1.1 is yanked and 2.0rc1 a pre-release: PyPI shows 1.0.
                #expect(info["version"] as? String == "1.0")
                #expect(info["name"] as? String == "Demo_Pkg")
                #expect(info["summary"] as? String == "Demo <script>alert(1)</script>")
                #expect(info["requires_python"] as? String == ">=3.9")
                #expect(info["project_urls"] as? [String: String] == ["Source": "https://example.com/src"])
                #expect(info["classifiers"] as? [String] == ["Programming Language :: Python :: 3"])
                let urls = try #require(json["urls"] as? [[String: Any]])
                #expect(Set(urls.compactMap { $0["filename"] as? String }) == ["demo_pkg-1.0-py3-none-any.whl", "demo_pkg-1.0.tar.gz"])
                let wheel = try #require(urls.first { $0["packagetype"] as? String == "bdist_wheel" })
                #expect(wheel["url"] as? String == "http://localhost/packages/demo-pkg/demo_pkg-1.0-py3-none-any.whl")
                #expect((wheel["digests"] as? [String: String])?["sha256"]?.count == 64)
                let releases = try #require(json["releases"] as? [String: [[String: Any]]])
                #expect(Set(releases.keys) == ["1.0", "1.1", "2.0rc1"])
                #expect(releases["1.1"]?.first?["yanked"] as? Bool == true)
                #expect(releases["1.1"]?.first?["yanked_reason"] as? String == "broken build")
                #expect((json["vulnerabilities"] as? [Any])?.isEmpty == true)
                #expect(json["last_serial"] as? Int != nil)
            }
            // A proxy that says https gets https URLs.
            try await client.execute(
                uri: "/pypi/demo-pkg/json", method: .get,
                headers: [HTTPField.Name("X-Forwarded-Proto")!: "https"]
            ) { r in
                let urls = try #require(try Self.object(r.body)["urls"] as? [[String: Any]])
                #expect((urls.first?["url"] as? String)?.hasPrefix("https://localhost/packages/demo-pkg/") == true)
            }
        }
    }

    @Test func versionDocumentDescribesThatRelease() async throws {
        let store = try await Self.store()
        try await Self.app(store).test(.router) { client in
            try await client.execute(uri: "/pypi/demo-pkg/1.1/json", method: .get) { r in
                #expect(r.status == .ok)
                let json = try Self.object(r.body)
                #expect(json["releases"] == nil)
                let info = try #require(json["info"] as? [String: Any])
                #expect(info["version"] as? String == "1.1")
                #expect(info["summary"] as? String == "Second release")
                #expect(info["yanked"] as? Bool == true)
                #expect(info["yanked_reason"] as? String == "broken build")
                #expect((json["urls"] as? [[String: Any]])?.count == 1)
            }
            try await client.execute(uri: "/pypi/demo-pkg/9.9/json", method: .get) { r in
                #expect(r.status == .notFound)
            }
        }
    }

    @Test func nonNormalizedNamesAndVersionsRedirectUnknownProjectsAre404() async throws {
        let store = try await Self.store()
        try await Self.app(store).test(.router) { client in
            try await client.execute(uri: "/pypi/Demo_Pkg/json", method: .get) { r in
                #expect(r.status == .movedPermanently)
                #expect(r.headers[.location] == "/pypi/demo-pkg/json")
            }
            try await client.execute(uri: "/pypi/Demo.Pkg/2.0RC1/json", method: .get) { r in
                #expect(r.status == .movedPermanently)
                #expect(r.headers[.location] == "/pypi/demo-pkg/2.0rc1/json")
            }
            for uri in ["/pypi/nope/json", "/pypi/nope/1.0/json", "/pypi/..%2F..%2Fetc/json"] {
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status == .notFound, "\(uri)")
                }
            }
        }
    }

    @Test func projectListHasLatestVersionsAndSummaries() async throws {
        let store = try await Self.store()
        try await Self.app(store).test(.router) { client in
            try await client.execute(uri: "/-/projects.json", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.eTag] != nil)
                let projects = try #require(try Self.object(r.body)["projects"] as? [[String: Any]])
                #expect(projects.compactMap { $0["normalized"] as? String } == ["demo-pkg", "other"])
                #expect(projects[0]["name"] as? String == "Demo_Pkg")
                #expect(projects[0]["version"] as? String == "1.0")
                #expect(projects[0]["summary"] as? String == "Demo <script>alert(1)</script>")
                #expect(projects[1]["summary"] as? String == "Something else entirely")
            }
        }
    }

    @Test func readPolicyCoversTheAPIButNotThePage() async throws {
        let store = try await Self.store()
        let (_, readToken) = try await TokenStore(store: store).create(name: "reader", scope: .read)
        let basic = "Basic " + Data("__token__:\(readToken)".utf8).base64EncodedString()
        let wrong = "Basic " + Data("__token__:nope".utf8).base64EncodedString()
        try await Self.app(store, access: .read).test(.router) { client in
            for uri in ["/pypi/demo-pkg/json", "/pypi/demo-pkg/1.0/json", "/-/projects.json"] {
                try await client.execute(uri: uri, method: .get) { r in #expect(r.status == .unauthorized, "\(uri)") }
                try await client.execute(uri: uri, method: .get, headers: [.authorization: wrong]) { r in
                    #expect(r.status == .forbidden, "\(uri)")
                }
                try await client.execute(uri: uri, method: .get, headers: [.authorization: basic]) { r in
                    #expect(r.status == .ok, "\(uri)")
                }
            }
            // The page holds no data and must load to show its sign-in form.
            try await client.execute(uri: "/", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
                #expect(r.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
                #expect(r.headers[.xContentTypeOptions] == "nosniff")
            }
        }
    }
}
