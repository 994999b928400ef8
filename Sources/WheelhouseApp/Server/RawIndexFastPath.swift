import Foundation
import HTTPTypes
import Logging
import NIOCore
import WheelhouseCore
import WheelhouseStorage

/// A plain `GET` request head, read straight from a connection's bytes (`RawIndexFastPath`).
///
/// Only the plainest form of RFC 9112 is taken: `GET`, an origin-form target, `HTTP/1.1`,
/// header lines `name: value` ending in CRLF, printable ASCII only, no body (at most
/// `Content-Length: 0`) and no connection option but `keep-alive`. Anything else is `nil`, and goes to the full HTTP parser, which
/// decides about it (and answers what is malformed): the fast path never accepts a request the
/// full parser would read differently.
struct PlainGetRequest: Equatable {
    /// Ranges in the bytes parsed.
    var target: Range<Int>
    var accept: Range<Int>?
    var acceptEncoding: Range<Int>?
    var ifNoneMatch: Range<Int>?
    var userAgent: Range<Int>?
    var range: Range<Int>?
    var ifRange: Range<Int>?
    /// The length of the head, through its empty line.
    var length: Int

    struct Limits {
        var maxHeaderFieldSize: Int
        var maxHeaderListSize: Int
        var maxHeaderFieldCount: Int
    }

    /// The request at the start of `bytes`, or nil when it is not a complete plain `GET`.
    static func parse(_ bytes: UnsafeRawBufferPointer, limits: Limits) -> PlainGetRequest? {
        let count = min(bytes.count, limits.maxHeaderListSize)
        guard count > 16, bytes[0] == UInt8(ascii: "G"), bytes[1] == UInt8(ascii: "E"), bytes[2] == UInt8(ascii: "T"),
            bytes[3] == UInt8(ascii: " "), bytes[4] == UInt8(ascii: "/")
        else { return nil }
        // The target: visible ASCII up to the space.
        var i = 4
        while i < count, bytes[i] != UInt8(ascii: " ") {
            guard bytes[i] > 0x20, bytes[i] < 0x7F else { return nil }
            i += 1
        }
        let target = 4..<i
        guard matches(bytes, at: i, " HTTP/1.1\r\n", count: count) else { return nil }
        i += 11
        var request = PlainGetRequest(target: target, length: 0)
        var fields = 0
        var sawContentLength = false
        while true {
            guard i + 1 < count else { return nil }
            if bytes[i] == UInt8(ascii: "\r") {
                guard bytes[i + 1] == UInt8(ascii: "\n") else { return nil }
                request.length = i + 2
                return request
            }
            fields += 1
            guard fields <= limits.maxHeaderFieldCount else { return nil }
            let lineStart = i
            // The name: token characters up to the colon.
            while i < count, bytes[i] != UInt8(ascii: ":") {
                guard isTokenCharacter(bytes[i]) else { return nil }
                i += 1
            }
            guard i < count, i > lineStart else { return nil }
            let name = lineStart..<i
            i += 1
            while i < count, bytes[i] == UInt8(ascii: " ") || bytes[i] == UInt8(ascii: "\t") { i += 1 }
            let valueStart = i
            while i < count, bytes[i] != UInt8(ascii: "\r") {
                guard (bytes[i] >= 0x20 && bytes[i] < 0x7F) || bytes[i] == UInt8(ascii: "\t") else { return nil }
                i += 1
            }
            guard i + 1 < count, bytes[i + 1] == UInt8(ascii: "\n"), i - lineStart <= limits.maxHeaderFieldSize else { return nil }
            // Trailing whitespace stays in the value, as NIO's parser leaves it.
            let value = valueStart..<i
            i += 2
            switch name.count {
            case 6 where equalsLowercased(bytes, name, "accept"):
                guard capture(&request.accept, value) else { return nil }
            case 15 where equalsLowercased(bytes, name, "accept-encoding"):
                guard capture(&request.acceptEncoding, value) else { return nil }
            case 13 where equalsLowercased(bytes, name, "if-none-match"):
                guard capture(&request.ifNoneMatch, value) else { return nil }
            case 10 where equalsLowercased(bytes, name, "user-agent"):
                guard capture(&request.userAgent, value) else { return nil }
            case 5 where equalsLowercased(bytes, name, "range"):
                guard capture(&request.range, value) else { return nil }
            case 8 where equalsLowercased(bytes, name, "if-range"):
                guard capture(&request.ifRange, value) else { return nil }
            case 10 where equalsLowercased(bytes, name, "connection"):
                // Keep-alive is HTTP/1.1's default; any other option takes the full route.
                guard value.count == 10, equalsLowercased(bytes, value, "keep-alive") else { return nil }
            case 14 where equalsLowercased(bytes, name, "content-length"):
                // Only an empty body, said once.
                guard !sawContentLength, value.count == 1, bytes[value.lowerBound] == UInt8(ascii: "0") else { return nil }
                sawContentLength = true
            case 17 where equalsLowercased(bytes, name, "transfer-encoding"),
                6 where equalsLowercased(bytes, name, "expect"),
                7 where equalsLowercased(bytes, name, "upgrade"):
                return nil
            default:
                break
            }
        }
    }

