import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import WheelhouseApp
import WheelhouseStorage
import WheelhouseTestSupport

/// Index negotiation, redirects, conditional requests, ranges and metadata, through the real
/// router (in process).
struct HTTPSemanticsTests {
    struct Fixture {
        let root: URL
        let store: any BlobStore
        let wheel: URL
        let wheelBytes: Data
        let sha256: String
    }

    static func fixture(payload: Int = 100_000) async throws -> Fixture {
        let root = try TestSupport.makeTemporaryDirectory("wh-http")
        let store = try FileSystemBlobStore(root: root.appendingPathComponent("store"))
        let wheel = try WheelBuilder.make("Demo_Pkg", "1.0", in: root, requiresPython: ">=3.8", payload: payload)
        let outcome = try await Ingestor(store: store).ingest(.init(file: wheel))
        return Fixture(root: root, store: store, wheel: wheel, wheelBytes: try Data(contentsOf: wheel), sha256: outcome.sha256)
    }

    static func app(_ store: any BlobStore, configure: (inout ServerConfiguration) -> Void = { _ in }) -> some ApplicationProtocol {
        var config = ServerConfiguration(indexStaleness: .zero)
        configure(&config)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return Application(router: buildRouter(configuration: config, store: store, logger: logger))
    }

    static let wheelPath = "/packages/demo-pkg/demo_pkg-1.0-py3-none-any.whl"

