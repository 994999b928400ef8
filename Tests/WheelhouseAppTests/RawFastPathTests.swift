import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing
import WheelhouseCore
import WheelhouseStorage
import WheelhouseTestSupport

@testable import WheelhouseApp

/// `PlainGetRequest`: what the fast path reads from a connection's bytes, and everything it
/// leaves to the full HTTP parser.
struct PlainGetRequestTests {
    static let limits = PlainGetRequest.Limits(maxHeaderFieldSize: 200, maxHeaderListSize: 1000, maxHeaderFieldCount: 8)

    static func parse(_ text: String, limits: PlainGetRequest.Limits = limits) -> (PlainGetRequest, [UInt8])? {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { PlainGetRequest.parse($0, limits: limits) }.map { ($0, bytes) }
    }

    static func text(_ bytes: [UInt8], _ range: Range<Int>?) -> String? {
        range.map { String(decoding: bytes[$0], as: UTF8.self) }
    }

    @Test func aPipRequestIsReadWithTheFieldsThatDecideTheAnswer() throws {
        let head =
            "GET /simple/demo/ HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: pip/24.0 {\"a\": 1}\r\nAccept-Encoding: gzip, deflate\r\n"
            + "Accept: application/vnd.pypi.simple.v1+json, text/html; q=0.01\r\nConnection: Keep-Alive\r\nCache-Control: max-age=0\r\n"
            + "If-None-Match: \"abc\"  \r\nContent-Length: 0\r\n\r\n"
        let (request, bytes) = try #require(Self.parse(head + "GET /next"))
        #expect(request.length == head.utf8.count)
        #expect(Self.text(bytes, request.target) == "/simple/demo/")
        #expect(Self.text(bytes, request.userAgent) == "pip/24.0 {\"a\": 1}")
        #expect(Self.text(bytes, request.acceptEncoding) == "gzip, deflate")
        #expect(Self.text(bytes, request.accept) == "application/vnd.pypi.simple.v1+json, text/html; q=0.01")
        #expect(Self.text(bytes, request.ifNoneMatch) == "\"abc\"  ")
    }

    @Test func theBarestRequestIsRead() throws {
        let (request, bytes) = try #require(Self.parse("GET /simple/ HTTP/1.1\r\n\r\n"))
        #expect(Self.text(bytes, request.target) == "/simple/" && request.accept == nil && request.length == 25)
    }

    @Test(arguments: [
        "HEAD /simple/demo/ HTTP/1.1\r\n\r\n",
        "POST /simple/demo/ HTTP/1.1\r\n\r\n",
        "get /simple/demo/ HTTP/1.1\r\n\r\n",
        "GET /simple/demo/ HTTP/1.0\r\n\r\n",
        "GET http://host/simple/demo/ HTTP/1.1\r\n\r\n",
        "GET /simple/demo/  HTTP/1.1\r\n\r\n",
        "GET /simple/demo/ HTTP/1.1\r\nHost: x\r\n",  // incomplete
        "GET /simple/demo/ HTTP/1.1\r\nHost: x\r\n\r",  // incomplete
        "GET /simple/demo/ HTTP/1.1\nHost: x\n\n",  // bare LF
        "GET /simple/demo/ HTTP/1.1\r\nHost: x\n\r\n",
        "GET /simple/demo/ HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",  // obs-fold
        "GET /simple/demo/ HTTP/1.1\r\nHost : x\r\n\r\n",  // space before the colon
        "GET /simple/demo/ HTTP/1.1\r\n: x\r\n\r\n",
        "GET /simple/demo/ HTTP/1.1\r\nHost: a\u{1}b\r\n\r\n",
        "GET /simple/demo/ HTTP/1.1\r\nHost: caf\u{E9}\r\n\r\n",
        "GET /simple/demo/ HTTP/1.1\r\nHost: a\rb\r\n\r\n",
        "GET /simple/demo/ HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
        "GET /simple/demo/ HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n",
        "GET /simple/demo/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "GET /simple/demo/ HTTP/1.1\r\nExpect: 100-continue\r\n\r\n",
        "GET /simple/demo/ HTTP/1.1\r\nUpgrade: h2c\r\n\r\n",
        "GET /simple/demo/ HTTP/1.1\r\nConnection: close\r\n\r\n",
        "GET /simple/demo/ HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\n\r\n",
        "GET /simple/demo/ HTTP/1.1\r\nAccept: text/html\r\nAccept: application/json\r\n\r\n",
        "GET /simple/demo/ HTTP/1.1\r\nUser-Agent: a\r\nuser-agent: b\r\n\r\n",
        "GET /simple/de mo/ HTTP/1.1\r\n\r\n",
        "GET /simple/d\u{7F}emo/ HTTP/1.1\r\n\r\n",
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    ])
    func everythingButThePlainestGetIsLeftToTheParser(_ text: String) {
        #expect(Self.parse(text) == nil)
    }

