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
        lingerAfterEarlyAnswer: Duration = .seconds(1)
    ) {
        self.maxHeaderFieldSize = maxHeaderFieldSize
        self.maxHeaderListSize = maxHeaderListSize
        self.maxHeaderFieldCount = maxHeaderFieldCount
        self.idleTimeout = idleTimeout
        self.lingerAfterEarlyAnswer = lingerAfterEarlyAnswer
    }
}

/// Closes a connection fully after a response that says `Connection: close`.
///
/// Hummingbird answers a request it cannot parse (a header past the limits) with `400` and
/// `Connection: close`, then only half-closes the socket and waits for the client to close
/// its side: a client that never does held a file descriptor for good. Wheelhouse's own early
/// answers (a refused upload whose body was not read) say `Connection: close` too. After such a
/// response is written this handler shuts the output, discards whatever the client still sends,
/// and closes the connection when the client closes or after `linger`, whichever is first.
///
/// It also turns the parser's `400` for oversized headers into `431 Request Header Fields Too
/// Large` (RFC 6585 §5).
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let linger: TimeAmount
    /// The response being written says `Connection: close`.
    private var closeAfterResponse = false
    /// The response has been written: the rest of the input is discarded.
    private var draining = false
    private var headerOverflow = false
    /// The current request's `.end` has been read.
    private var requestEnded = false

    init(linger: Duration) {
        self.linger = TimeAmount(linger)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !draining else { return }
        switch unwrapInboundIn(data) {
        case .head: requestEnded = false
        case .end: requestEnded = true
        case .body: break
        }
        context.fireChannelRead(data)
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

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where head.status.code >= 200:
            closeAfterResponse = head.headerFields[.connection]?.lowercased() == "close"
            if headerOverflow, head.status == .badRequest {
                head.status = .init(code: 431, reasonPhrase: "Request Header Fields Too Large")
                context.write(wrapOutboundOut(.head(head)), promise: promise)
                return
            }
            context.write(data, promise: promise)
        case .end where closeAfterResponse:
            closeAfterResponse = false
            draining = true
            let written = context.eventLoop.makePromise(of: Void.self)
            if let promise { written.futureResult.cascade(to: promise) }
            context.writeAndFlush(data, promise: written)
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
            if !requestEnded {
                requestEnded = true
                context.fireChannelRead(wrapInboundOut(.end(nil)))
            }
        default:
            context.write(data, promise: promise)
        }
    }
}
