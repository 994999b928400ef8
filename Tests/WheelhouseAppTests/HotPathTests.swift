import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import WheelhouseStorage
import WheelhouseTestSupport

@testable import WheelhouseApp

/// The request path made cheap (pre-built page headers, request metrics, gzip negotiation,
/// the access log's number formatting) still says what it said before, in process.
struct HotPathTests {
    @Test(arguments: [
        ("gzip", true), ("gzip, deflate, br", true), ("GZIP", true), ("deflate, gzip", true), ("br;q=1.0, gzip;q=0.5", true),
        ("gzip;q=0", false), ("gzip; q=0.000", false), ("x-gzip", true), ("*", true), ("*;q=0", false), ("deflate, br", false),
        ("", false), ("gzipx", false), (" gzip ; Q=0.1 ", true), ("identity", false), ("gzip;level=1;q=0", false),
    ])
    func acceptEncodingIsReadAsBefore(header: String, accepted: Bool) {
        #expect(IndexController.acceptsGzip(header) == accepted, "\(header)")
    }

    @Test func noAcceptEncodingMeansIdentity() {
        #expect(IndexController.acceptsGzip(nil) == false)
    }

    @Test(arguments: [
        (Int64(1_234_567), "1.23"), (0, "0.00"), (5_000, "0.01"), (4_999, "0.00"), (99_995_000, "100.00"), (1_050_000, "1.05"),
        (-3, "0.00"),
    ])
    func durationsAreMillisecondsWithTwoDecimals(nanos: Int64, text: String) {
        #expect(AccessLog.milliseconds(nanos) == text)
    }

    @Test func pageRepresentationsCarryTheirOwnHeaders() async throws {
        let root = try TestSupport.makeTemporaryDirectory("wh-hot")
        let store = try FileSystemBlobStore(root: root.appendingPathComponent("store"))
        for version in ["1.0", "1.1", "2.0"] {
            let wheel = try WheelBuilder.make("Hot_Pkg", version, in: root, payload: 0)
            _ = try await Ingestor(store: store).ingest(.init(file: wheel))
        }
        let metrics = ServerMetrics()
        let app = Application(
            router: buildRouter(
                configuration: ServerConfiguration(indexStaleness: .seconds(60)), store: store, logger: Logger(label: "test"),
                metrics: metrics))
        try await app.test(.router) { client in
            let plain = try await client.execute(uri: "/simple/hot-pkg/", method: .get) { $0 }
            #expect(plain.status == .ok)
            #expect(plain.headers[.contentEncoding] == nil)
            #expect(plain.headers[.contentLength] == String(plain.body.readableBytes))
            #expect(plain.headers[.vary] == "Accept, Accept-Encoding")
            #expect(plain.headers[.cacheControl] == "max-age=60, public")
            let etag = try #require(plain.headers[.eTag])

            let gzipped = try await client.execute(uri: "/simple/hot-pkg/", method: .get, headers: [.acceptEncoding: "gzip"]) { $0 }
            #expect(gzipped.headers[.contentEncoding] == "gzip")
            #expect(gzipped.headers[.contentLength] == String(gzipped.body.readableBytes))
            #expect(gzipped.headers[.eTag] == etag)
            #expect(gzipped.body.readableBytes < plain.body.readableBytes)

            let json = try await client.execute(
                uri: "/simple/hot-pkg/", method: .get, headers: [.accept: "application/vnd.pypi.simple.v1+json"]
            ) { $0 }
            #expect(json.headers[.contentType] == "application/vnd.pypi.simple.v1+json")
            #expect(json.headers[.eTag] != etag)
            #expect(json.headers[.contentLength] == String(json.body.readableBytes))

            let notModified = try await client.execute(uri: "/simple/hot-pkg/", method: .get, headers: [.ifNoneMatch: etag]) { $0 }
            #expect(notModified.status == .notModified)
            #expect(notModified.headers[.eTag] == etag)
            #expect(notModified.headers[.vary] == "Accept, Accept-Encoding")
            #expect(notModified.body.readableBytes == 0)

            _ = try await client.execute(uri: "/simple/no-such-project/", method: .get) { $0 }
        }
        // Every request was counted by route, method and status, with its latency.
        let text = metrics.prometheusText()
        let project = #"route="/simple/{project}",method="GET",status="200""#
        #expect(text.contains("wheelhouse_http_requests_total{\(project)} 3"), "\(text)")
        #expect(text.contains("wheelhouse_http_request_duration_seconds_count{\(project)} 3"), "\(text)")
        #expect(text.contains("wheelhouse_http_request_duration_seconds_bucket{\(project),le=\"+Inf\"} 3"), "\(text)")
        #expect(text.contains(#"wheelhouse_http_requests_total{route="/simple/{project}",method="GET",status="304"} 1"#), "\(text)")
        #expect(text.contains(#"wheelhouse_http_requests_total{route="/simple/{project}",method="GET",status="404"} 1"#), "\(text)")
        #expect(text.contains(#"wheelhouse_http_active_requests{method="GET"} 0"#), "\(text)")
    }

