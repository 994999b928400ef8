import Foundation
public import Hummingbird
public import Logging
import NIOCore
public import WheelhouseStorage
import AsyncHTTPClient

/// Builds the Wheelhouse HTTP application. `serve` and the tests build the same app.
/// `onIngest` is called with the project name after each upload that changed its record
/// (`serve --manifest-parameter` republishes the manifest there). `upstreamClient` carries the
/// requests of `configuration.upstream`; its owner shuts it down.
public func buildApplication(
    configuration: ServerConfiguration,
    store: any BlobStore,
    logger: Logger,
    onIngest: @escaping @Sendable (String) -> Void = { _ in },
    upstreamClient: UpstreamHTTPClient? = nil,
    metrics: ServerMetrics = ServerMetrics(),
    accessLog: AccessLog? = nil,
    events: any EventSink = NoEvents()
) -> some ApplicationProtocol {
    let (router, cache) = makeRouter(
        configuration: configuration, store: store, logger: logger, onIngest: onIngest, upstreamClient: upstreamClient,
        metrics: metrics, accessLog: accessLog, events: events)
    let serverName = "wheelhouse"
    // Index pages in memory are answered on the event loop (`IndexFastPath`) when reading
    // needs no token and pages are the store's own (not an upstream's).
    let readsArePublic =
        switch configuration.access {
        case .none, .upload: true
        case .read: false
        }
    var fastPath =
        readsArePublic && configuration.upstream == nil
        ? IndexFastPathPages(cache: cache, metrics: metrics.requests, accessLog: accessLog, serverName: serverName) : nil
    // Downloads from a local store are sent from the file by the kernel (sendfile).
    if let local = store as? FileSystemBlobStore, configuration.downloadRedirectExpiry == nil {
        fastPath?.localFiles = LocalFiles(store: local, metrics: metrics)
    }
    let limits = configuration.connectionLimits
    return Application(
        router: router,
        // The connection limits (README "Limits"): header sizes and count, the idle timeout
        // (also the header-read timeout), and a full close after early answers.
        // Each connection is handled on its own event loop (`EventLoopHTTP1Channel`).
        server: .http1OnEventLoop(
            configuration: .init(
                additionalChannelHandlers: [
                    ReasonPhraseInstaller(), ConnectionGuard(linger: limits.lingerAfterEarlyAnswer, requestTimeout: limits.requestTimeout),
                ],
                idleTimeout: TimeAmount(limits.idleTimeout),
                httpDecoderConfiguration: .init(
                    maxHeaderFieldSize: limits.maxHeaderFieldSize, maxHeaderListSize: limits.maxHeaderListSize,
                    maxHeaderFieldCount: limits.maxHeaderFieldCount)),
            fastPath: fastPath),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: serverName),
        logger: logger
    )
}

/// The routes of DESIGN.md §4.
public func buildRouter(
    configuration: ServerConfiguration,
    store: any BlobStore,
    logger: Logger,
    onIngest: @escaping @Sendable (String) -> Void = { _ in },
    upstreamClient: UpstreamHTTPClient? = nil,
    metrics: ServerMetrics = ServerMetrics(),
    accessLog: AccessLog? = nil,
    events: any EventSink = NoEvents()
) -> Router<WheelhouseRequestContext> {
    makeRouter(
        configuration: configuration, store: store, logger: logger, onIngest: onIngest, upstreamClient: upstreamClient,
        metrics: metrics, accessLog: accessLog, events: events
    ).router
}

/// `buildRouter`, and the index cache its routes answer from.
func makeRouter(
    configuration: ServerConfiguration,
    store: any BlobStore,
    logger: Logger,
    onIngest: @escaping @Sendable (String) -> Void,
    upstreamClient: UpstreamHTTPClient?,
    metrics: ServerMetrics,
    accessLog: AccessLog?,
    events: any EventSink
) -> (router: Router<WheelhouseRequestContext>, cache: IndexCache) {
    let cache = IndexCache(store: store, staleness: configuration.indexStaleness)
    let tokens = TokenVerifier(tokens: TokenStore(store: store), staleness: configuration.indexStaleness)
    var ingestor = Ingestor(
        store: store, limits: configuration.archiveLimits,
        onChange: { project in
            cache.invalidate(project)
            onIngest(project)
        })
    ingestor.logger = logger
    // An `upload` event per file added, queued for delivery off the request path.
    ingestor.events = events
    let auth = Authenticator(policy: configuration.access, tokens: tokens)

    let router = Router(context: WheelhouseRequestContext.self)
    router.addMiddleware {
        // Request counts and latency by route (`RequestMetrics`); outermost, so it sees every
        // answer, errors included.
        RequestMetricsMiddleware(metrics: metrics.requests)
    }
    // One access log line per request, written off the request path (`AccessLog`).
    if let accessLog { router.addMiddleware { RequestLogMiddleware(log: accessLog) } }
    router.addMiddleware { ErrorBoundaryMiddleware() }
    // Uploads leave the event loop their connection is handled on (`EventLoopHTTP1Channel`).
    router.addMiddleware { OffLoopMiddleware() }

    var mirror: PullThroughMirror?
    if let settings = configuration.upstream {
        let client = upstreamClient ?? UpstreamHTTPClient()
        // The command line checked the URLs (`UpstreamIndex.init` throws for unusable ones).
        let upstreams = settings.upstreams.compactMap { try? UpstreamIndex(url: $0, http: client) }
        let pages = UpstreamPageCache(
            upstreams: upstreams, store: store, ttl: settings.ttl, negativeTTL: settings.negativeTTL, logger: logger,
            metrics: metrics)
        mirror = PullThroughMirror(
            settings: settings, pages: pages, cache: cache, ingestor: ingestor, spoolDirectory: configuration.spoolDirectory,
            maxFileBytes: configuration.maxUploadBytes, logger: logger, metrics: metrics)
    }

    let index = IndexController(cache: cache, auth: auth, mirror: mirror)
    index.addRoutes(to: router)
    let files = DownloadController(
        cache: cache, store: store, auth: auth, metrics: metrics, redirectExpiry: configuration.downloadRedirectExpiry,
        mirror: mirror)
    files.addRoutes(to: router)
    let uploads = UploadController(
        ingestor: ingestor, auth: auth, metrics: metrics,
        maxUploadBytes: configuration.maxUploadBytes, spoolDirectory: configuration.spoolDirectory,
        slots: UploadSlots(limit: configuration.maxConcurrentUploads))
    uploads.addRoutes(to: router)
    BrowseController(publicDirectory: configuration.publicDirectory).addRoutes(to: router)
    LegacyJSONController(cache: cache, metadata: CoreMetadataCache(store: store), auth: auth).addRoutes(to: router)

    let health = StoreHealth(store: store, logger: logger)
    router.get("/healthz") { _, _ in
        guard await health.problem() != nil else { return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok\n"))) }
        return Response(
            status: .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8", .retryAfter: "5"],
            body: .init(byteBuffer: ByteBuffer(string: "unavailable: the store does not answer\n")))
    }
    router.get("/metrics") { request, _ in
        // The counters name projects and clients: they follow the read policy.
        try await auth.authorize(request, for: .read)
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: metrics.prometheusText()))
        )
    }
    return (router, cache)
}