    /// Sets a field seen once; false for a second one (which the full parser joins).
    private static func capture(_ slot: inout Range<Int>?, _ value: Range<Int>) -> Bool {
        guard slot == nil else { return false }
        slot = value
        return true
    }

    private static func matches(_ bytes: UnsafeRawBufferPointer, at offset: Int, _ text: StaticString, count: Int) -> Bool {
        text.withUTF8Buffer { expected in
            guard offset + expected.count <= count else { return false }
            for j in 0..<expected.count where bytes[offset + j] != expected[j] { return false }
            return true
        }
    }

    /// `bytes[range]`, ASCII letters lowercased, equals `lowercased`.
    static func equalsLowercased(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, _ lowercased: StaticString) -> Bool {
        lowercased.withUTF8Buffer { expected in
            guard range.count == expected.count else { return false }
            for (j, k) in range.enumerated() {
                var byte = bytes[k]
                if byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") { byte |= 0x20 }
                if byte != expected[j] { return false }
            }
            return true
        }
    }

    /// RFC 9110 §5.6.2 `tchar`.
    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
            UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default: false
        }
    }
}

/// What the handlers of one connection share; all of them run on its event loop.
final class FastPathConnectionState {
    /// Requests handed to the router whose response has not ended (`IndexFastPath` counts them).
    var pending = 0
    /// When the connection last read bytes or ended a response.
    var lastActive = NIODeadline.now()
}

