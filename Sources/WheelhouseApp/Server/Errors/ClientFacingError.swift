public import HTTPTypes
public import Hummingbird
import NIOCore

/// An error that is an answer to the client: a status, a stable message written for the person
/// who ran pip, twine or curl, and the headers that go with it. Every domain error the HTTP
/// layer can meet conforms (the files of this folder); `ErrorBoundaryMiddleware` is the one
/// place where errors become responses.
///
/// The message never carries server paths, bucket keys or request ids: those are in the cause,
/// which is logged, not sent.
public protocol ClientFacingError: HTTPResponseError {
    /// What the client is told, on the status line (twine prints it) and in the body.
    var clientMessage: String { get }
    /// Headers beside the message (`Retry-After`, `WWW-Authenticate`).
    var clientHeaders: HTTPFields { get }
    /// The answer comes before the request body was read: the connection closes after it
    /// (`ConnectionGuard`) rather than read a body nobody wants.
    var closesConnection: Bool { get }
}

extension ClientFacingError {
    public var clientHeaders: HTTPFields { [:] }
    public var closesConnection: Bool { false }

    /// `text/plain` with the message as body and as reason phrase.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Self.response(status: status, message: clientMessage, headers: clientHeaders, closesConnection: closesConnection)
    }

    static func response(status: HTTPResponse.Status, message: String, headers extra: HTTPFields, closesConnection: Bool)
        -> Response
    {
        let reason = ReasonPhrase.sanitized(message)
        var headers: HTTPFields = [.contentType: "text/plain; charset=utf-8"]
        if !reason.isEmpty { headers[ReasonPhrase.field] = reason }
        headers.append(contentsOf: extra)
        if closesConnection { headers[.connection] = "close" }
        return Response(
            status: HTTPResponse.Status(code: status.code, reasonPhrase: reason.isEmpty ? status.reasonPhrase : reason),
            headers: headers, body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
    }
}

/// A refusal with no richer type behind it: a status and a message.
struct Refusal: ClientFacingError {
    var status: HTTPResponse.Status
    var clientMessage: String
    var clientHeaders: HTTPFields = [:]
    var closesConnection = false

    static func notFound(_ message: String) -> Refusal { Refusal(status: .notFound, clientMessage: message) }
}

extension HTTPResponseError {
    /// The same answer, closing the connection after it.
    func closingConnection(from request: Request, context: some RequestContext) throws -> Response {
        var response = try self.response(from: request, context: context)
        response.headers[.connection] = "close"
        return response
    }
}