    @Test func negotiatesHTMLAndJSONWithVaryAnd406() async throws {
        let f = try await Self.fixture(payload: 0)
        try await Self.app(f.store).test(.router) { client in
            try await client.execute(uri: "/simple/demo-pkg/", method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "text/html")
                #expect(r.headers[.vary]?.contains("Accept") == true)
                let html = String(buffer: r.body)
                #expect(html.contains("demo_pkg-1.0-py3-none-any.whl#sha256=\(f.sha256)"))
                #expect(html.contains("data-requires-python=\"&gt;=3.8\""))
                #expect(html.contains("data-core-metadata=\"sha256="))
            }
            try await client.execute(
                uri: "/simple/demo-pkg/", method: .get,
                headers: [.accept: "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"]
            ) { r in
                #expect(r.headers[.contentType] == "application/vnd.pypi.simple.v1+json")
                let json = try #require(try JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) as? [String: Any])
                #expect((json["meta"] as? [String: Any])?["api-version"] as? String == "1.4")
                let files = try #require(json["files"] as? [[String: Any]])
                #expect((files.first?["hashes"] as? [String: String])?["sha256"] == f.sha256)
                #expect(json["versions"] as? [String] == ["1.0"])
            }
            try await client.execute(uri: "/simple/demo-pkg/", method: .get, headers: [.accept: "application/xml"]) { r in
                #expect(r.status == .notAcceptable)
            }
            try await client.execute(uri: "/simple/demo-pkg/?format=application/vnd.pypi.simple.v1+json", method: .get) { r in
                #expect(r.headers[.contentType] == "application/vnd.pypi.simple.v1+json")
            }
            try await client.execute(uri: "/simple/", method: .get, headers: [.accept: "application/vnd.pypi.simple.v1+json"]) { r in
                let json = try #require(try JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) as? [String: Any])
                #expect((json["projects"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["demo-pkg"])
            }
        }
    }

    @Test func redirectsToTheNormalizedURLAndAnswers404ForUnknownProjects() async throws {
        let f = try await Self.fixture(payload: 0)
        try await Self.app(f.store).test(.router) { client in
            try await client.execute(uri: "/simple/Demo_Pkg/", method: .get) { r in
                #expect(r.status == .movedPermanently)
                #expect(r.headers[.location] == "/simple/demo-pkg/")
            }
            try await client.execute(uri: "/simple/demo-pkg", method: .get) { r in
                #expect(r.status == .movedPermanently)
                #expect(r.headers[.location] == "/simple/demo-pkg/")
            }
            try await client.execute(uri: "/simple/nothing-here/", method: .get) { r in
                #expect(r.status == .notFound)
            }
        }
    }

    @Test func indexPagesHaveETagsAnd304AndGzip() async throws {
        let f = try await Self.fixture(payload: 0)
        try await Self.app(f.store).test(.router) { client in
            let etag = try await client.execute(uri: "/simple/demo-pkg/", method: .get) { r in
                try #require(r.headers[.eTag])
            }
            try await client.execute(uri: "/simple/demo-pkg/", method: .get, headers: [.ifNoneMatch: etag]) { r in
                #expect(r.status == .notModified)
                #expect(r.body.readableBytes == 0)
            }
            try await client.execute(uri: "/simple/demo-pkg/", method: .get, headers: [.acceptEncoding: "gzip, deflate"]) { r in
                #expect(r.headers[.contentEncoding] == "gzip")
                #expect(Array(r.body.readableBytesView.prefix(2)) == [0x1f, 0x8b])
            }
            try await client.execute(uri: "/simple/demo-pkg/", method: .get, headers: [.acceptEncoding: "gzip;q=0"]) { r in
                #expect(r.headers[.contentEncoding] == nil)
            }
        }
    }

    @Test func downloadsHonourRangesConditionalsAndHead() async throws {
        let f = try await Self.fixture()
        let size = f.wheelBytes.count
        let etag = "\"\(f.sha256)\""
        try await Self.app(f.store).test(.router) { client in
            try await client.execute(uri: Self.wheelPath, method: .get) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.eTag] == etag)
                #expect(r.headers[.contentLength] == "\(size)")
                #expect(r.headers[.acceptRanges] == "bytes")
                #expect(Data(r.body.readableBytesView) == f.wheelBytes)
            }
            try await client.execute(uri: Self.wheelPath, method: .head) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentLength] == "\(size)")
                #expect(r.body.readableBytes == 0)
            }
            try await client.execute(uri: Self.wheelPath, method: .get, headers: [.range: "bytes=0-99"]) { r in
                #expect(r.status == .partialContent)
                #expect(r.headers[.contentRange] == "bytes 0-99/\(size)")
                #expect(Data(r.body.readableBytesView) == f.wheelBytes.prefix(100))
            }
            // Suffix range: the last 100 bytes (FileMiddleware gets this wrong).
            try await client.execute(uri: Self.wheelPath, method: .get, headers: [.range: "bytes=-100"]) { r in
                #expect(r.status == .partialContent)
                #expect(r.headers[.contentRange] == "bytes \(size - 100)-\(size - 1)/\(size)")
                #expect(Data(r.body.readableBytesView) == f.wheelBytes.suffix(100))
            }
            try await client.execute(uri: Self.wheelPath, method: .get, headers: [.range: "bytes=10-"]) { r in
                #expect(r.status == .partialContent)
                #expect(Data(r.body.readableBytesView) == f.wheelBytes.dropFirst(10))
            }
            // Past the end: 416 with the size, not a broken 206.
            try await client.execute(uri: Self.wheelPath, method: .get, headers: [.range: "bytes=\(size)-\(size + 10)"]) { r in
                #expect(r.status == .rangeNotSatisfiable)
                #expect(r.headers[.contentRange] == "bytes */\(size)")
            }
            // Several ranges: the whole file (allowed by RFC 9110).
            try await client.execute(uri: Self.wheelPath, method: .get, headers: [.range: "bytes=0-1,5-6"]) { r in
                #expect(r.status == .ok)
                #expect(r.body.readableBytes == size)
            }
            for inm in [etag, "\"other\", \(etag)", "*", "W/\(etag)"] {
                try await client.execute(uri: Self.wheelPath, method: .get, headers: [.ifNoneMatch: inm]) { r in
                    #expect(r.status == .notModified, "If-None-Match: \(inm)")
                }
            }
            try await client.execute(uri: Self.wheelPath, method: .get, headers: [.ifNoneMatch: "\"other\""]) { r in
                #expect(r.status == .ok)
            }
            try await client.execute(uri: Self.wheelPath, method: .get, headers: [.range: "bytes=0-9", .ifRange: "\"stale\""]) { r in
                #expect(r.status == .ok)
                #expect(r.body.readableBytes == size)
            }
            try await client.execute(uri: Self.wheelPath, method: .get, headers: [.range: "bytes=0-9", .ifRange: etag]) { r in
                #expect(r.status == .partialContent)
                #expect(r.body.readableBytes == 10)
            }
        }
    }

    @Test func servesMetadataAndHidesUnlistedFiles() async throws {
        let f = try await Self.fixture(payload: 0)
        // Bytes in the store that no record lists (an interrupted upload) are not served.
        try await f.store.write(
            "packages/demo-pkg/demo_pkg-9.0-py3-none-any.whl", data: Data("partial".utf8), contentType: nil, condition: .none)
        try await Self.app(f.store).test(.router) { client in
            try await client.execute(uri: Self.wheelPath + ".metadata", method: .get) { r in
                #expect(r.status == .ok)
                let text = String(buffer: r.body)
                #expect(text.hasPrefix("Metadata-Version: 2.1\nName: Demo_Pkg\nVersion: 1.0\n"))
            }
            try await client.execute(uri: "/packages/demo-pkg/demo_pkg-9.0-py3-none-any.whl", method: .get) { r in
                #expect(r.status == .notFound)
            }
            try await client.execute(uri: "/packages/other/demo_pkg-1.0-py3-none-any.whl", method: .get) { r in
                #expect(r.status == .notFound)
            }
            try await client.execute(uri: "/healthz", method: .get) { r in #expect(r.status == .ok) }
            try await client.execute(uri: Self.wheelPath, method: .get) { r in #expect(r.status == .ok) }
            try await client.execute(uri: "/metrics", method: .get) { r in
                let text = String(buffer: r.body)
                #expect(text.contains("# TYPE wheelhouse_downloaded_bytes_total counter"), "\(text)")
                #expect(!text.contains("wheelhouse_downloaded_bytes_total 0\n"), "\(text)")
            }
        }
    }

    @Test func readPolicyRequiresATokenForTheIndex() async throws {
        let f = try await Self.fixture(payload: 0)
        let (_, readToken) = try await TokenStore(store: f.store).create(name: "reader", scope: .read)
        let basic = "Basic " + Data("__token__:\(readToken)".utf8).base64EncodedString()
        try await Self.app(f.store, configure: { $0.access = .read }).test(.router) { client in
            try await client.execute(uri: "/simple/demo-pkg/", method: .get) { r in
                #expect(r.status == .unauthorized)
                #expect(r.headers[.wwwAuthenticate]?.hasPrefix("Basic") == true)
            }
            try await client.execute(uri: "/simple/demo-pkg/", method: .get, headers: [.authorization: basic]) { r in
                #expect(r.status == .ok)
            }
            try await client.execute(uri: Self.wheelPath, method: .get, headers: [.authorization: "Basic " + Data("__token__:nope".utf8).base64EncodedString()])
            { r in
                #expect(r.status == .forbidden)
            }
        }
    }
}