    @Test func theParsersLimitsAreLeftToTheParser() {
        let many = "GET / HTTP/1.1\r\n" + (0..<9).map { "X-\($0): y\r\n" }.joined() + "\r\n"
        #expect(Self.parse(many) == nil)
        let long = "GET / HTTP/1.1\r\nX: " + String(repeating: "y", count: 300) + "\r\n\r\n"
        #expect(Self.parse(long) == nil)
        let big = "GET / HTTP/1.1\r\n" + (0..<7).map { "X-\($0): " + String(repeating: "y", count: 150) + "\r\n" }.joined() + "\r\n"
        #expect(Self.parse(big) == nil)
        let roomy = PlainGetRequest.Limits(maxHeaderFieldSize: 200, maxHeaderListSize: 2000, maxHeaderFieldCount: 8)
        #expect(Self.parse(big, limits: roomy) != nil)
    }
}

/// `RawIndexFastPath` on a live server, through a plain socket: the same bytes as the router,
/// pipelined requests answered in order, and the fast path back after the router answered.
struct RawFastPathTests {
    enum ConnectionError: Error {
        case closedOrTimedOut(buffered: Int)
        case cannotConnect
    }

    /// A blocking loopback connection with a read timeout.
    final class Connection: @unchecked Sendable {
        let fd: Int32

        init(port: Int) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            // Long: in the full suite the router's streamed answers can wait for a busy pool.
            var timeout = timeval(tv_sec: 60, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            guard connected == 0 else { throw ConnectionError.cannotConnect }
        }

        deinit { close(fd) }

        func send(_ text: String) {
            let bytes = Array(text.utf8)
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        }

        private var buffered: [UInt8] = []

        typealias Answer = (status: String, headers: [String: String], body: [UInt8])

        /// `readResponse` on a thread of its own: a blocking read must not hold one of the few
        /// threads of the cooperative pool the server's tasks need.
        func response() async throws -> Answer {
            try await withCheckedThrowingContinuation { continuation in
                DispatchQueue.global().async { continuation.resume(with: Result { try self.readResponse() }) }
            }
        }

