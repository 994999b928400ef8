import Foundation
import Synchronization
import Testing
import WheelhouseTestSupport

/// `wheelhouse prune` as a process on local and S3 stores: a manifest published to SSM (moto)
/// pins an old release, a dry run changes nothing, a reader polling the server while the prune
/// runs never finds a listed file missing, and `replicate --delete` carries the removal over.
@Suite("wheelhouse prune", .tags(.endToEnd), .skippedInFastTier)
struct PruneEndToEndTests {
    static func run(_ arguments: [String], environment: [String: String]) async throws -> ProcessResult {
        try await ProcessRunner.run(Products.wheelhouse, arguments, environment: environment, timeout: .seconds(300))
    }

    /// Every file URL a JSON project page lists (PEP 691).
    static func listedURLs(_ server: ServerProcess, project: String) async throws -> [String] {
        let (data, response) = try await HTTP.get(
            "\(server.indexURL)\(project)/", headers: ["Accept": "application/vnd.pypi.simple.v1+json"], timeout: 10)
        guard response.statusCode == 200 else { return [] }
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let files = json?["files"] as? [[String: Any]] ?? []
        return files.compactMap { $0["url"] as? String }.map { url in
            url.hasPrefix("http") ? url : URL(string: url, relativeTo: URL(string: "\(server.indexURL)\(project)/"))?.absoluteString ?? url
        }
    }

    @Test(arguments: TestStoreKind.allCases)
    func pruneKeepsPinnedAndNewestAndNoReaderSeesAMissingFile(_ kind: TestStoreKind) async throws {
        let work = try TestSupport.makeTemporaryDirectory("prune-\(kind)")
        let store = try await TestStore.make(kind, in: work, label: "prune")
        let moto = try await MotoServer.shared()
        var environment = store.environment
        environment["AWS_REGION"] = "us-east-1"
        environment["AWS_ENDPOINT_URL_SSM"] = moto.endpointString

        let dists = work.appendingPathComponent("dists")
        try FileManager.default.createDirectory(at: dists, withIntermediateDirectories: true)
        for version in ["1.0", "2.0", "3.0", "4.0"] {
            _ = try WheelBuilder.make("demo", version, in: dists)
            _ = try WheelBuilder.make("demo", version, in: dists, sdist: true)
        }
        _ = try WheelBuilder.make("other", "1.0", in: dists)
        let upload = try await Self.run(["upload", "--store", store.url, dists.path], environment: environment)
        #expect(upload.succeeded, "\(upload.stderrText)")

        // A replica made before the prune: `replicate --delete` must carry the removal over.
        let replica = work.appendingPathComponent("replica")
        let replicate = ["replicate", "--source", store.url, "--target", replica.path]
        let copied = try await Self.run(replicate, environment: environment)
        #expect(copied.succeeded, "\(copied.stderrText)")

        // A Glue job pinned to demo 1.0: its manifest (and the store's record of it) names 1.0's wheel.
        let parameter = "/wheelhouse-tests/prune/\(UUID().uuidString.prefix(8))"
        let published = try await Self.run(
            ["manifest", "publish", "--store", store.url, "--uri-base", "s3://glue-bucket/wheels", "--parameter", parameter, "demo==1.0"],
            environment: environment)
        #expect(published.succeeded, "\(published.stderrText)")

        func key(_ filename: String) -> String { "packages/demo/\(filename)" }
        let wheel = { (version: String) in key("demo-\(version)-py3-none-any.whl") }
        let sdist = { (version: String) in key("demo-\(version).tar.gz") }

        // Dry run: the report, and not a byte changed.
        let before = try await store.snapshot()
        let dry = try await Self.run(
            ["prune", "--store", store.url, "--keep-latest", "1", "--dry-run", "--json"], environment: environment)
        #expect(dry.succeeded, "\(dry.stderrText)")
        let report = try #require(try JSONSerialization.jsonObject(with: dry.stdout) as? [String: Any])
        let releases = report["releases"] as? [[String: Any]] ?? []
        let decisions = Dictionary(
            uniqueKeysWithValues: releases.map {
                ("\($0["project"] ?? "") \($0["version"] ?? "")", "\($0["action"] ?? "") \(($0["reason"] as? [String: Any])?["code"] ?? "")")
            })
        #expect(
            decisions == [
                "demo 4.0": "keep newest", "demo 3.0": "remove expired", "demo 2.0": "remove expired", "demo 1.0": "keep pinned",
                "other 1.0": "keep newest",
            ])
        #expect(report["dry_run"] as? Bool == true)
        #expect(report["removed_files"] as? Int == 4)
        #expect((report["manifests"] as? [String])?.contains { $0.hasSuffix(String(parameter.dropFirst())) } == true, "\(report)")
        #expect(try await store.snapshot() == before, "a dry run changes nothing")

