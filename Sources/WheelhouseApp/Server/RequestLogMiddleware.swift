import Foundation
import Hummingbird
import Logging

/// Hands one record per request (method, path, status, duration, bytes, content type, user
/// agent) to the `AccessLog`, which formats and writes it off the request path. Errors thrown
/// past the error boundary are recorded with their status. (Request metrics: `RequestMetricsMiddleware`.)
/// The request id is handed over as is and only described on the log's thread.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = WheelhouseRequestContext
    let log: AccessLog

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(
                request, context, status: response.status.code, start: start,
                length: response.headers[.contentLength], contentType: response.headers[.contentType])
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            record(request, context, status: status, start: start, length: nil, contentType: nil)
            throw error
        }
    }

    func record(
        _ request: Request, _ context: Context, status: Int, start: ContinuousClock.Instant,
        length: String?, contentType: String?
    ) {
        let elapsed = ContinuousClock.now - start
        log.record(
            AccessLog.Entry(
                time: time(nil), method: request.method.rawValue, path: request.uri.path, status: status,
                durationNanos: elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000,
                bytes: length, contentType: contentType, userAgent: request.headers[.userAgent], requestID: context.logger[metadataKey: "hb.request.id"]))
    }
}
