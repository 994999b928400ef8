public import Hummingbird
import NIOCore

/// The request context of every Wheelhouse route: Hummingbird's basic context plus the
/// connection's channel, through which a handler can ask the connection for an interim
/// `100 Continue` once it has decided to read the body (`ConnectionGuard`).
public struct WheelhouseRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let channel: (any Channel)?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }

    /// Sends `100 Continue` if the client asked for it (`Expect: 100-continue`, RFC 9110
    /// §10.1.1) and it has not been sent yet. Call it after the request is authorized and
    /// accepted, just before reading the body: a client refused earlier never sends the body.
    func sendContinueIfExpected(_ request: Request) {
        guard let expect = request.headers[.expect], expect.lowercased() == "100-continue" else { return }
        channel?.triggerUserOutboundEvent(ConnectionGuard.SendContinue(), promise: nil)
    }
}