        // The prune, with a reader downloading every listed file in a loop throughout.
        let server = try await ServerProcess.start(store: store, extraArguments: ["--index-staleness", "1"])
        let failures = Mutex<[String]>([])
        let rounds = Mutex(0)
        let unlistedMeanwhile = Mutex(0)
        let stop = Mutex(false)
        let reader = Task {
            while !stop.withLock({ $0 }) {
                do {
                    for url in try await Self.listedURLs(server, project: "demo") {
                        let (_, response) = try await HTTP.get(url, timeout: 10)
                        guard response.statusCode != 200 else { continue }
                        // A file unlisted between this reader's page and its download is gone
                        // for it, as for any index; a file the page still lists must be there.
                        if try await Self.listedURLs(server, project: "demo").contains(url) {
                            failures.withLock { $0.append("\(url): \(response.statusCode) while listed") }
                        } else {
                            unlistedMeanwhile.withLock { $0 += 1 }
                        }
                    }
                    rounds.withLock { $0 += 1 }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        let pruned = try await Self.run(["prune", "--store", store.url, "--keep-latest", "1", "--grace", "3s"], environment: environment)
        // The reader goes on past the deletion, until the server's pages are fresh again, and for
        // at least three rounds in all (a busy machine makes each round slower).
        try await Task.sleep(for: .seconds(2))
        try await poll("three rounds of the reader", timeout: .seconds(90)) { rounds.withLock { $0 } >= 3 }
        stop.withLock { $0 = true }
        _ = await reader.value
        _ = await server.stop()
        #expect(pruned.succeeded, "\(pruned.stderrText)")
        #expect(pruned.stdoutText.contains("removed      demo 2.0 (2 files"), "\(pruned.stdoutText)")
        #expect(
            pruned.stdoutText.contains("kept         demo 1.0 (2 files") && pruned.stdoutText.contains("named by the published manifest"),
            "\(pruned.stdoutText)")
        #expect(pruned.stdoutText.contains("removed 2 releases (4 files"), "\(pruned.stdoutText)")
        #expect(failures.withLock { $0 }.isEmpty, "a listed file was missing: \(failures.withLock { $0 })")
        #expect(rounds.withLock { $0 } >= 3, "the reader read the page throughout")

        for version in ["1.0", "4.0"] {
            #expect(try await store.object(wheel(version)) != nil, "\(version) stays")
            #expect(try await store.object(sdist(version)) != nil, "\(version) stays")
        }
        for version in ["2.0", "3.0"] {
            #expect(try await store.object(wheel(version)) == nil, "\(version) is gone")
            #expect(try await store.object(wheel(version) + ".metadata") == nil, "\(version)'s metadata is gone")
            #expect(try await store.object(sdist(version)) == nil, "\(version) is gone")
        }
        let record = try #require(try await store.object("_wheelhouse/projects/demo.json"))
        let listed = (try JSONSerialization.jsonObject(with: record) as? [String: Any])?["files"] as? [[String: Any]] ?? []
        #expect(Set(listed.compactMap { $0["version"] as? String }) == ["1.0", "4.0"])
        let exported = String(decoding: try #require(try await store.object("simple/demo/index.html")), as: UTF8.self)
        #expect(!exported.contains("demo-2.0") && exported.contains("demo-1.0"))
        let verify = try await Self.run(["verify", "--store", store.url], environment: environment)
        #expect(verify.succeeded, "no orphan, nothing missing: \(verify.stdoutText) \(verify.stderrText)")

        // A second run has nothing left to remove.
        let again = try await Self.run(["prune", "--store", store.url, "--keep-latest", "1", "--json"], environment: environment)
        #expect((try JSONSerialization.jsonObject(with: again.stdout) as? [String: Any])?["removed_files"] as? Int == 0)

        // The replica follows with --delete.
        let stale = replica.appendingPathComponent(wheel("2.0")).path
        #expect(FileManager.default.fileExists(atPath: stale))
        let followed = try await Self.run(replicate + ["--delete"], environment: environment)
        #expect(followed.succeeded, "\(followed.stderrText)")
        for version in ["2.0", "3.0"] {
            #expect(!FileManager.default.fileExists(atPath: replica.appendingPathComponent(wheel(version)).path))
            #expect(!FileManager.default.fileExists(atPath: replica.appendingPathComponent(wheel(version) + ".metadata").path))
            #expect(!FileManager.default.fileExists(atPath: replica.appendingPathComponent(sdist(version)).path))
        }
        for version in ["1.0", "4.0"] {
            #expect(FileManager.default.fileExists(atPath: replica.appendingPathComponent(wheel(version)).path))
        }
    }

    @Test func badOptionsAreUsageErrors() async throws {
        let work = try TestSupport.makeTemporaryDirectory("prune-usage")
        let store = work.appendingPathComponent("store").path
        for (arguments, message) in [
            (["prune", "--store", store], "--keep-latest"),
            (["prune", "--store", store, "--keep-latest", "0"], "at least 1"),
            (["prune", "--store", store, "--older-than", "soon"], "--older-than"),
            (["prune", "--store", store, "--keep-latest", "1", "--webhook", "ftp://x"], "http"),
            (["prune", "--store", store, "--keep-latest", "1", "--events-sns-topic", "topic"], "ARN"),
        ] {
            let result = try await ProcessRunner.run(Products.wheelhouse, arguments)
            #expect(result.status == 64, "\(arguments): \(result.stderrText)")
            #expect(result.stderrText.contains(message), "\(arguments): \(result.stderrText)")
        }
        // A project that does not exist is named.
        _ = try WheelBuilder.make("demo", "1.0", in: work)
        _ = try await ProcessRunner.check(Products.wheelhouse, ["upload", "--store", store, work.path])
        let missing = try await ProcessRunner.run(Products.wheelhouse, ["prune", "--store", store, "--keep-latest", "1", "--project", "nope"])
        #expect(missing.status == 1 && missing.stderrText.contains("nope"), "\(missing.stderrText)")
    }
}
