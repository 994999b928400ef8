import Foundation
public import Hummingbird
public import Logging
public import ServiceLifecycle
import Synchronization
public import WheelhouseStorage
import UnixSignals

/// Counters and gauges of a replication worker, exported at `/metrics` (Prometheus text 0.0.4).
///
/// `wheelhouse_replication_lag_seconds{target}` is the age of the newest moment up to which
/// every source change is known to be at the target: now minus the start of the last cycle that
/// finished without conflicts or failures (or minus the worker's start before the first one).
public final class ReplicationMetrics: Sendable {
    struct Target: Sendable {
        var cycles = 0
        var failedCycles = 0
        var objectsCopied = 0
        var bytesCopied: Int64 = 0
        var objectsDeleted = 0
        var failures = 0
        var caughtUpAt: ContinuousClock.Instant
    }
    private let targets: Mutex<[String: Target]>

    public init(targets names: [String]) {
        let now = ContinuousClock.now
        targets = Mutex(Dictionary(uniqueKeysWithValues: names.map { ($0, Target(caughtUpAt: now)) }))
    }

    func record(_ report: ReplicationReport, cycleStarted: ContinuousClock.Instant) {
        targets.withLock { all in
            var target = all[report.target] ?? Target(caughtUpAt: cycleStarted)
            target.cycles += 1
            target.objectsCopied += report.objectsCopied
            target.bytesCopied += report.bytesCopied
            target.objectsDeleted += report.objectsDeleted
            target.failures += report.failures.count + report.conflicts.count
            if report.succeeded { target.caughtUpAt = cycleStarted } else { target.failedCycles += 1 }
            all[report.target] = target
        }
    }

    func recordFailedCycle(target name: String) {
        targets.withLock { all in
            all[name, default: Target(caughtUpAt: .now)].cycles += 1
            all[name, default: Target(caughtUpAt: .now)].failedCycles += 1
            all[name, default: Target(caughtUpAt: .now)].failures += 1
        }
    }

    /// Seconds since `target` was last known to hold every source change.
    public func lag(of target: String) -> Double? {
        targets.withLock { $0[target] }.map { Replicator.seconds(ContinuousClock.now - $0.caughtUpAt) }
    }

    public func prometheusText() -> String {
        let now = ContinuousClock.now
        let all = targets.withLock { $0 }.sorted { $0.key < $1.key }
        var out = ""
        func family(_ name: String, _ type: String, _ help: String, _ value: (Target) -> String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for (target, counters) in all {
                out += "\(name){target=\"\(Self.escaped(target))\"} \(value(counters))\n"
            }
        }
        family("wheelhouse_replication_lag_seconds", "gauge", "Seconds since the target last held every source change.") {
            "\(Replicator.seconds(now - $0.caughtUpAt))"
        }
        family("wheelhouse_replication_cycles_total", "counter", "Replication cycles run.") { "\($0.cycles)" }
        family("wheelhouse_replication_failed_cycles_total", "counter", "Cycles that ended with a conflict or failure.") { "\($0.failedCycles)" }
        family("wheelhouse_replication_copied_objects_total", "counter", "Objects written to the target.") { "\($0.objectsCopied)" }
        family("wheelhouse_replication_copied_bytes_total", "counter", "Bytes written to the target.") { "\($0.bytesCopied)" }
        family("wheelhouse_replication_deleted_objects_total", "counter", "Objects deleted at the target (--delete).") { "\($0.objectsDeleted)" }
        family("wheelhouse_replication_failures_total", "counter", "Conflicts and failed projects or cycles.") { "\($0.failures)" }
        return out
    }

    /// Prometheus label values escape backslash, double quote and newline.
    static func escaped(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
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
