import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTPTypes
import WheelhouseCore
import WheelhouseStorage
import Logging

/// The files of a local store (`FileSystemBlobStore`), for downloads answered on the event loop.
struct LocalFiles: Sendable {
    let store: FileSystemBlobStore
    let metrics: ServerMetrics
}

/// What the index fast path answers from, shared by every connection.
struct IndexFastPathPages: Sendable {
    let cache: IndexCache
    let metrics: RequestMetrics
    let accessLog: AccessLog?
    let serverName: String?
    /// Set for a local store read without a token: its files are answered by `RawIndexFastPath`.
    var localFiles: LocalFiles? = nil

    /// Route labels, as Hummingbird names the routes in `IndexController` and `DownloadController`.
    static let rootRoute = "/simple"
    static let projectRoute = "/simple/{project}"
    static let fileRoute = "/packages/{project}/{filename}"

    /// The page for a plain `GET /simple/` or `GET /simple/{normalized}/` when it is in memory;
    /// nil for anything else, which then takes the full route (`IndexController`).
    func page(for request: HTTPRequest) -> (page: RenderedPage, route: String)? {
        guard request.method == .get, let path = request.path else { return nil }
        let fields = request.headerFields
        // A request with a body, a connection option, or a query (`?format=`): the full route.
        if fields[.contentLength].map({ $0 != "0" }) ?? false || fields[.transferEncoding] != nil || fields[.connection] != nil {
            return nil
        }
        var utf8 = Substring(path).utf8
        guard utf8.starts(with: "/simple/".utf8), utf8.last == UInt8(ascii: "/") else { return nil }
        utf8 = utf8.dropFirst(8).dropLast()
        if utf8.contains(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "/") }) { return nil }
        guard let format = SimpleFormat.negotiate(accept: fields[.accept], formatOverride: nil) else { return nil }
        if utf8.isEmpty {
            return cache.cachedRootPage(format: format).map { ($0, Self.rootRoute) }
        }
        let name = String(Substring(utf8))
        // Only the canonical name; any other spelling is redirected by the full route.
        guard StorageLayout.isNormalizedProjectName(name), ProjectName.normalize(name) == name else { return nil }
        return cache.cachedProjectPage(name, format: format).map { ($0, Self.projectRoute) }
    }
}

/// Answers `GET` of index pages already in memory straight from the event loop, before the
/// request enters Hummingbird's async handling: one lookup, one write of the pre-built
/// headers and shared body, with the same answer the full route gives (`IndexController.respond`:
/// conditional requests, gzip, `Vary`, `Date` and `Server`), counted in the request metrics and
/// written to the access log like every other request. Anything else — a page not yet
/// rendered, a non-canonical name, a query, a body, reads that need a token, a mirror, or a
/// connection with a request still being answered the long way (pipelining keeps responses in
/// order) — goes on to the router untouched.
///
/// Installed after Hummingbird's connection-state handler, so its idle timeout and graceful
/// shutdown see these requests as any others.
final class IndexFastPath: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// Nil: nothing is answered here; requests are only counted (`state.pending`).
    let pages: IndexFastPathPages?
    /// Shared with the connection's `RawIndexFastPath`: requests handed to the router whose
    /// response has not ended yet, and when the connection was last active.
    let state: FastPathConnectionState
    /// The request answered here has not ended: its remaining parts are dropped.
    private var dropping = false
    private var dateSecond = -1
    private var dateText = ""

    init(pages: IndexFastPathPages?, state: FastPathConnectionState) {
        self.pages = pages
        self.state = state
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request):
            if state.pending == 0, !dropping, let pages, let (page, route) = pages.page(for: request) {
                dropping = true
                answer(context: context, pages: pages, request: request, page: page, route: route)
                return
            }
            state.pending += 1
        case .body, .end:
            if dropping {
                if case .end = unwrapInboundIn(data) { dropping = false }
                return
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), state.pending > 0 {
            state.pending -= 1
            state.lastActive = .now()
        }
        context.write(data, promise: promise)
    }

    private func answer(context: ChannelHandlerContext, pages: IndexFastPathPages, request: HTTPRequest, page: RenderedPage, route: String) {
        let start = ContinuousClock.now
        let status: HTTPResponse.Status
        var fields: HTTPFields
        var body: ByteBuffer?
        if let inm = request.headerFields[.ifNoneMatch], ConditionalRequest.ifNoneMatchMatches(inm, etag: page.etag) {
            status = .notModified
            fields = page.headers
        } else if let gz = page.gzipped, let gzipHeaders = page.gzipHeaders,
            IndexController.acceptsGzip(request.headerFields[.acceptEncoding])
        {
            status = .ok
            fields = gzipHeaders
            body = gz
        } else {
            status = .ok
            fields = page.identityHeaders
            body = page.body
        }
        fields[.date] = date()
        if let serverName = pages.serverName { fields[.server] = serverName }
        context.write(wrapOutboundOut(.head(HTTPResponse(status: status, headerFields: fields))), promise: nil)
        if let body { context.write(wrapOutboundOut(.body(body)), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)

        let elapsed = ContinuousClock.now - start
        let nanos = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        pages.metrics.record(route: route, method: .get, status: status.code, nanoseconds: nanos)
        pages.accessLog?.record(
            AccessLog.Entry(
                time: dateSecond, method: "GET", path: request.path ?? "", status: status.code, durationNanos: nanos,
                bytes: fields[.contentLength], contentType: fields[.contentType], userAgent: request.headerFields[.userAgent],
                requestID: .stringConvertible(RequestID())))
    }

    /// The `Date` header (RFC 9110 §5.6.7 IMF-fixdate), formatted once a second per connection.
    private func date() -> String {
        let now = time(nil)
        if now != dateSecond {
            dateSecond = now
            dateText = HTTPDate.imfFixdate(now)
        }
        return dateText
    }
}

/// RFC 9110 §5.6.7 dates.
enum HTTPDate {
    /// `Sun, 06 Nov 1994 08:49:37 GMT` for `seconds` since the epoch.
    static func imfFixdate(_ seconds: Int) -> String {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        var buffer = [CChar](repeating: 0, count: 40)
        let count = strftime(&buffer, buffer.count, "%a, %d %b %Y %H:%M:%S GMT", &parts)
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
