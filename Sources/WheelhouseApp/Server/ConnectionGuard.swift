import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// The limits of one HTTP connection (README "Limits"): headers, the idle / header-read timeout,
/// and how long a connection answered early may linger.
public struct ConnectionLimits: Sendable {
    /// Largest single header line, in bytes (larger: 431).
    public var maxHeaderFieldSize: Int
    /// Largest header section, in bytes (larger: 431).
    public var maxHeaderListSize: Int
    /// Most header fields in one request (more: 431).
    public var maxHeaderFieldCount: Int
    /// A connection that sends nothing this long (no header, no body bytes, no next request)
    /// is closed; this is also the header-read timeout.
    public var idleTimeout: Duration
    /// A request whose body stops arriving for this long is answered `408 Request Timeout` and
    /// its connection closed. Shorter than `idleTimeout` (which would close it silently first).
    public var requestTimeout: Duration
    /// After an answer given before the request was read to its end (a refused upload, a
    /// malformed request), the connection is closed once the client closes its side, or after
    /// this long. Meanwhile what the client still sends is read and discarded, so that it
    /// receives the answer instead of a reset.
    public var lingerAfterEarlyAnswer: Duration

    public init(
        maxHeaderFieldSize: Int = 16 << 10,
        maxHeaderListSize: Int = 64 << 10,
        maxHeaderFieldCount: Int = 100,
        idleTimeout: Duration = .seconds(30),
        requestTimeout: Duration = .seconds(20),
        lingerAfterEarlyAnswer: Duration = .seconds(1)
    ) {
        self.maxHeaderFieldSize = maxHeaderFieldSize
        self.maxHeaderListSize = maxHeaderListSize
        self.maxHeaderFieldCount = maxHeaderFieldCount
        self.idleTimeout = idleTimeout
        self.requestTimeout = min(requestTimeout, idleTimeout * 0.9)
        self.lingerAfterEarlyAnswer = lingerAfterEarlyAnswer
    }
}