/// The front of every HTTP/1 connection: answers plain `GET`s of index pages in memory from the
/// connection's bytes, before the HTTP parser, and keeps the connection's idle timeout.
///
/// Such a request (`PlainGetRequest`) costs one parse of its head, one page lookup and three
/// writes of shared buffers (the page's pre-built status line and headers, the `Date` and
/// `Server` lines made once a second, the body); it is counted in the request metrics and
/// written to the access log like every other request, and answered exactly as
/// `IndexController` would (conditional requests, gzip, `Vary`). A connection's bytes go to the
/// HTTP parser, unchanged, from the first request this path does not answer on: from then on
/// `IndexFastPath`, after the parser, answers pages in memory, so the parser never sees a
/// stream with a hole in it.
///
/// The idle timeout lives here because only this handler sees every request: a connection that
/// reads nothing and has no response in progress for `idleTimeout` is closed. On a graceful
/// shutdown the quiesce event goes on once what was written here has been sent.
final class RawIndexFastPath: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let pages: IndexFastPathPages?
    let state: FastPathConnectionState
    let limits: PlainGetRequest.Limits
    let idleTimeout: TimeAmount?
    /// Every byte from here on goes to the HTTP parser.
    private var passThrough = false
    /// Bytes went on to the parser since the last read completed.
    private var forwarded = false
    private var idleTask: Scheduled<Void>?
    private var dateSecond = -1
    private var dateTail = ByteBuffer()
    private var acceptMemo: (bytes: [UInt8], format: SimpleFormat?)?
    private var encodingMemo: (bytes: [UInt8], gzip: Bool)?

    init(pages: IndexFastPathPages?, state: FastPathConnectionState, limits: PlainGetRequest.Limits, idleTimeout: TimeAmount?) {
        self.pages = pages
        self.state = state
        self.limits = limits
        self.idleTimeout = idleTimeout
        self.passThrough = pages == nil
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { scheduleIdleCheck(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        state.lastActive = .now()
        scheduleIdleCheck(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        idleTask?.cancel()
        idleTask = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        idleTask?.cancel()
        idleTask = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        state.lastActive = .now()
        guard !passThrough, let pages else {
            forwarded = true
            context.fireChannelRead(data)
            return
        }
        guard state.pending == 0 else {
            // A request sent before the router's answer to the previous one ended (pipelining):
            // answering it here would put it first.
            passThrough = true
            forwarded = true
            context.fireChannelRead(data)
            return
        }
        var buffer = unwrapInboundIn(data)
        var answered = false
        reading: while buffer.readableBytes > 0 {
            let outcome = buffer.withUnsafeReadableBytes { bytes -> ReadOutcome in
                guard let request = PlainGetRequest.parse(bytes, limits: limits) else { return .notPlain }
                return answer(context: context, pages: pages, request: request, bytes: bytes)
                    ? .answered(request.length) : .plainNotInMemory(request.length)
            }
            switch outcome {
            case .answered(let length):
                answered = true
                buffer.moveReaderIndex(forwardBy: length)
            case .plainNotInMemory(let length) where length == buffer.readableBytes:
                // A whole plain GET, and nothing after it: the parser reads it to its end and is
                // left with nothing, so once the router has answered it, the next request can be
                // read here again.
                break reading
            case .plainNotInMemory, .notPlain:
                passThrough = true
                break reading
            }
        }
        if answered { context.flush() }
        if buffer.readableBytes > 0 {
            forwarded = true
            context.fireChannelRead(wrapInboundOut(buffer))
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // The handlers after this one hear of the reads they were given, not of those answered here.
        if forwarded || passThrough {
            forwarded = false
            context.fireChannelReadComplete()
        }
    }

    private enum ReadOutcome {
        case answered(Int)
        case plainNotInMemory(Int)
        case notPlain
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent, !passThrough else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        // No more answers here; the connection state handler closes the connection once it is
        // idle, which it would do at once: so only after what was written here has gone out.
        passThrough = true
        forwardWhenSent(event, context: context)
    }

    /// Passes `event` on once the connection holds no bytes written but not yet sent (checked
    /// every 10 ms), or once it is closed.
    private func forwardWhenSent(_ event: Any, context: ChannelHandlerContext) {
        let buffered = (try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
        guard buffered > 0, context.channel.isActive else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let boxed = NIOLoopBound(event, eventLoop: context.eventLoop)
        context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(10)) {
            let (handler, context) = bound.value
            handler.forwardWhenSent(boxed.value, context: context)
        }
    }

    /// Answers `request` if it is for an index page in memory or a file of a local store listed
    /// in a record in memory; false to leave it to the parser.
    private func answer(context: ChannelHandlerContext, pages: IndexFastPathPages, request: PlainGetRequest, bytes: UnsafeRawBufferPointer) -> Bool {
        let start = NIODeadline.now()
        let target = UnsafeRawBufferPointer(rebasing: bytes[request.target])
        if let files = pages.localFiles, target.starts(with: "/packages/".utf8) {
            return answerFile(context: context, pages: pages, files: files, request: request, bytes: bytes, start: start)
        }
        guard let (page, route) = lookup(pages: pages, target: target, accept: request.accept.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) })
        else { return false }
        let status: Int
        let head: ByteBuffer
        var body: ByteBuffer?
        if let inm = request.ifNoneMatch,
            ConditionalRequest.ifNoneMatchMatches(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[inm]), as: UTF8.self), etag: page.etag)
        {
            status = 304
            head = page.raw.notModified
        } else if let gz = page.gzipped, let gzipHead = page.raw.gzip,
            acceptsGzip(request.acceptEncoding.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) })
        {
            status = 200
            head = gzipHead
            body = gz
        } else {
            status = 200
            head = page.raw.identity
            body = page.body
        }
        context.write(wrapOutboundOut(head), promise: nil)
        context.write(wrapOutboundOut(dateAndServer(pages.serverName)), promise: nil)
        if let body { context.write(wrapOutboundOut(body), promise: nil) }

        let nanos = Int64((NIODeadline.now() - start).nanoseconds)
        pages.metrics.record(route: route, method: .get, status: status, nanoseconds: nanos)
        pages.accessLog?.record(
            time: dateSecond, path: target, status: status, durationNanos: nanos, bytes: body?.readableBytes,
            contentType: page.contentType, userAgent: request.userAgent.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) },
            requestID: FastRequestID.make())
        return true
    }

    /// A file, its `.metadata` (PEP 658), as `DownloadController` answers them (ETag, 304,
    /// one range or 416), the bytes sent by the kernel from the file (sendfile).
    private func answerFile(
        context: ChannelHandlerContext, pages: IndexFastPathPages, files: LocalFiles, request: PlainGetRequest, bytes: UnsafeRawBufferPointer,
        start: NIODeadline
    ) -> Bool {
        let target = UnsafeRawBufferPointer(rebasing: bytes[request.target])
        let rest = UnsafeRawBufferPointer(rebasing: target[10...])  // after "/packages/"
        guard let slash = rest.firstIndex(of: UInt8(ascii: "/")), StorageLayout.isNormalizedProjectName(utf8: UnsafeRawBufferPointer(rebasing: rest[..<slash]))
        else {
            return false
        }
        let nameBytes = UnsafeRawBufferPointer(rebasing: rest[(slash + 1)...])
        // A percent-encoded name (a local version's `+`), a query or a deeper path: the router.
        guard !nameBytes.isEmpty, !nameBytes.contains(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "?") })
        else { return false }
        let project = String(decoding: UnsafeRawBufferPointer(rebasing: rest[..<slash]), as: UTF8.self)
        let filename = String(decoding: nameBytes, as: UTF8.self)
        let key: String
        let etag: String
        let contentType: String
        if let file = pages.cache.cachedFile(project, filename), let fileKey = try? StorageLayout.fileKey(project: project, filename: filename) {
            key = fileKey
            etag = "\"\(file.sha256)\""
            contentType = StoredContentType.of(filename)
        } else if filename.hasSuffix(".metadata"), let file = pages.cache.cachedFile(project, String(filename.dropLast(9))),
            let metadataSHA256 = file.metadataSha256, let metadataKey = try? StorageLayout.metadataKey(project: project, filename: file.filename)
        {
            key = metadataKey
            etag = "\"\(metadataSHA256)\""
            contentType = StoredContentType.metadata
        } else {
            return false
        }
        func text(_ range: Range<Int>?) -> String? { range.map { String(decoding: UnsafeRawBufferPointer(rebasing: bytes[$0]), as: UTF8.self) } }

        var head = context.channel.allocator.buffer(capacity: 320)
        func field(_ name: StaticString, _ value: String) {
            head.writeStaticString(name)
            head.writeString(value)
            head.writeStaticString("\r\n")
        }
        var status = 304
        var body: (fd: CInt, first: Int64, count: Int64)?
        if let inm = text(request.ifNoneMatch), ConditionalRequest.ifNoneMatchMatches(inm, etag: etag) {
            head.writeStaticString("HTTP/1.1 304 Not Modified\r\n")
        } else {
            // Opened here, on the event loop, as a static file server does: a local disk.
            guard let (fd, size) = files.store.openForSending(key) else { return false }
            switch RangeAnswer(size: size, etag: etag, range: text(request.range), ifRange: text(request.ifRange)) {
            case .whole:
                status = 200
                head.writeStaticString("HTTP/1.1 200 OK\r\n")
                field("Content-Length: ", String(size))
                body = (fd, 0, size)
            case .partial(let first, let last):
                status = 206
                head.writeStaticString("HTTP/1.1 206 Partial Content\r\n")
                field("Content-Range: ", "bytes \(first)-\(last)/\(size)")
                field("Content-Length: ", String(last - first + 1))
                body = (fd, first, last - first + 1)
            case .unsatisfiable:
                close(fd)
                status = 416
                head.writeStaticString("HTTP/1.1 416 Range Not Satisfiable\r\n")
                field("Content-Range: ", "bytes */\(size)")
                field("Content-Length: ", "0")
            }
        }
        field("ETag: ", etag)
        field("Accept-Ranges: ", "bytes")
        field("Content-Type: ", contentType)
        // A published file never changes (DESIGN.md §2), so caches may keep it forever.
        field("Cache-Control: ", "public, max-age=31536000, immutable")
        context.write(wrapOutboundOut(head), promise: nil)
        context.write(wrapOutboundOut(dateAndServer(pages.serverName)), promise: nil)
        if let body {
            let handle = NIOFileHandle(_deprecatedTakingOwnershipOfDescriptor: body.fd)
            let region = FileRegion(fileHandle: handle, readerIndex: Int(body.first), endIndex: Int(body.first + body.count))
            let sent = context.eventLoop.makePromise(of: Void.self)
            context.write(NIOAny(IOData.fileRegion(region)), promise: sent)
            sent.futureResult.whenComplete { _ in try? handle.close() }
            files.metrics.addDownloaded(bytes: body.count)
        }

        let nanos = Int64((NIODeadline.now() - start).nanoseconds)
        pages.metrics.record(route: IndexFastPathPages.fileRoute, method: .get, status: status, nanoseconds: nanos)
        pages.accessLog?.record(
            time: dateSecond, path: target, status: status, durationNanos: nanos, bytes: body.map { Int($0.count) } ?? (status == 416 ? 0 : nil),
            contentType: contentType, userAgent: request.userAgent.map { UnsafeRawBufferPointer(rebasing: bytes[$0]) },
            requestID: FastRequestID.make())
        return true
    }

    /// The page for `GET /simple/` or `GET /simple/{normalized}/` when it is in memory.
    private func lookup(pages: IndexFastPathPages, target: UnsafeRawBufferPointer, accept: UnsafeRawBufferPointer?) -> (RenderedPage, String)? {
        let prefix = 8  // "/simple/"
        guard target.count >= prefix, target.last == UInt8(ascii: "/"), target.starts(with: "/simple/".utf8) else { return nil }
        guard let format = negotiate(accept) else { return nil }
        if target.count == prefix {
            return pages.cache.cachedRootPage(format: format).map { ($0, IndexFastPathPages.rootRoute) }
        }
        let nameBytes = UnsafeRawBufferPointer(rebasing: target[prefix..<(target.count - 1)])
        // Only the canonical name; any other spelling is redirected by the full route.
        guard StorageLayout.isNormalizedProjectName(utf8: nameBytes) else { return nil }
        let name = String(decoding: nameBytes, as: UTF8.self)
        return pages.cache.cachedProjectPage(name, format: format).map { ($0, IndexFastPathPages.projectRoute) }
    }

    /// `SimpleFormat.negotiate`, remembered for the last `Accept` of the connection (clients
    /// send the same one on every request).
    private func negotiate(_ accept: UnsafeRawBufferPointer?) -> SimpleFormat? {
        guard let accept else { return SimpleFormat.negotiate(accept: nil, formatOverride: nil) }
        if let memo = acceptMemo, memo.bytes.elementsEqual(accept) { return memo.format }
        let format = SimpleFormat.negotiate(accept: String(decoding: accept, as: UTF8.self), formatOverride: nil)
        acceptMemo = (Array(accept), format)
        return format
    }

    private func acceptsGzip(_ header: UnsafeRawBufferPointer?) -> Bool {
        guard let header else { return false }
        if let memo = encodingMemo, memo.bytes.elementsEqual(header) { return memo.gzip }
        let gzip = IndexController.acceptsGzip(String(decoding: header, as: UTF8.self))
        encodingMemo = (Array(header), gzip)
        return gzip
    }

    /// `Date` (RFC 9110 §5.6.7 IMF-fixdate) and `Server`, and the head's empty line: made once
    /// a second per connection.
    private func dateAndServer(_ serverName: String?) -> ByteBuffer {
        let now = time(nil)
        if now != dateSecond {
            dateSecond = now
            var buffer = ByteBuffer()
            buffer.writeStaticString("Date: ")
            buffer.writeString(HTTPDate.imfFixdate(now))
            if let serverName {
                buffer.writeStaticString("\r\nServer: ")
                buffer.writeString(serverName)
            }
            buffer.writeStaticString("\r\n\r\n")
            dateTail = buffer
        }
        return dateTail
    }

    private func scheduleIdleCheck(context: ChannelHandlerContext) {
        guard let idleTimeout, idleTask == nil else { return }
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        idleTask = context.eventLoop.assumeIsolated().scheduleTask(deadline: state.lastActive + idleTimeout) { [self] in
            idleTask = nil
            let context = bound.value
            guard context.channel.isActive else { return }
            // A response in progress (the router's) keeps the connection; so does recent input.
            if state.pending == 0, NIODeadline.now() >= state.lastActive + idleTimeout {
                context.close(promise: nil)
            } else {
                if state.pending > 0 { state.lastActive = .now() }
                scheduleIdleCheck(context: context)
            }
        }
    }
}