        /// One response: status line, headers (lowercased names, Date left out) and body, read
        /// by its Content-Length.
        func readResponse() throws -> Answer {
            func fill() throws {
                var chunk = [UInt8](repeating: 0, count: 65536)
                let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                guard count > 0 else { throw ConnectionError.closedOrTimedOut(buffered: buffered.count) }
                buffered += chunk[0..<count]
            }
            let separator: [UInt8] = Array("\r\n\r\n".utf8)
            var end: Int?
            while end == nil {
                end = buffered.indices.dropLast(3).first { buffered[$0..<($0 + 4)].elementsEqual(separator) }
                if end == nil { try fill() }
            }
            guard let headEnd = end else { throw ConnectionError.closedOrTimedOut(buffered: buffered.count) }
            let lines = String(decoding: buffered[0..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
            var headers: [String: String] = [:]
            for line in lines.dropFirst() {
                let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if parts.count == 2, parts[0].lowercased() != "date" { headers[parts[0].lowercased()] = parts[1] }
            }
            let length = Int(headers["content-length"] ?? "0") ?? 0
            while buffered.count < headEnd + 4 + length { try fill() }
            let body = Array(buffered[(headEnd + 4)..<(headEnd + 4 + length)])
            buffered.removeFirst(headEnd + 4 + length)
            return (lines[0], headers, body)
        }
    }

    static let plain = "GET /simple/raw-pkg/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: raw-test/1\r\nAccept-Encoding: gzip\r\n\r\n"

    @Test func plainRequestsAreAnsweredAsTheRouterAnswersThemAndInOrder() async throws {
        let root = try TestSupport.makeTemporaryDirectory("wh-raw")
        let store = try FileSystemBlobStore(root: root.appendingPathComponent("store"))
        let wheel = try WheelBuilder.make("Raw_Pkg", "1.0", in: root, payload: 0)
        _ = try await Ingestor(store: store).ingest(.init(file: wheel))
        var fds: [Int32] = [0, 0]
        #expect(TestSupport.makePipe(&fds) == 0)
        defer { close(fds[0]) }
        let accessLog = AccessLog(fd: fds[1])
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let app = buildApplication(
            configuration: ServerConfiguration(indexStaleness: .seconds(60)), store: store, logger: logger, accessLog: accessLog)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            // First: not in memory yet, so the router renders it; the same connection then
            // gets the rest from the fast path.
            let connection = try Connection(port: port)
            connection.send(Self.plain)
            let routed = try await connection.response()
            connection.send(Self.plain)
            let fast = try await connection.response()
            #expect(routed.status == "HTTP/1.1 200 OK" && fast.status == routed.status)
            #expect(fast.headers == routed.headers, "\(fast.headers) vs \(routed.headers)")
            #expect(fast.body == routed.body && routed.headers["content-encoding"] == "gzip")

            // Pipelined in one write: a page, a project that does not exist (the router's 404),
            // a page again, a 304 — answered in order, the last two by the parser's side.
            let etag = try #require(fast.headers["etag"])
            let other = try Connection(port: port)
            other.send(
                Self.plain + "GET /simple/missing-pkg/ HTTP/1.1\r\nHost: x\r\n\r\n" + Self.plain
                    + "GET /simple/raw-pkg/ HTTP/1.1\r\nIf-None-Match: \(etag)\r\n\r\n")
            var statuses: [Substring] = []
            for _ in 0..<4 { statuses.append(try await other.response().status.prefix(12)) }
            #expect(statuses == ["HTTP/1.1 200", "HTTP/1.1 404", "HTTP/1.1 200", "HTTP/1.1 304"])

            // A head that arrives in two reads goes to the parser and is answered all the same.
            let split = try Connection(port: port)
            split.send(String(Self.plain.prefix(20)))
            try await Task.sleep(for: .milliseconds(100))
            split.send(String(Self.plain.dropFirst(20)))
            #expect(try await split.response().body == routed.body)
        }
        accessLog.flush()
        close(fds[1])
        let lines = String(decoding: FileHandle(fileDescriptor: fds[0]).readDataToEndOfFile(), as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 7, "\(lines)")
        // The fast path's lines carry its own request ids and the client's values.
        let fastID = " hb.request.id=" + String(decoding: FastRequestID.prefix, as: UTF8.self)
        #expect(lines.filter { $0.contains(fastID) }.count >= 2, "\(lines)")
        #expect(lines.filter { $0.contains("user_agent=raw-test/1") && $0.contains(" path=/simple/raw-pkg/ status=200") }.count == 5, "\(lines)")
    }

