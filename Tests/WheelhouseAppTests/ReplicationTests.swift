import Foundation
import Synchronization
import Testing
import WheelhouseCore
import WheelhouseStorage
import WheelhouseTestSupport

@testable import WheelhouseApp

/// `Replicator` in process, between local stores (and one S3 store on moto for the spool path).
@Suite(.serialized)
struct ReplicationTests {
    let work: URL
    let source: FileSystemBlobStore
    let target: FileSystemBlobStore
    let dists: URL

    init() throws {
        work = try TestSupport.makeTemporaryDirectory("wh-replication")
        source = try FileSystemBlobStore(root: work.appendingPathComponent("source"))
        target = try FileSystemBlobStore(root: work.appendingPathComponent("target"))
        dists = work.appendingPathComponent("dists")
    }

    /// Builds wheels of `projects` × `versions` and ingests them into `store`.
    func upload(_ store: any BlobStore, projects: [String], versions: [String], payload: Int = 0) async throws {
        let folder = dists.appendingPathComponent(UUID().uuidString)
        var candidates: [Ingestor.Candidate] = []
        for project in projects {
            for version in versions {
                let file = try WheelBuilder.make(project, version, in: folder, payload: payload)
                candidates.append(.init(file: file))
            }
        }
        for result in await Ingestor(store: store).ingest(batch: candidates) { _ = try result.get() }
    }

    /// Every object under the replicated prefixes, with its bytes.
    func contents(_ store: any BlobStore) async throws -> [String: Data] {
        var out: [String: Data] = [:]
        for prefix in [StorageLayout.packagesPrefix, StorageLayout.recordsPrefix, "simple/"] {
            for info in try await store.list(prefix: prefix) {
                out[info.key] = try await store.read(info.key)?.data
            }
        }
        return out
    }

    @Test func copiesEverythingInOrderAndASecondRunTouchesNothing() async throws {
        try await upload(source, projects: ["alpha", "beta-lib", "gamma"], versions: ["1.0", "2.0"])
        let replicator = Replicator(source: source, jobs: 4)
        let seen = ProjectsSeen()
        let first = try await replicator.replicate(to: target) { seen.add($0) }
        #expect(first.succeeded, "\(first)")
        #expect(first.projectsChecked == 3 && first.projectsChanged == 3)
        #expect(first.objectsCopied == 6 + 6 + 3)  // files, metadata, records
        #expect(seen.all.map(\.status).allSatisfy { $0 == .copied })
        #expect(try await contents(target) == contents(source))

        let verify = try await replicator.verify(target: target)
        #expect(verify.differences.isEmpty, "\(verify.differences)")
        #expect(verify.files == 6 && verify.projects == 3)

        let second = try await replicator.replicate(to: target)
        #expect(second.succeeded && second.projectsChecked == 3)
        #expect(second.projectsChanged == 0 && second.objectsCopied == 0)
        let checkpoint = try #require(try await target.list(prefix: "_wheelhouse/replication/").first)
        #expect(checkpoint.key == "_wheelhouse/replication/\(replicator.sourceID).json")
    }

    @Test func yanksAndNewFilesPropagateAndOnlyChangedProjectsAreTouched() async throws {
        try await upload(source, projects: ["alpha", "beta-lib", "gamma"], versions: ["1.0"])
        let replicator = Replicator(source: source)
        _ = try await replicator.replicate(to: target)

        _ = try await StoreAdmin(store: source).setYanked(true, project: "alpha", version: "1.0", reason: "broken")
        try await upload(source, projects: ["gamma"], versions: ["3.0"])
        let seen = ProjectsSeen()
        let report = try await replicator.replicate(to: target) { seen.add($0) }
        #expect(report.succeeded)
        #expect(Set(seen.all.map(\.project)) == ["alpha", "gamma"])
        #expect(report.projectsChanged == 2)
        #expect(report.objectsCopied == 1 + 1 + 2)  // gamma's file and metadata, two records
        let alpha = try #require(try await ProjectRecords(store: target).load("alpha")).record
        #expect(alpha.files.first?.yanked == true && alpha.files.first?.yankedReason == "broken")
        #expect(try await contents(target) == contents(source))
        #expect(try await replicator.verify(target: target).differences.isEmpty)
    }

