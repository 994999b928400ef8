import Hummingbird
public import Logging
import Metrics
import ServiceLifecycle
public import WheelhouseStorage
import UnixSignals

/// Runs `wheelhouse serve` until SIGTERM or SIGINT: the HTTP server, the access log, with
/// `--manifest-parameter` the manifest republisher and with `--webhook`/`--events-sns-topic`
/// the event delivery, as services of one `ServiceGroup`. On a signal the server stops taking
/// connections and finishes the requests in flight, then the republisher runs the publish they
/// asked for, then the events of both are delivered (for at most the dispatcher's drain time);
/// the upstream client closes last.
public func runServer(
    configuration: ServerConfiguration,
    store: any BlobStore,
    logger: Logger,
    republisher: ManifestRepublisher? = nil,
    upstreamClient: UpstreamHTTPClient? = nil,
    events: EventDispatcher? = nil
) async throws {
    // Whatever records through swift-metrics goes to this server's registry, exported at
    // `/metrics` (the request metrics are written there directly: `RequestMetrics`).
    let metrics = ServerMetrics()
    MetricsSystem.bootstrap(metrics.factory)
    // The access log follows the log level: `info` and below write it.
    let accessLog = configuration.accessLog && logger.logLevel <= .info ? AccessLog() : nil
    let app = buildApplication(
        configuration: configuration, store: store, logger: logger,
        onIngest: { _ in republisher?.storeChanged() }, upstreamClient: upstreamClient, metrics: metrics,
        accessLog: accessLog, events: events ?? NoEvents())
    // Services shut down in reverse order: the server first, so that what its last uploads
    // asked of the republisher still happens, and the access log last, to write every line.
    var services: [any Service] = [HeapTrimmer(logger: logger)]
    if let accessLog { services.append(accessLog) }
    if let events { services.append(events) }
    if let republisher { services.append(republisher) }
    services.append(app)
    let group = ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    do {
        try await group.run()
    } catch {
        try? await upstreamClient?.shutdown()
        throw error
    }
    try await upstreamClient?.shutdown()
}
