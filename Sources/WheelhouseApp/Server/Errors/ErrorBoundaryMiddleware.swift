import HTTPTypes
import Hummingbird
import Logging
import NIOHTTP1
import WheelhouseAWS
import WheelhouseCore
import WheelhouseStorage

/// The one place where errors become responses.
///
/// - A `ClientFacingError` (every domain error of this folder) answers with its status and
///   stable message; a 5xx one is logged with its cause.
/// - Hummingbird's own `HTTPError` (an unknown route, a method not allowed) answers in the same
///   `text/plain` form.
/// - Failures of the store or the AWS layer under it, after the clients' retries: `503` with
///   `Retry-After`, "nothing was changed".
/// - Anything else is a defect: `500` with a fixed message, the error in the log.
struct ErrorBoundaryMiddleware: RouterMiddleware {
    typealias Context = WheelhouseRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return try Self.response(for: error, request: request, context: context)
        }
    }

    static func response(for error: any Error, request: Request, context: Context) throws -> Response {
        switch error {
        case let error as any ClientFacingError:
            if error.status.code >= 500 {
                context.logger.error(
                    "request failed", metadata: ["path": "\(request.uri.path)", "status": "\(error.status.code)", "error": "\(error)"])
            }
            return try error.response(from: request, context: context)
        case let error as HTTPError:
            return try Refusal(status: error.status, clientMessage: error.body ?? error.status.reasonPhrase, clientHeaders: error.headers)
                .response(from: request, context: context)
        case is CancellationError:
            throw error
        case is HTTPParserError:
            // The client sent a malformed request or went away in the middle of its body.
            return try Refusal(status: .badRequest, clientMessage: "The request is malformed or ended before its end.", closesConnection: true)
                .response(from: request, context: context)
        case let error where isStoreFailure(error):
            return try StoreUnavailable(cause: error).logged(request: request, context: context)
        default:
            context.logger.error("request failed: unexpected error", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return try Refusal(status: .internalServerError, clientMessage: "Internal server error; the cause is in the server's log.")
                .response(from: request, context: context)
        }
    }

    /// Failures of the AWS layer that reached the HTTP layer (the store's own are
    /// `BlobStoreError`, which is a `ClientFacingError`).
    static func isStoreFailure(_ error: any Error) -> Bool {
        error is AWSClientError || error is AWSConfigurationError || error is CredentialSourceError
    }
}

/// The store failed after the client's retries: the same request may simply be sent again.
struct StoreUnavailable: ClientFacingError {
    var cause: any Error
    var status: HTTPResponse.Status { .serviceUnavailable }
    var clientMessage: String { "The store is unavailable, nothing was changed; try again." }
    var clientHeaders: HTTPFields { [.retryAfter: "5"] }

    func logged(request: Request, context: some RequestContext) throws -> Response {
        context.logger.error("store unavailable", metadata: ["path": "\(request.uri.path)", "error": "\(cause)"])
        return try response(from: request, context: context)
    }
}
