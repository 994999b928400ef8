import Foundation
public import Hummingbird
public import Logging
public import Prometheus
public import ServiceLifecycle
import Synchronization
public import WheelhouseStorage
import UnixSignals

/// Counters and gauges of a replication worker, exported at `/metrics` (Prometheus text 0.0.4)
/// by swift-prometheus, which escapes label values.
///
/// `wheelhouse_replication_lag_seconds{target}` is the age of the newest moment up to which
/// every source change is known to be at the target: now minus the start of the last cycle that
/// finished without conflicts or failures (or minus the worker's start before the first one).
/// It is set when scraped, so it grows between cycles.
public final class ReplicationMetrics: Sendable {
    /// One target's series.
    struct Series: Sendable {
        let cycles: Prometheus.Counter
        let failedCycles: Prometheus.Counter
        let objectsCopied: Prometheus.Counter
        let bytesCopied: Prometheus.Counter
        let objectsDeleted: Prometheus.Counter
        let failures: Prometheus.Counter
        let lag: Prometheus.Gauge
    }

    public let registry: PrometheusCollectorRegistry
    private let series: Mutex<[String: Series]>
    /// When each target was last known to hold every source change.
    private let caughtUpAt: Mutex<[String: ContinuousClock.Instant]>

    public init(targets names: [String], registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        let now = ContinuousClock.now
        series = Mutex(Dictionary(uniqueKeysWithValues: names.map { ($0, Self.makeSeries(registry, target: $0)) }))
        caughtUpAt = Mutex(Dictionary(uniqueKeysWithValues: names.map { ($0, now) }))
    }

    private static func makeSeries(_ registry: PrometheusCollectorRegistry, target: String) -> Series {
        let labels = [("target", target)]
        func counter(_ name: String, _ help: String) -> Prometheus.Counter {
            ServerMetrics.counter(registry, name, labels, help: help)
        }
        return Series(
            cycles: counter("wheelhouse_replication_cycles_total", "Replication cycles run."),
            failedCycles: counter("wheelhouse_replication_failed_cycles_total", "Cycles that ended with a conflict or failure."),
            objectsCopied: counter("wheelhouse_replication_copied_objects_total", "Objects written to the target."),
            bytesCopied: counter("wheelhouse_replication_copied_bytes_total", "Bytes written to the target."),
            objectsDeleted: counter("wheelhouse_replication_deleted_objects_total", "Objects deleted at the target (--delete)."),
            failures: counter("wheelhouse_replication_failures_total", "Conflicts and failed projects or cycles."),
            lag: registry.makeGauge(
                descriptor: MetricNameDescriptor(
                    metricName: "wheelhouse_replication_lag_seconds", helpText: "Seconds since the target last held every source change."),
                labels: labels))
    }

    private func series(of target: String, startingAt start: ContinuousClock.Instant) -> Series {
        caughtUpAt.withLock { if $0[target] == nil { $0[target] = start } }
        return series.withLock { all in
            if let existing = all[target] { return existing }
            let made = Self.makeSeries(registry, target: target)
            all[target] = made
            return made
        }
    }

    func record(_ report: ReplicationReport, cycleStarted: ContinuousClock.Instant) {
        let target = series(of: report.target, startingAt: cycleStarted)
        target.cycles.increment()
        target.objectsCopied.increment(by: Int64(report.objectsCopied))
        target.bytesCopied.increment(by: report.bytesCopied)
        target.objectsDeleted.increment(by: Int64(report.objectsDeleted))
        target.failures.increment(by: Int64(report.failures.count + report.conflicts.count))
        if report.succeeded {
            caughtUpAt.withLock { $0[report.target] = cycleStarted }
        } else {
            target.failedCycles.increment()
        }
    }

    func recordFailedCycle(target name: String) {
        let target = series(of: name, startingAt: .now)
        target.cycles.increment()
        target.failedCycles.increment()
        target.failures.increment()
    }

    /// Seconds since `target` was last known to hold every source change.
    public func lag(of target: String) -> Double? {
        caughtUpAt.withLock { $0[target] }.map { Replicator.seconds(ContinuousClock.now - $0) }
    }

    /// The exposition text, with every target's lag set to now.
    public func prometheusText() -> String {
        let now = ContinuousClock.now
        let instants = caughtUpAt.withLock { $0 }
        let all = series.withLock { $0 }
        for (target, instant) in instants {
            all[target]?.lag.set(Replicator.seconds(now - instant))
        }
        return registry.emitToString()
    }
}