/// The pre-built status lines and headers of a page, without `Date` and `Server` and the
/// empty line (`RawIndexFastPath` adds them): what `IndexController` would send.
struct RawPageHeads: Sendable {
    let identity: ByteBuffer
    let gzip: ByteBuffer?
    let notModified: ByteBuffer

    init(identity: HTTPFields, gzip: HTTPFields?, notModified: HTTPFields) {
        self.identity = Self.head("HTTP/1.1 200 OK\r\n", identity)
        self.gzip = gzip.map { Self.head("HTTP/1.1 200 OK\r\n", $0) }
        self.notModified = Self.head("HTTP/1.1 304 Not Modified\r\n", notModified)
    }

    private static func head(_ statusLine: StaticString, _ fields: HTTPFields) -> ByteBuffer {
        var bytes: [UInt8] = []
        statusLine.withUTF8Buffer { bytes.append(contentsOf: $0) }
        for field in fields {
            bytes.append(contentsOf: field.name.rawName.utf8)
            bytes.append(contentsOf: ": ".utf8)
            bytes.append(contentsOf: field.value.utf8)
            bytes.append(contentsOf: "\r\n".utf8)
        }
        // Exactly as large as the bytes: a store of 10,000 projects keeps 30,000 of these.
        return ByteBuffer(bytes: bytes)
    }
}