    @Test func aTargetFileWithOtherBytesIsAConflictAndIsNeverOverwritten() async throws {
        try await upload(source, projects: ["alpha", "beta-lib"], versions: ["1.0"])
        let key = "packages/alpha/alpha-1.0-py3-none-any.whl"
        let squatter = Data("not the source's bytes".utf8)
        try await target.write(key, data: squatter, contentType: nil, condition: .ifAbsent)

        let replicator = Replicator(source: source)
        let report = try await replicator.replicate(to: target)
        #expect(!report.succeeded)
        #expect(report.conflicts.count == 1 && report.conflicts[0].contains(key), "\(report.conflicts)")
        #expect(try await target.read(key)?.data == squatter)
        #expect(try await ProjectRecords(store: target).load("alpha") == nil, "the record must not list the conflicting file")
        #expect(try await ProjectRecords(store: target).load("beta-lib") != nil)

        let differences = try await replicator.verify(target: target).differences
        #expect(differences.contains { $0.kind == .hashMismatch && $0.key == key })
        #expect(differences.contains { $0.kind == .missingRecord })

        // The conflict stays reported on every run until someone resolves it.
        #expect(try await replicator.replicate(to: target).conflicts.count == 1)
        try await target.delete(key)
        #expect(try await replicator.replicate(to: target).succeeded)
        #expect(try await replicator.verify(target: target).differences.isEmpty)
    }

    @Test func sourceBytesThatDoNotMatchTheSourceRecordAreNotCopied() async throws {
        try await upload(source, projects: ["alpha"], versions: ["1.0"])
        let key = "packages/alpha/alpha-1.0-py3-none-any.whl"
        try await source.write(key, data: Data("bit rot".utf8), contentType: nil, condition: .none)
        let report = try await Replicator(source: source).replicate(to: target)
        #expect(report.failures.count == 1 && report.failures[0].contains("do not match its record"), "\(report.failures)")
        #expect(try await target.head(key) == nil)
        #expect(try await ProjectRecords(store: target).load("alpha") == nil)
    }

    @Test func deletionsPropagateOnlyWithDelete() async throws {
        try await upload(source, projects: ["alpha", "beta-lib"], versions: ["1.0", "2.0"])
        _ = try await Replicator(source: source).replicate(to: target)

        // beta-lib disappears from the source; alpha 1.0 is dropped from its record.
        for info in try await source.list(prefix: "packages/beta-lib/") { try await source.delete(info.key) }
        try await source.delete("_wheelhouse/projects/beta-lib.json")
        try await source.delete("simple/beta-lib/index.html")
        try await source.delete("packages/alpha/alpha-1.0-py3-none-any.whl")
        try await source.delete("packages/alpha/alpha-1.0-py3-none-any.whl.metadata")
        _ = try await ProjectRecords(store: source).update("alpha") { try $0?.removing(filename: "alpha-1.0-py3-none-any.whl") }
        try await StaticExport(store: source).exportProject("alpha")
        try await StaticExport(store: source).exportRoot()

        let keeping = try await Replicator(source: source).replicate(to: target)
        #expect(keeping.succeeded && keeping.objectsDeleted == 0)
        #expect(try await target.head("packages/alpha/alpha-1.0-py3-none-any.whl") != nil)
        #expect(try await ProjectRecords(store: target).load("beta-lib") != nil)
        let kept = try await Replicator(source: source).verify(target: target).differences
        #expect(kept.contains { $0.kind == .extraRecord } && kept.contains { $0.kind == .extraFile })

        let deleting = try await Replicator(source: source, deleteExtraneous: true).replicate(to: target)
        #expect(deleting.succeeded, "\(deleting)")
        #expect(deleting.objectsDeleted == 2 + 4 + 2)  // alpha 1.0 and its metadata; beta-lib's 4 objects, record and page
        #expect(try await contents(target) == contents(source))
        #expect(try await Replicator(source: source).verify(target: target).differences.isEmpty)
    }

