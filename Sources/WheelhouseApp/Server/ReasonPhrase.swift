import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// A reason phrase on the status line, as PyPI sends one: twine prints the status line of a
/// failed upload (`400 Invalid distribution file ...`) and the body only with `--verbose`.
///
/// NIO's HTTP/1 encoder writes the standard phrase for every known code
/// (`HTTPResponseStatus(statusCode:reasonPhrase:)` drops the given phrase), so a response carries
/// its phrase in `ReasonPhrase.field` and `ReasonPhraseHandler`, between NIO's encoder and
/// the HTTP types codec, moves it onto the status line.
enum ReasonPhrase {
    static let field = HTTPField.Name("X-Wheelhouse-Reason-Phrase")!

    /// The phrase as the status line may carry it: visible ASCII and spaces, at most 300 characters.
    static func sanitized(_ message: String) -> String {
        String(message.unicodeScalars.filter { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F }.prefix(300).map(Character.init))
    }
}

/// Replaces the status of a response head that carries `ReasonPhrase.field` with a custom one of
/// the same code and that phrase, and removes the field.
final class ReasonPhraseHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let part = unwrapOutboundIn(data)
        guard case .head(var head) = part, let phrase = head.headers.first(name: ReasonPhrase.field.rawName) else {
            context.write(data, promise: promise)
            return
        }
        head.headers.remove(name: ReasonPhrase.field.rawName)
        head.status = .custom(code: head.status.code, reasonPhrase: phrase)
        context.write(wrapOutboundOut(.head(head)), promise: promise)
    }
}

/// Hummingbird adds its extra handlers after the HTTP types codec; this one puts a
/// `ReasonPhraseHandler` before the codec when it is added, and otherwise passes reads on.
final class ReasonPhraseInstaller: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    func handlerAdded(context: ChannelHandlerContext) {
        let pipeline = context.pipeline.syncOperations
        if let codec = try? pipeline.handler(type: HTTP1ToHTTPServerCodec.self) {
            try? pipeline.addHandler(ReasonPhraseHandler(), position: .before(codec))
        }
    }
}
