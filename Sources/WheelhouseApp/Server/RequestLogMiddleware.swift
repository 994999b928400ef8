import Foundation
import Hummingbird
import Logging

/// One structured log line per request (method, path, status, duration, bytes). Errors thrown
/// by handlers are logged with their status. (Request metrics: `MetricsMiddleware`.)
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = WheelhouseRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            log(
                request, context, status: response.status.code, start: start,
                length: response.headers[.contentLength], contentType: response.headers[.contentType])
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            log(request, context, status: status, start: start, length: nil, contentType: nil)
            throw error
        }
    }

    func log(
        _ request: Request, _ context: Context, status: Int, start: ContinuousClock.Instant,
        length: String?, contentType: String?
    ) {
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        context.logger.info(
            "request",
            metadata: [
                "method": "\(request.method.rawValue)",
                "path": "\(request.uri.path)",
                "status": "\(status)",
                "duration_ms": "\(String(format: "%.2f", seconds * 1000))",
                "bytes": "\(length ?? "-")",
                "content_type": "\(contentType ?? "-")",
                "user_agent": "\(request.headers[.userAgent] ?? "-")",
            ])
    }
}