    /// The fast path (`IndexFastPath`) on a live server in process: a page's second request is
    /// answered from memory on the event loop, and says exactly what the route said the first
    /// time; everything it does not take goes on to the router; every request is counted and
    /// logged once.
    @Test func pagesInMemoryAnswerAsTheRouteDoes() async throws {
        let root = try TestSupport.makeTemporaryDirectory("wh-fast")
        let store = try FileSystemBlobStore(root: root.appendingPathComponent("store"))
        for version in ["1.0", "1.1"] {
            let wheel = try WheelBuilder.make("Fast_Pkg", version, in: root, payload: 0)
            _ = try await Ingestor(store: store).ingest(.init(file: wheel))
        }
        var fds: [Int32] = [0, 0]
        #expect(TestSupport.makePipe(&fds) == 0)
        defer { close(fds[0]) }
        let accessLog = AccessLog(fd: fds[1])
        let metrics = ServerMetrics()
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let app = buildApplication(
            configuration: ServerConfiguration(indexStaleness: .seconds(60)), store: store, logger: logger, metrics: metrics,
            accessLog: accessLog)
        try await app.test(.live) { client in
            func get(_ uri: String, _ headers: HTTPFields = [:]) async throws -> TestResponse {
                try await client.execute(uri: uri, method: .get, headers: headers) { $0 }
            }
            func same(_ a: TestResponse, _ b: TestResponse) {
                var ah = a.headers, bh = b.headers
                ah[.date] = nil
                bh[.date] = nil
                #expect(a.status == b.status)
                #expect(ah == bh, "\(ah) vs \(bh)")
                #expect(a.body == b.body)
            }
            for (uri, headers) in [
                ("/simple/fast-pkg/", HTTPFields()), ("/simple/", [:]),
                ("/simple/fast-pkg/", [.accept: "application/vnd.pypi.simple.v1+json"]),
                ("/simple/fast-pkg/", [.acceptEncoding: "gzip"]),
            ] {
                let routed = try await get(uri, headers)
                let fast = try await get(uri, headers)
                #expect(routed.status == .ok)
                #expect(fast.headers[.date] != nil && fast.headers[.server] == "wheelhouse")
                same(routed, fast)
            }
            let etag = try #require(try await get("/simple/fast-pkg/").headers[.eTag])
            let notModified = try await get("/simple/fast-pkg/", [.ifNoneMatch: etag])
            #expect(notModified.status == .notModified && notModified.body.readableBytes == 0)
            #expect(notModified.headers[.eTag] == etag)
            // Not taken: redirects, queries, unknown projects.
            #expect(try await get("/simple/Fast_Pkg/").status == .movedPermanently)
            let query = try await get("/simple/fast-pkg/?format=application/vnd.pypi.simple.v1%2Bjson")
            #expect(query.headers[.contentType] == "application/vnd.pypi.simple.v1+json")
            #expect(try await get("/simple/nothing-here/").status == .notFound)
            #expect(try await get("/simple/nothing-here/").status == .notFound)
        }
        let text = metrics.prometheusText()
        #expect(text.contains(#"wheelhouse_http_requests_total{route="/simple/{project}",method="GET",status="200"} 8"#), "\(text)")
        #expect(text.contains(#"wheelhouse_http_requests_total{route="/simple",method="GET",status="200"} 2"#), "\(text)")
        #expect(text.contains(#"wheelhouse_http_requests_total{route="/simple/{project}",method="GET",status="304"} 1"#), "\(text)")
        accessLog.flush()
        close(fds[1])
        let lines = String(decoding: FileHandle(fileDescriptor: fds[0]).readDataToEndOfFile(), as: UTF8.self)
            .split(separator: "\n")
        // 4 × 2 pairs, the ETag's, the 304, the redirect, the query, the two unknown projects.
        #expect(lines.count == 14, "\(lines)")
        #expect(lines.allSatisfy { $0.contains(" hb.request.id=") && $0.hasSuffix("[WheelhouseApp] request") }, "\(lines)")
    }
}
