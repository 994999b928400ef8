import ArgumentParser
import Foundation
import Logging
import Synchronization
import WheelhouseApp
import WheelhouseStorage

struct ReplicateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replicate",
        abstract: "Make target stores identical to the source store.",
        discussion: """
            Per project, copies the file bytes (sha256-checked before they become visible), their \
            metadata, the project record, then the static pages, so a target never lists a file it \
            does not hold. A run only touches projects whose record changed since the last run \
            (a checkpoint in each target under _wheelhouse/replication/). A target file with other \
            bytes than the source's is reported as a conflict and never overwritten. Exits 1 on any \
            conflict or failure (with --verify: on any difference).
            """
    )

    @OptionGroup var options: StoreOptions

    @Option(help: ArgumentHelp("The source store URL (default: --store, $WHEELHOUSE_STORE, ./data).", valueName: "url"))
    var source: String?

    @Option(help: ArgumentHelp("A target store URL (repeatable).", valueName: "url"))
    var target: [String] = []

    @Flag(help: "Delete at the targets what the source no longer has (files dropped from records, projects gone).")
    var delete = false

    @Flag(help: "Only compare every target against the source (records, sizes, sha256 of the bytes) and report each difference.")
    var verify = false

    @Flag(help: "Keep running: replicate every --interval until SIGTERM or SIGINT.")
    var watch = false

    @Option(help: "Time between cycles with --watch: 30s, 5m, 500ms, or seconds.")
    var interval = PositiveDurationOption(default: "30s")

    @Option(help: "Objects copied or hashed at once.")
    var jobs: Int = 8

    @Option(name: .customLong("metrics-port"), help: "With --watch: serve /metrics and /healthz on this port.")
    var metricsPort: Int?

    @Option(
        name: .customLong("manifest-parameter"),
        help:
            "After replicating each S3 target (with --watch: after each cycle that changed it), publish the Glue manifest to this SSM parameter in the target's own region, naming the target's bucket."
    )
    var manifestParameter: String?

    @OptionGroup(title: "Manifest selection (with --manifest-parameter)") var manifest: ManifestSelectionOptions

    @Option(name: .customLong("metrics-host"), help: "Address for --metrics-port.")
    var metricsHost = "127.0.0.1"

    func validate() throws {
        guard !target.isEmpty else { throw ValidationError("name at least one --target store URL") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        if verify && watch { throw ValidationError("--verify and --watch cannot be combined") }
        if manifestParameter != nil {
            if verify {
                throw ValidationError("--manifest-parameter publishes after replicating; it cannot be combined with --verify")
            }
            if manifest.region != nil || manifest.uriBase != nil {
                throw ValidationError(
                    "with replicate, each target's manifest goes to the target's own region and names its own bucket: leave out --region and --uri-base")
            }
            for url in target {
                guard case .s3? = try? StoreLocation(parsing: url) else {
                    throw ValidationError("--manifest-parameter needs S3 targets: '\(url)' is not an s3:// store")
                }
            }
        }
        if let metricsPort {
            guard watch else { throw ValidationError("--metrics-port needs --watch") }
            guard (1...65535).contains(metricsPort) else { throw ValidationError("--metrics-port must be 1-65535 (got \(metricsPort))") }
        }
    }

    func run() async throws {
        try await failing {
            let sourceURL = source ?? options.storeURL
            let sourceStore = try Self.open(sourceURL)
            let targets = try target.map { try Self.open($0) }
            for store in targets where store.displayName == sourceStore.displayName {
                throw CommandFailure("the target '\(store.displayName)' is the source")
            }
            let replicator = Replicator(source: sourceStore, jobs: jobs, deleteExtraneous: delete)
            if verify {
                try await runVerify(replicator, targets)
            } else if watch {
                try await runWatch(replicator, targets)
            } else {
                try await runOnce(replicator, targets)
                if let manifestParameter {
                    try await publishManifests(manifestParameter, targets: targets)
                }
            }
        }
    }

    /// Each target's manifest, in the target's region, naming the target's bucket (runs only
    /// when every target replicated cleanly: `runOnce` throws otherwise).
    func publishManifests(_ parameter: String, targets: [any BlobStore]) async throws {
        let settings = try manifest.settings()
        for (url, store) in zip(target, targets) {
            let publisher = try settings.publisher(store: store, location: try StoreLocation(parsing: url))
            let result = try await publisher.publish(parameter: parameter)
            if !options.json {
                print(
                    "manifest \(parameter) for \(store.displayName): \(result.wheels.count) wheels, tier \(result.tier), "
                        + "version \(result.version.map(String.init) ?? "none") (\(result.written ? "written" : "unchanged"))")
            }
        }
    }

    static func open(_ url: String) throws -> any BlobStore {
        _ = StoreOptions.configureBlockingPool
        do {
            return try makeBlobStore(try StoreLocation(parsing: url))
        } catch {
            throw CommandFailure("cannot open the store '\(url)': \(error)")
        }
    }

    struct Summary: Encodable {
        var source: String
        var targets: [ReplicationReport]
        var projects: [String: [ProjectReplication]]
    }

    func runOnce(_ replicator: Replicator, _ targets: [any BlobStore]) async throws {
        let json = options.json
        var summary = Summary(source: replicator.source.displayName, targets: [], projects: [:])
        for target in targets {
            if !json { print("replicating \(replicator.source.displayName) -> \(target.displayName)") }
            let collected = ProjectLog()
            let report = try await replicator.replicate(to: target) { project in
                collected.append(project)
                if !json, project.status != .upToDate { print(project.description) }
            }
            summary.targets.append(report)
            summary.projects[report.target] = collected.all.sorted { $0.project < $1.project }
            if !json {
                print(
                    "\(report.target): \(report.projectsChecked) projects checked, \(report.projectsChanged) changed, "
                        + "\(report.objectsCopied) objects (\(report.bytesCopied) bytes) copied, \(report.objectsDeleted) deleted, "
                        + "\(report.conflicts.count) conflicts, \(report.failures.count) failures, "
                        + String(format: "%.2f s", report.seconds))
            }
        }
        if json { try printJSON(summary) }
        for report in summary.targets {
            for line in report.conflicts { printError("conflict: \(line)") }
            for line in report.failures { printError("error: \(line)") }
        }
        if summary.targets.contains(where: { !$0.succeeded }) { throw ExitCode.failure }
    }

    func runVerify(_ replicator: Replicator, _ targets: [any BlobStore]) async throws {
        let json = options.json
        var reports: [ReplicationVerifyReport] = []
        for target in targets {
            let report = try await replicator.verify(target: target) { if !json { printError($0) } }
            reports.append(report)
            if !json {
                for difference in report.differences { print("\(report.target): \(difference)") }
                print(
                    "\(report.target): \(report.projects) projects, \(report.files) files, \(report.bytes) bytes compared: "
                        + (report.differences.isEmpty ? "identical to the source" : "\(report.differences.count) differences"))
            }
        }
        if json { try printJSON(reports) }
        if reports.contains(where: { !$0.differences.isEmpty }) { throw ExitCode.failure }
    }

    func runWatch(_ replicator: Replicator, _ targets: [any BlobStore]) async throws {
        var configured = Logger(label: "wheelhouse.replicate")
        configured.logLevel = .info
        let logger = configured
        let metrics = ReplicationMetrics(targets: targets.map(\.displayName))
        var manifestPublishers: (parameter: String, publishers: [String: ManifestPublisher])?
        if let manifestParameter {
            let settings = try manifest.settings()
            var publishers: [String: ManifestPublisher] = [:]
            for (url, store) in zip(target, targets) {
                publishers[store.displayName] = try settings.publisher(store: store, location: try StoreLocation(parsing: url))
            }
            manifestPublishers = (manifestParameter, publishers)
        }
        let watcher = ReplicationWatcher(
            replicator: replicator, targets: targets, interval: interval.duration,
            metrics: metrics, logger: logger, manifest: manifestPublishers)
        logger.notice(
            "replication worker started",
            metadata: [
                "source": "\(replicator.source.displayName)", "targets": "\(targets.map(\.displayName))",
                "interval": "\(interval.text)", "metrics": "\(metricsPort.map { "http://\(metricsHost):\($0)/metrics" } ?? "off")",
            ])
        try await runReplicationWatch(watcher, metricsHost: metricsHost, metricsPort: metricsPort, logger: logger)
        logger.notice("replication worker stopped")
    }
}

/// Collects project results handed to a `@Sendable` progress callback.
final class ProjectLog: Sendable {
    private let items = Mutex<[ProjectReplication]>([])
    func append(_ item: ProjectReplication) { items.withLock { $0.append(item) } }
    var all: [ProjectReplication] { items.withLock { $0 } }
}