/// Guards one HTTP/1 connection, between the HTTP codec and Hummingbird's request handling.
///
/// - **Full close after early answers.** Hummingbird answers a request it cannot parse (a
///   header past the limits) with `400` and `Connection: close`, then only half-closes the socket
///   and waits for the client to close its side: a client that never does held a file descriptor
///   for good. Wheelhouse's own early answers (a refused upload whose body was not read) say
///   `Connection: close` too. After such a response is written this handler shuts the output,
///   discards whatever the client still sends, and closes the connection when the client closes
///   or after `linger`, whichever is first.
/// - **431** for the parser's `400` on oversized headers (RFC 6585 §5).
/// - **408** for a body that stops arriving: when no part of a request's body has been read for
///   `requestTimeout`, the connection answers `408 Request Timeout` itself, tells the
///   application the body ended (so its read fails and it lets go of the request), drops the
///   application's own answer, and closes as after any early answer.
/// - **100 Continue** on request (`SendContinue`), for a request that said `Expect:
///   100-continue` and whose response has not started (RFC 9110 §10.1.1).
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// The outbound user event a handler triggers to have `100 Continue` sent.
    struct SendContinue: Sendable {}

    let linger: TimeAmount
    let requestTimeout: TimeAmount
    /// The response being written says `Connection: close`.
    private var closeAfterResponse = false
    /// The response has been written: the rest of the input is discarded.
    private var draining = false
    private var headerOverflow = false
    /// A request's head has been read and its `.end` not yet.
    private var readingRequest = false
    /// The current request's response head has been written (or a 100 Continue).
    private var responseStarted = false
    private var continueSent = false
    /// The connection answered 408 itself: the application's answer is dropped up to its end.
    private var droppingResponse = false
    private var lastRead = NIODeadline.now()
    private var bodyTimer: Scheduled<Void>?

    init(linger: Duration, requestTimeout: Duration) {
        self.linger = TimeAmount(linger)
        self.requestTimeout = TimeAmount(requestTimeout)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        bodyTimer?.cancel()
        bodyTimer = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        bodyTimer?.cancel()
        bodyTimer = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !draining else { return }
        lastRead = .now()
        switch unwrapInboundIn(data) {
        case .head:
            // The body timer starts at the end of this read (`channelReadComplete`) if the
            // request has not ended by then: a request without a body costs no timer.
            readingRequest = true
            responseStarted = false
            continueSent = false
        case .end:
            readingRequest = false
            bodyTimer?.cancel()
            bodyTimer = nil
        case .body: break
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if readingRequest, !draining, bodyTimer == nil {
            scheduleBodyTimer(context: context, deadline: lastRead + requestTimeout)
        }
        context.fireChannelReadComplete()
    }

    private func scheduleBodyTimer(context: ChannelHandlerContext, deadline: NIODeadline) {
        bodyTimer?.cancel()
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        bodyTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            bodyTimerFired(context: bound.value)
        }
    }

    private func bodyTimerFired(context: ChannelHandlerContext) {
        bodyTimer = nil
        guard readingRequest, !draining else { return }
        let due = lastRead + requestTimeout
        guard due <= .now() else {
            scheduleBodyTimer(context: context, deadline: due)
            return
        }
        guard !responseStarted else {
            // The application is already answering without the body; nothing else can be said.
            context.close(promise: nil)
            return
        }
        let message = "The request body stopped arriving for \(requestTimeout.nanoseconds / 1_000_000_000) s.\n"
        var head = HTTPResponse(status: .requestTimeout)
        head.headerFields = [
            .contentType: "text/plain; charset=utf-8", .connection: "close",
            .contentLength: String(message.utf8.count),
        ]
        droppingResponse = true
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(ByteBuffer(string: message))), promise: nil)
        endAndDrain(context: context, end: wrapOutboundOut(.end(nil)), promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let parserError = error as? HTTPParserError, parserError == .headerOverflow { headerOverflow = true }
        context.fireErrorCaught(error)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if draining, let event = event as? ChannelEvent, event == .inputClosed {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard event is SendContinue else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        if readingRequest, !responseStarted, !continueSent, !draining {
            continueSent = true
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: promise)
        } else {
            promise?.succeed()
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let part = unwrapOutboundIn(data)
        if droppingResponse {
            if case .end = part { droppingResponse = false }
            promise?.succeed()
            return
        }
        switch part {
        case .head(var head) where head.status.code >= 200:
            responseStarted = true
            closeAfterResponse = head.headerFields[.connection]?.lowercased() == "close"
            if headerOverflow, head.status == .badRequest {
                head.status = .init(code: 431, reasonPhrase: "Request Header Fields Too Large")
                context.write(wrapOutboundOut(.head(head)), promise: promise)
                return
            }
            context.write(data, promise: promise)
        case .end where closeAfterResponse:
            closeAfterResponse = false
            endAndDrain(context: context, end: data, promise: promise)
        default:
            context.write(data, promise: promise)
        }
    }

    /// Writes the response's end, then shuts the output, discards the rest of the input and
    /// closes after `linger`.
    private func endAndDrain(context: ChannelHandlerContext, end: NIOAny, promise: EventLoopPromise<Void>?) {
        draining = true
        bodyTimer?.cancel()
        bodyTimer = nil
        let written = context.eventLoop.makePromise(of: Void.self)
        if let promise { written.futureResult.cascade(to: promise) }
        context.writeAndFlush(end, promise: written)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let linger = self.linger
        written.futureResult.whenComplete { _ in
            let context = bound.value
            context.close(mode: .output, promise: nil)
            context.eventLoop.assumeIsolated().scheduleTask(in: linger) {
                context.close(promise: nil)
            }
        }
        // The handlers after this one see the request end, so the application stops
        // waiting for a body that will not be read.
        if readingRequest {
            readingRequest = false
            context.fireChannelRead(wrapInboundOut(.end(nil)))
        }
    }
}
