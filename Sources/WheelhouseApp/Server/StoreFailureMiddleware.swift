import Hummingbird
import Logging
import WheelhouseAWS
import WheelhouseCore
import WheelhouseStorage

/// Turns failures of the store (after the S3 client's retries) into `503 Service Unavailable`
/// with `Retry-After`, instead of a bare 500. Clients (pip, twine) print the status line; the
/// cause goes to the log only: it may name server paths, bucket keys or request ids.
struct StoreFailureMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            throw error
        } catch is StorageLayoutError {
            // A name from the URL that can be no key of the store (`..`, `a/b`, upper case, 8 KiB):
            // nothing can be there.
            throw HTTPError(.notFound, message: "No such project or file in this index.")
        } catch let error where Self.isStoreFailure(error) {
            context.logger.error("store unavailable", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            throw HTTPError(
                .serviceUnavailable, headers: [.retryAfter: "5"],
                message: "The store is unavailable, nothing was changed; try again.")
        }
    }

    /// Failures of the store or of the AWS layer under it (a client that went away mid-request
    /// is not one of them).
    static func isStoreFailure(_ error: any Error) -> Bool {
        error is BlobStoreError || error is AWSClientError || error is AWSConfigurationError || error is CredentialSourceError
    }
}
