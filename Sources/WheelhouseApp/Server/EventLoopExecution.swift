import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// Runs each connection's request handling on the connection's own event loop.
///
/// Hummingbird handles a connection in a task on Swift's global executor, so every request
/// crosses threads twice: the event loop parses it and hands it to a pool thread, which
/// answers and hands the response back. For a page answered from memory those hops (two
/// context switches and a semaphore) cost more than the answer itself. Here the connection's
/// task prefers the event loop as its executor (SE-0417), so parsing, routing, the handler and
/// the write happen on one thread. Work that must not hold an event loop leaves it: store I/O
/// runs on the store's thread pool, background revalidation in unstructured tasks (which do
/// not inherit the preference), and requests with a body (uploads: hashing and unpacking) on
/// the global executor (`OffLoopMiddleware`).
///
/// With `fastPath`, each connection also gets an `IndexFastPath`, which answers index pages
/// already in memory before the request reaches the async handling at all.
struct EventLoopHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value
    /// Built without an idle timeout: `RawIndexFastPath` keeps it.
    let inner: HTTP1Channel
    var fastPath: IndexFastPathPages? = nil
    let idleTimeout: TimeAmount?
    let limits: PlainGetRequest.Limits

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let operations = channel.pipeline.syncOperations
            let shared = FastPathConnectionState()
            // Before the HTTP parser: plain GETs of pages in memory, and the idle timeout.
            try operations.addHandler(
                RawIndexFastPath(pages: fastPath, state: shared, limits: limits, idleTimeout: idleTimeout), position: .first)
            // After the connection-state handler, so that its quiescing counts the requests
            // answered there too.
            let state = try operations.handler(type: HTTPConnectionStateHandler.self)
            try operations.addHandler(IndexFastPath(pages: fastPath, state: shared), position: .after(state))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopTaskExecutor(value.channel.eventLoop)) {
            await inner.handle(value: value, logger: logger)
        }
    }
}

extension HTTPServerBuilder {
    /// `http1(configuration:)` with each connection handled on its event loop (`EventLoopHTTP1Channel`),
    /// and the idle timeout kept by `RawIndexFastPath`.
    static func http1OnEventLoop(configuration: HTTP1Channel.Configuration, fastPath: IndexFastPathPages?) -> HTTPServerBuilder {
        let inner = {
            var inner = configuration
            inner.idleTimeout = nil
            return inner
        }()
        let limits = PlainGetRequest.Limits(
            maxHeaderFieldSize: configuration.httpDecoder.maxHeaderFieldSize, maxHeaderListSize: configuration.httpDecoder.maxHeaderListSize,
            maxHeaderFieldCount: configuration.httpDecoder.maxHeaderFieldCount)
        return .init { responder in
            EventLoopHTTP1Channel(
                inner: HTTP1Channel(responder: responder, configuration: inner), fastPath: fastPath, idleTimeout: configuration.idleTimeout,
                limits: limits)
        }
    }
}

/// A task executor that runs jobs on one NIO event loop.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}

/// Moves requests that carry a body (uploads: hashing, unpacking, spooling) off the event
/// loop, onto Swift's global executor, so that they never hold up the requests sharing it.
/// Streamed response bodies (downloads) are written from there too: their chunks come from the
/// store's thread pool, and a loop that both awaits them and writes them halves a download's
/// throughput (measured: 0.8 against 1.5 GB/s for a 50 MB wheel).
struct OffLoopMiddleware: RouterMiddleware {
    typealias Context = WheelhouseRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        switch request.method {
        case .get, .head:
            var response = try await next(request, context)
            if response.body.contentLength == nil {
                let body = response.body
                response.body = ResponseBody { writer in
                    try await withTaskExecutorPreference(globalConcurrentExecutor) {
                        try await body.write(writer)
                    }
                }
            }
            return response
        default:
            return try await withTaskExecutorPreference(globalConcurrentExecutor) {
                try await next(request, context)
            }
        }
    }
}