    @Test func twoWorkersOnOnePairWhileTheSourceChangesConverge() async throws {
        try await upload(source, projects: ["alpha", "beta-lib", "gamma", "delta"], versions: ["1.0", "1.1"])
        let replicator = Replicator(source: source, jobs: 3)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    for _ in 0..<3 {
                        let report = try await replicator.replicate(to: target)
                        #expect(report.conflicts.isEmpty && report.failures.isEmpty, "\(report)")
                    }
                }
            }
            group.addTask {
                try await upload(source, projects: ["alpha", "epsilon"], versions: ["2.0"])
                _ = try await StoreAdmin(store: source).setYanked(true, project: "gamma", version: "1.1", reason: nil)
            }
            try await group.waitForAll()
        }
        #expect(try await replicator.replicate(to: target).succeeded)
        #expect(try await replicator.verify(target: target).differences.isEmpty)
        #expect(try await contents(target) == contents(source))
    }

    @Test(.tags(.endToEnd), .skippedInFastTier) func filesAboveTheMemoryLimitAreSpooledAndLeaveNoSpoolBehind() async throws {
        // The spool is written with the S3 store's write-from-file, which uploads large files
        // in parts (tested with the store); here on moto in another region.
        try await upload(source, projects: ["big-one"], versions: ["1.0"], payload: 300 << 10)
        let moto = try await MotoServer.shared()
        let bucket = try await moto.makeBucket("rep-spool", region: "eu-west-1")
        let s3 = try makeBlobStore(
            try StoreLocation(parsing: moto.storeURL(bucket: bucket, region: "eu-west-1")),
            environment: ReplicationSupport.awsEnvironment)
        let spool = work.appendingPathComponent("spool")
        try FileManager.default.createDirectory(at: spool, withIntermediateDirectories: true)
        var replicator = Replicator(source: source, spoolDirectory: spool)
        replicator.memoryLimit = 64 << 10
        let report = try await replicator.replicate(to: s3)
        #expect(report.succeeded, "\(report)")
        #expect(report.bytesCopied > 300 << 10)
        #expect(try await replicator.verify(target: s3).differences.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool.path).isEmpty, "spool files left behind")
    }

    @Test func metricsExportLagCopiesAndFailures() throws {
        let metrics = ReplicationMetrics(targets: ["s3://b?region=eu-west-1"])
        var report = ReplicationReport(target: "s3://b?region=eu-west-1")
        report.objectsCopied = 7
        report.bytesCopied = 1234
        // A cycle that started 30 s ago and succeeded; then one that failed, which must not
        // move the moment the target was last caught up.
        metrics.record(report, cycleStarted: .now - .seconds(30))
        report.failures = ["x: broken"]
        metrics.record(report, cycleStarted: .now)
        let lines = Set(metrics.prometheusText().split(separator: "\n").map(String.init))
        #expect(lines.contains("wheelhouse_replication_copied_objects_total{target=\"s3://b?region=eu-west-1\"} 14"))
        #expect(lines.contains("wheelhouse_replication_copied_bytes_total{target=\"s3://b?region=eu-west-1\"} 2468"))
        #expect(lines.contains("wheelhouse_replication_failures_total{target=\"s3://b?region=eu-west-1\"} 1"))
        #expect(lines.contains("# TYPE wheelhouse_replication_lag_seconds gauge"))
        let lag = try #require(metrics.lag(of: "s3://b?region=eu-west-1"))
        #expect(lag >= 30 && lag < 90, "lag \(lag) s, expected the 30 s since the last good cycle")
    }
}

/// Collects the per-project results a replication hands to its progress callback.
final class ProjectsSeen: Sendable {
    private let items = Mutex<[ProjectReplication]>([])
    func add(_ item: ProjectReplication) { items.withLock { $0.append(item) } }
    var all: [ProjectReplication] { items.withLock { $0 } }
}