/// `replicate --watch`: replicates to every target, sleeps `interval`, and again, until its task
/// is cancelled. Lag stays bounded by one interval plus one cycle. Restarts need no state of
/// their own: the targets' checkpoints say where to resume.
public struct ReplicationWatcher: Service, Sendable {
    public let replicator: Replicator
    public let targets: [any BlobStore]
    public let interval: Duration
    public let metrics: ReplicationMetrics
    public let logger: Logger
    /// `--manifest-parameter`: the SSM parameter, and per target (by display name) the
    /// publisher of that target's own manifest.
    public let manifest: (parameter: String, publishers: [String: ManifestPublisher])?

    public init(
        replicator: Replicator, targets: [any BlobStore], interval: Duration, metrics: ReplicationMetrics, logger: Logger,
        manifest: (parameter: String, publishers: [String: ManifestPublisher])? = nil
    ) {
        self.replicator = replicator
        self.targets = targets
        self.interval = interval
        self.metrics = metrics
        self.logger = logger
        self.manifest = manifest
    }

    /// Runs cycles until cancelled or until its service group shuts down, which cancels the
    /// cycle in progress: it stops between objects (every write is atomic and the checkpoint
    /// trails the records, so the next start resumes). The first cycle publishes every target's
    /// manifest.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var first = true
            while !Task.isCancelled {
                await cycle(publishUnchanged: first)
                first = false
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// One pass over every target, logged and counted. With `manifest`, a target that
    /// replicated cleanly and changed (or every clean target, with `publishUnchanged`) has its
    /// manifest republished; the publisher writes SSM only when the value changes.
    public func cycle(publishUnchanged: Bool = false) async {
        for target in targets {
            guard !Task.isCancelled else { return }
            let started = ContinuousClock.now
            do {
                let logger = self.logger
                let report = try await replicator.replicate(to: target) { project in
                    if project.status != .upToDate { logger.info("\(project)", metadata: ["target": "\(target.displayName)"]) }
                }
                metrics.record(report, cycleStarted: started)
                let level: Logger.Level = report.succeeded ? .info : .error
                logger.log(
                    level: level, "replication cycle done",
                    metadata: [
                        "target": "\(report.target)", "projects_checked": "\(report.projectsChecked)",
                        "projects_changed": "\(report.projectsChanged)", "objects_copied": "\(report.objectsCopied)",
                        "bytes_copied": "\(report.bytesCopied)", "conflicts": "\(report.conflicts.count)",
                        "failures": "\(report.failures.count)", "seconds": "\(report.seconds)",
                        "lag_seconds": "\(metrics.lag(of: report.target) ?? 0)",
                    ])
                for line in report.conflicts + report.failures { logger.error("\(line)", metadata: ["target": "\(report.target)"]) }
                if report.succeeded && (report.projectsChanged > 0 || publishUnchanged), let manifest,
                    let publisher = manifest.publishers[target.displayName]
                {
                    await publisher.publishLogged(manifest.parameter, logger: logger, context: ["target": "\(target.displayName)"])
                }
            } catch {
                guard !Task.isCancelled else { return }
                metrics.recordFailedCycle(target: target.displayName)
                logger.error("replication cycle failed: \(error)", metadata: ["target": "\(target.displayName)"])
            }
        }
    }
}

/// A tiny HTTP app serving `GET /metrics` and `GET /healthz` for a replication worker.
public func buildReplicationMetricsApplication(
    host: String, port: Int, metrics: ReplicationMetrics, logger: Logger
) -> some ApplicationProtocol {
    let router = Router(context: BasicRequestContext.self)
    router.get("/healthz") { _, _ in "ok\n" }
    router.get("/metrics") { _, _ in
        Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: metrics.prometheusText())))
    }
    return Application(
        router: router, configuration: .init(address: .hostname(host, port: port), serverName: "wheelhouse-replicate"),
        logger: logger)
}

/// Runs `replicate --watch` until SIGTERM or SIGINT: the watcher and, with a metrics port, its
/// metrics server, as services of one `ServiceGroup`. A signal stops the watcher first (the
/// cycle in progress stops between objects), then the metrics server.
public func runReplicationWatch(
    _ watcher: ReplicationWatcher, metricsHost: String, metricsPort: Int?, logger: Logger
) async throws {
    var services: [any Service] = []
    if let metricsPort {
        services.append(
            buildReplicationMetricsApplication(host: metricsHost, port: metricsPort, metrics: watcher.metrics, logger: logger))
    }
    services.append(watcher)
    try await ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger).run()
}