    @Test func filesAreSentAsTheRouterSendsThem() async throws {
        let root = try TestSupport.makeTemporaryDirectory("wh-raw-files")
        let store = try FileSystemBlobStore(root: root.appendingPathComponent("store"))
        let wheel = try WheelBuilder.make("Raw_Files", "1.0", in: root, payload: 200_000)
        _ = try await Ingestor(store: store).ingest(.init(file: wheel))
        let hidden = try WheelBuilder.make("Hidden_Pkg", "1.0", in: root, payload: 0)
        _ = try await Ingestor(store: store).ingest(.init(file: hidden))
        _ = try await StoreAdmin(store: store).setStatus(ProjectStatus(.quarantined, reason: "under review"), project: "hidden-pkg")
        let metrics = ServerMetrics()
        var fds: [Int32] = [0, 0]
        #expect(TestSupport.makePipe(&fds) == 0)
        defer { close(fds[0]) }
        let accessLog = AccessLog(fd: fds[1])
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let app = buildApplication(
            configuration: ServerConfiguration(indexStaleness: .seconds(60)), store: store, logger: logger, metrics: metrics,
            accessLog: accessLog)
        let bytes = Array(try Data(contentsOf: wheel))
        let file = "/packages/raw-files/\(wheel.lastPathComponent)"
        try await app.test(.live) { client in
            let port = try #require(client.port)
            // The records come into memory with the pages.
            let warm = try Connection(port: port)
            warm.send("GET /simple/raw-files/ HTTP/1.1\r\n\r\nGET /simple/hidden-pkg/ HTTP/1.1\r\n\r\n")
            _ = try await warm.response()
            _ = try await warm.response()
            // A connection whose first request is not a plain GET is the parser's from then on:
            // the router's answers.
            let routed = try Connection(port: port)
            routed.send("GET /healthz HTTP/1.1\r\nConnection: keep-alive, x-other\r\n\r\n")
            #expect(try await routed.response().body == Array("ok\n".utf8))
            let fast = try Connection(port: port)
            let etag = "\"\(SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined())\""
            for extra in [
                "", "Range: bytes=100-199\r\n", "Range: bytes=-10\r\n", "Range: bytes=999999999-\r\n", "If-None-Match: \(etag)\r\n",
                "Range: bytes=0-9\r\nIf-Range: \"other\"\r\n", "Range: bytes=0-9\r\nIf-Range: \(etag)\r\n",
            ] {
                let request = "GET \(file) HTTP/1.1\r\nUser-Agent: raw-test/1\r\n\(extra)\r\n"
                routed.send(request)
                fast.send(request)
                let a = try await routed.response()
                let b = try await fast.response()
                #expect(a.status.prefix(12) == b.status.prefix(12), "\(extra): \(a.status) vs \(b.status)")
                #expect(a.headers == b.headers, "\(extra): \(a.headers) vs \(b.headers)")
                #expect(a.body == b.body, "\(extra)")
                if extra.isEmpty { #expect(b.body == bytes && b.status.hasPrefix("HTTP/1.1 200")) }
                if extra.hasPrefix("Range: bytes=100") { #expect(b.body == Array(bytes[100...199]) && b.status.hasPrefix("HTTP/1.1 206")) }
            }
            // The metadata file; a file that is not listed; a quarantined project: the same answers.
            for path in [file + ".metadata", "/packages/raw-files/raw_files-9.9-py3-none-any.whl", "/packages/hidden-pkg/\(hidden.lastPathComponent)"] {
                let request = "GET \(path) HTTP/1.1\r\n\r\n"
                routed.send(request)
                fast.send(request)
                let a = try await routed.response()
                let b = try await fast.response()
                #expect(a.status == b.status && a.headers == b.headers && a.body == b.body, "\(path): \(a.status) vs \(b.status)")
            }
        }
        accessLog.flush()
        close(fds[1])
        let lines = String(decoding: FileHandle(fileDescriptor: fds[0]).readDataToEndOfFile(), as: UTF8.self).split(separator: "\n")
        // The fast connection's downloads were sent from the fast path (its request ids).
        let fastID = " hb.request.id=" + String(decoding: FastRequestID.prefix, as: UTF8.self)
        #expect(lines.filter { $0.contains(fastID) && $0.contains(" path=/packages/raw-files/") }.count == 8, "\(lines)")
        let text = metrics.prometheusText()
        #expect(text.contains(#"wheelhouse_http_requests_total{route="/packages/{project}/{filename}",method="GET",status="206"} 6"#), "\(text)")
    }
}

/// Whatever `PlainGetRequest` reads, NIO's HTTP parser (llhttp) reads the same way: one request,
/// no body, the same target and the same values, for thousands of generated heads, odd ones
/// included. (The other way round is allowed: what the fast path leaves goes to that parser.)
struct PlainGetDifferentialTests {

    static let targets = [
        "/simple/", "/simple/demo/", "/simple/Demo_Pkg/", "/packages/demo/demo-1.0-py3-none-any.whl", "/simple/a%2Fb/", "/simple/demo/?x=1",
        "/simple//", "/simple/demo", "*", "/simple/d\u{7F}/", "/simple/é/",
    ]
    static let names = [
        "Host", "Accept", "accept", "ACCEPT-ENCODING", "Accept-Encoding", "If-None-Match", "User-Agent", "Range", "If-Range", "Connection",
        "Content-Length", "Transfer-Encoding", "Expect", "Upgrade", "X-Custom", "X_Under", "X Space", "X:Colon", "", "Authorization",
    ]
    static let values = [
        "", "x", " x", "x ", "\tx\t", "gzip, deflate", "keep-alive", "Keep-Alive", "close", "0", "00", "5", "chunked", "\"abc\"",
        "bytes=0-9", "pip/24.0 {\"a\": 1}", "a\u{1}b", "caf\u{E9}", "a\rb", "a\nb", "text/html; q=0.5, */*",
    ]

    static func generate(_ rng: inout SplitMix64) -> [UInt8] {
        let methods = Array(repeating: "GET", count: 8) + ["HEAD", "get", "GET "]
        let versions = Array(repeating: "HTTP/1.1", count: 8) + ["HTTP/1.0", "HTTP/1.1 ", "http/1.1"]
        let endings = Array(repeating: "\r\n", count: 12) + ["\n", "\r"]
        var text = "\(methods.randomElement(using: &rng) ?? "GET") \(targets.randomElement(using: &rng) ?? "/") "
        text += (versions.randomElement(using: &rng) ?? "") + (endings.randomElement(using: &rng) ?? "")
        for _ in 0..<Int.random(in: 0...5, using: &rng) {
            if Int.random(in: 0..<30, using: &rng) == 0 { text += " folded" + "\r\n" }
            let separator = [":", ": ", ":  ", " : ", ":\t"].randomElement(using: &rng) ?? ":"
            text += (names.randomElement(using: &rng) ?? "") + separator + (values.randomElement(using: &rng) ?? "")
            text += endings.randomElement(using: &rng) ?? ""
        }
        text += endings.randomElement(using: &rng) ?? ""
        return Array(text.utf8)
    }

    @Test func whatTheFastPathReadsTheParserReadsTheSame() throws {
        var rng = SplitMix64(seed: 20_261_130)
        let limits = PlainGetRequest.Limits(maxHeaderFieldSize: 16 << 10, maxHeaderListSize: 64 << 10, maxHeaderFieldCount: 100)
        var accepted = 0
        for _ in 0..<20_000 {
            let bytes = Self.generate(&rng)
            guard let request = bytes.withUnsafeBytes({ PlainGetRequest.parse($0, limits: limits) }) else { continue }
            accepted += 1
            let text = String(decoding: bytes, as: UTF8.self)
            let channel = EmbeddedChannel(handler: ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes)))
            try channel.writeInbound(ByteBuffer(bytes: bytes[..<request.length]))
            var parts: [HTTPServerRequestPart] = []
            while let part = try channel.readInbound(as: HTTPServerRequestPart.self) { parts.append(part) }
            _ = try? channel.finish()
            guard parts.count == 2, case .head(let head) = parts[0], case .end = parts[1] else {
                Issue.record("the parser read \(parts) from \(text.debugDescription)")
                continue
            }
            func value(_ range: Range<Int>?) -> String? { range.map { String(decoding: bytes[$0], as: UTF8.self) } }
            #expect(head.method == .GET && head.version == .http1_1, "\(text.debugDescription)")
            #expect(head.uri == value(request.target), "\(text.debugDescription)")
            for (name, range) in [
                ("accept", request.accept), ("accept-encoding", request.acceptEncoding), ("if-none-match", request.ifNoneMatch),
                ("user-agent", request.userAgent), ("range", request.range), ("if-range", request.ifRange),
            ] {
                let parsed = head.headers[name]
                #expect(parsed.count == (range == nil ? 0 : 1), "\(name) in \(text.debugDescription): \(parsed)")
                if let range { #expect(parsed.first == value(range), "\(name) in \(text.debugDescription): \(parsed)") }
            }
            #expect(head.headers["content-length"].allSatisfy { $0 == "0" } && head.headers["transfer-encoding"].isEmpty, "\(text.debugDescription)")
            #expect(head.isKeepAlive, "\(text.debugDescription)")
        }
        #expect(accepted > 1_000, "only \(accepted) generated heads were plain")
    }
}
