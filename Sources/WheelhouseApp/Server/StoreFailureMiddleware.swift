import Hummingbird
import Logging

/// Turns failures that are not HTTP answers of their own, i.e. the store failing after the S3
/// client's retries, into `503 Service Unavailable` with `Retry-After`, instead of a bare 500.
/// Clients (pip, twine) print the status line; the reason goes to the log and the body.
struct StoreFailureMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            context.logger.error("store unavailable", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            throw HTTPError(
                .serviceUnavailable, headers: [.retryAfter: "5"],
                message: "The store is unavailable, nothing was changed; try again. (\(error))")
        }
    }
}
