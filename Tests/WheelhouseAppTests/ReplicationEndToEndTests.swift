import Foundation
import Synchronization
import Testing
import WheelhouseAWS
import WheelhouseCore
import WheelhouseStorage
import WheelhouseTestSupport

/// `wheelhouse replicate` as a process, between moto buckets in three regions and local folders.
@Suite(.serialized, .tags(.endToEnd), .skippedInFastTier)
struct ReplicationEndToEndTests {
    let work: URL

    init() throws {
        work = try TestSupport.makeTemporaryDirectory("wh-rep-e2e")
    }

    func check(_ arguments: [String], _ comment: String = "") async throws -> ProcessResult {
        let result = try await ReplicationSupport.wheelhouse(arguments)
        #expect(result.status == 0, "wheelhouse \(arguments.joined(separator: " ")) \(comment)\n\(result.stdoutText)\n\(result.stderrText)")
        return result
    }

    func store(_ url: String) throws -> any BlobStore {
        try makeBlobStore(try StoreLocation(parsing: url), environment: ReplicationSupport.awsEnvironment)
    }

    /// The problems a reader of `store` would see right now: a record or static page that lists
    /// a file (or metadata) the store does not hold.
    static func listedButMissing(in store: any BlobStore) async throws -> [String] {
        var problems: [String] = []
        for info in try await store.list(prefix: StorageLayout.recordsPrefix) {
            guard let project = StorageLayout.parseRecordKey(info.key),
                let (data, _) = try await store.read(info.key)
            else { continue }
            let record = try ProjectRecord.decode(data)
            for file in record.files {
                let key = try StorageLayout.fileKey(project: project, filename: file.filename)
                if try await store.head(key) == nil { problems.append("record lists missing \(key)") }
                if file.metadataSha256 != nil, try await store.head(key + ".metadata") == nil {
                    problems.append("record lists missing \(key).metadata")
                }
            }
        }
        for info in try await store.list(prefix: "simple/") where info.key != StorageLayout.exportRootKey {
            guard let (data, _) = try await store.read(info.key) else { continue }
            let project = info.key.split(separator: "/")[1]
            let page = String(decoding: data, as: UTF8.self)
            for match in page.matches(of: /href="([^"#]+)#sha256=/) {
                let filename = match.1.split(separator: "/").last.map(String.init) ?? ""
                let key = "packages/\(project)/\(filename)"
                if try await store.head(key) == nil { problems.append("page \(info.key) lists missing \(key)") }
            }
        }
        return problems
    }

    @Test func threeRegionsReplicateVerifyServeAndStayCheap() async throws {
        let moto = try await MotoServer.shared()
        let regions = ["us-east-1", "eu-west-1", "ap-southeast-2"]
        var urls: [String] = []
        var buckets: [String] = []
        for region in regions {
            let bucket = try await moto.makeBucket("rep-\(region)", region: region)
            buckets.append(bucket)
            urls.append(moto.storeURL(bucket: bucket, region: region))
        }
        let (primary, replicas) = (urls[0], Array(urls[1...]))
        let dists = work.appendingPathComponent("dists")
        #expect(try await ReplicationSupport.makeManyWheels(in: dists, projects: 20, versions: 10) == 200)
        _ = try await check(["upload", "--store", primary, dists.path])

        let replicate = ["replicate", "--source", primary] + replicas.flatMap { ["--target", $0] }
        let first = try await check(replicate + ["--json"])
        let summary = try JSONSerialization.jsonObject(with: first.stdout) as? [String: Any]
        let targets = try #require(summary?["targets"] as? [[String: Any]])
        #expect(targets.count == 2)
        for target in targets {
            #expect(target["projectsChanged"] as? Int == 20)
            #expect(target["objectsCopied"] as? Int == 200 + 200 + 20)
        }
        let verify = try await check(replicate + ["--verify"])
        #expect(verify.stdoutText.contains("identical to the source"))

        // pip installs from a server on each replica.
        for replica in replicas {
            let server = try await ServerProcess.start(storeURL: replica, environment: ReplicationSupport.awsEnvironment)
            let pipTarget = work.appendingPathComponent("pip-\(UUID().uuidString.prefix(6))")
            let pip = try await ProcessRunner.run(
                TestSupport.python,
                ["-m", "pip", "install", "--no-cache-dir", "--index-url", server.indexURL, "--target", pipTarget.path, "rep-7==1.4", "rep-13"])
            await server.stop()
            #expect(pip.status == 0, "\(pip.stdoutText)\n\(pip.stderrText)")
            let installed = Set(try FileManager.default.contentsOfDirectory(atPath: pipTarget.path).filter { $0.hasSuffix(".dist-info") })
            #expect(installed == ["rep_7-1.4.dist-info", "rep_13-1.9.dist-info"])
        }

        // A second run: the emulator sees one read per target (its checkpoint) and no write.
        let before = try await settled { buckets.map { moto.requestCount(bucket: $0) } }
        let second = try await check(replicate)
        let after = try await settled { buckets.map { moto.requestCount(bucket: $0) } }
        #expect(second.stdoutText.contains("0 objects (0 bytes) copied"), "\(second.stdoutText)")
        #expect(after[1] - before[1] == 1 && after[2] - before[2] == 1, "target requests: \(before) -> \(after)")
        #expect(after[0] - before[0] == 2, "one listing of the source's records per target: \(before) -> \(after)")

        // Yank, a new upload and two conflicting uploads of one filename at once, then replicate.
        _ = try await check(["yank", "--store", primary, "rep-3", "1.2", "--reason", "bad build"])
        let fresh = work.appendingPathComponent("fresh")
        _ = try await DistFixtures.make("rep-5", "7.0", in: fresh)
        _ = try await check(["upload", "--store", primary, fresh.path])
        let contenders = try await (0..<2).asyncMap { index in
            try await DistFixtures.make("rep-9", "9.0", in: work.appendingPathComponent("contender\(index)"), payload: 100 + index)
        }
        let uploads = try await withThrowingTaskGroup(of: ProcessResult.self) { group in
            for contender in contenders {
                group.addTask { try await ReplicationSupport.wheelhouse(["upload", "--store", primary, contender.path]) }
            }
            return try await group.reduce(into: [ProcessResult]()) { $0.append($1) }
        }
        #expect(uploads.filter { $0.status == 0 }.count == 1, "exactly one of two conflicting uploads wins")
        let third = try await check(replicate)
        #expect(third.stdoutText.contains("3 changed"), "\(third.stdoutText)")
        _ = try await check(replicate + ["--verify"])
        let source = try store(primary)
        for replica in replicas {
            let target = try store(replica)
            for project in ["rep-3", "rep-5", "rep-9"] {
                let key = "_wheelhouse/projects/\(project).json"
                #expect(try await target.read(key)?.data == source.read(key)?.data, "\(project) at \(replica)")
            }
        }
    }

    @Test func sigkillAtRandomPointsNeverShowsAMissingFileAndConverges() async throws {
        let moto = try await MotoServer.shared()
        let sourceDir = work.appendingPathComponent("source")
        let dists = work.appendingPathComponent("dists")
        _ = try await ReplicationSupport.makeManyWheels(in: dists, projects: 40, versions: 15)
        _ = try await check(["upload", "--store", sourceDir.path, dists.path])
        let bucket = try await moto.makeBucket("rep-kill", region: "eu-central-1")
        let targetURL = moto.storeURL(bucket: bucket, region: "eu-central-1")
        let target = try store(targetURL)

        let observed = ReaderLog()
        let reader = Task {
            while !Task.isCancelled {
                do {
                    observed.read(problems: try await Self.listedButMissing(in: target))
                } catch  where !Task.isCancelled {
                    observed.read(problems: ["reader failed: \(error)"])
                } catch {}
                try? await Task.sleep(for: .milliseconds(20))
            }
        }

        var kills = 0
        var rounds = 0
        while kills < 25 && rounds < 80 {
            rounds += 1
            let log = work.appendingPathComponent("kill-\(rounds).log")
            let child = try ReplicationSupport.spawnWheelhouse(
                ["replicate", "--source", sourceDir.path, "--target", targetURL, "--jobs", "4"], log: log)
            try await Task.sleep(for: .milliseconds(Int.random(in: 50...700)))
            guard child.isRunning else {
                #expect(await child.wait() == 0, "\(String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self))")
                break
            }
            child.signal(SIGKILL)
            _ = await child.wait()
            kills += 1
        }
        #expect(kills >= 20, "only \(kills) kills landed during the replication")
        let last = try await check(["replicate", "--source", sourceDir.path, "--target", targetURL])
        #expect(last.stdoutText.contains("0 conflicts, 0 failures"))
        reader.cancel()
        _ = await reader.value
        #expect(observed.problems.isEmpty, "\(observed.problems.prefix(10))")
        #expect(observed.reads > 20)
        _ = try await check(["replicate", "--source", sourceDir.path, "--target", targetURL, "--verify"])
        // No partial multipart uploads or spool objects are visible: every object is accounted for.
        let stray = try await target.list(prefix: "").filter {
            !($0.key.hasPrefix("packages/") || $0.key.hasPrefix("simple/") || $0.key.hasPrefix("_wheelhouse/projects/")
                || $0.key.hasPrefix("_wheelhouse/replication/"))
        }
        #expect(stray.isEmpty, "\(stray.map(\.key))")
    }

    @Test func localToS3AndBackForAirGappedTransfers() async throws {
        let moto = try await MotoServer.shared()
        let sourceDir = work.appendingPathComponent("source")
        let backDir = work.appendingPathComponent("back")
        let dists = work.appendingPathComponent("dists")
        _ = try await ReplicationSupport.makeManyWheels(in: dists, projects: 4, versions: 3, prefix: "gap")
        _ = try await check(["upload", "--store", sourceDir.path, dists.path])
        _ = try await check(["yank", "--store", sourceDir.path, "gap-1", "1.1"])
        let bucket = try await moto.makeBucket("rep-gap", region: "us-west-2")
        let s3 = moto.storeURL(bucket: bucket, region: "us-west-2")

        _ = try await check(["replicate", "--source", sourceDir.path, "--target", s3])
        _ = try await check(["replicate", "--source", s3, "--target", "file://" + backDir.path])
        _ = try await check(["replicate", "--source", sourceDir.path, "--target", s3, "--verify"])
        _ = try await check(["replicate", "--source", s3, "--target", backDir.path, "--verify"])
        let original = try DistFixtures.treeSnapshot(sourceDir).filter { !$0.key.contains("/_wheelhouse/tokens/") }
        let copy = try DistFixtures.treeSnapshot(backDir).filter { !$0.key.contains("/_wheelhouse/replication/") }
        #expect(copy == original, "differing: \(Set(copy.keys).symmetricDifference(original.keys).sorted().prefix(10))")
    }

    @Test func verifyReportsEachDifferenceAndBadOptionsAreRefusedClearly() async throws {
        let sourceDir = work.appendingPathComponent("source")
        let targetDir = work.appendingPathComponent("target")
        let dists = work.appendingPathComponent("dists")
        _ = try await ReplicationSupport.makeManyWheels(in: dists, projects: 2, versions: 2, prefix: "ver")
        _ = try await check(["upload", "--store", sourceDir.path, dists.path])
        _ = try await check(["replicate", "--store", sourceDir.path, "--target", targetDir.path])

        let damaged = targetDir.appendingPathComponent("packages/ver-0/ver_0-1.0-py3-none-any.whl")
        try Data("damaged".utf8).write(to: damaged)
        try FileManager.default.removeItem(at: targetDir.appendingPathComponent("packages/ver-1/ver_1-1.1-py3-none-any.whl.metadata"))
        let verify = try await ReplicationSupport.wheelhouse(["replicate", "--source", sourceDir.path, "--target", targetDir.path, "--verify"])
        #expect(verify.status == 1)
        #expect(verify.stdoutText.contains("size-mismatch: packages/ver-0/ver_0-1.0-py3-none-any.whl"), "\(verify.stdoutText)")
        #expect(verify.stdoutText.contains("hash-mismatch: packages/ver-0/ver_0-1.0-py3-none-any.whl"))
        #expect(verify.stdoutText.contains("missing-metadata: packages/ver-1/ver_1-1.1-py3-none-any.whl.metadata"))
        #expect(verify.stdoutText.contains("3 differences"), "\(verify.stdoutText)")

        for (arguments, message) in [
            (["replicate", "--source", sourceDir.path], "at least one --target"),
            (["replicate", "--source", sourceDir.path, "--target", targetDir.path, "--interval", "soon"], "--interval"),
            (["replicate", "--source", sourceDir.path, "--target", targetDir.path, "--jobs", "0"], "--jobs"),
            (["replicate", "--source", sourceDir.path, "--target", sourceDir.path], "is the source"),
            (["replicate", "--source", sourceDir.path, "--target", "s3:/bucket"], "s3://"),
        ] {
            let result = try await ReplicationSupport.wheelhouse(arguments)
            #expect(result.status != 0 && result.stderrText.contains(message), "\(arguments): \(result.stderrText)")
        }
    }

    @Test func faultsEitherCompleteOrFailClearlyNeverInconsistent() async throws {
        let moto = try await MotoServer.shared()
        let sourceDir = work.appendingPathComponent("source")
        let dists = work.appendingPathComponent("dists")
        _ = try await ReplicationSupport.makeManyWheels(in: dists, projects: 6, versions: 4, prefix: "fault")
        _ = try await check(["upload", "--store", sourceDir.path, dists.path])

        // Throttling answers (fewer than the client's 5 attempts): retried with backoff, the run completes.
        let throttled = try await moto.makeBucket("rep-throttle", region: "eu-west-1")
        let proxy = try await FaultProxy.start(upstream: moto.port, faults: 4, mode: "503")
        let throttledRun = try await ReplicationSupport.wheelhouse(
            ["replicate", "--source", sourceDir.path, "--target", moto.storeURL(bucket: throttled, region: "eu-west-1", endpoint: proxy.endpoint)])
        proxy.stop()
        #expect(throttledRun.status == 0, "\(throttledRun.stdoutText)\n\(throttledRun.stderrText)")
        _ = try await check(["replicate", "--source", sourceDir.path, "--target", moto.storeURL(bucket: throttled, region: "eu-west-1"), "--verify"])

        // Connections dropped from the start on: the run fails with clear messages, and what
        // the target shows is consistent; a run without faults then converges.
        let dropped = try await moto.makeBucket("rep-drop", region: "eu-west-1")
        let direct = moto.storeURL(bucket: dropped, region: "eu-west-1")
        _ = try await check(["replicate", "--source", sourceDir.path, "--target", direct])
        let more = work.appendingPathComponent("more")
        _ = try await ReplicationSupport.makeManyWheels(in: more, projects: 6, versions: 2, prefix: "fault", startVersion: 10)
        _ = try await check(["upload", "--store", sourceDir.path, more.path])
        let dropper = try await FaultProxy.start(upstream: moto.port, faults: 1_000_000, mode: "drop")
        let failed = try await ReplicationSupport.wheelhouse(
            ["replicate", "--source", sourceDir.path, "--target", moto.storeURL(bucket: dropped, region: "eu-west-1", endpoint: dropper.endpoint)])
        dropper.stop()
        #expect(failed.status == 1)
        let errorLines = failed.stderrText.split(separator: "\n").filter { $0.hasPrefix("error:") }
        #expect(!errorLines.isEmpty && errorLines.allSatisfy { $0.count < 2000 }, "\(failed.stderrText.prefix(2000))")
        #expect(try await Self.listedButMissing(in: store(direct)).isEmpty)
        _ = try await check(["replicate", "--source", sourceDir.path, "--target", direct])
        _ = try await check(["replicate", "--source", sourceDir.path, "--target", direct, "--verify"])
    }

    @Test func watchReplicatesChangesExportsMetricsAndStopsOnSIGTERM() async throws {
        let moto = try await MotoServer.shared()
        let sourceDir = work.appendingPathComponent("source")
        let first = work.appendingPathComponent("first")
        _ = try await DistFixtures.make("watched", "1.0", in: first)
        _ = try await check(["upload", "--store", sourceDir.path, first.path])
        let bucket = try await moto.makeBucket("rep-watch", region: "eu-north-1")
        let targetURL = moto.storeURL(bucket: bucket, region: "eu-north-1")
        let port = try freeLoopbackPort()
        let log = work.appendingPathComponent("watch.log")
        let worker = try ReplicationSupport.spawnWheelhouse(
            ["replicate", "--source", sourceDir.path, "--target", targetURL, "--watch", "--interval", "500ms", "--metrics-port", "\(port)"],
            log: log)
        defer { worker.signal(SIGKILL) }
        let target = try store(targetURL)

        func waitFor(_ key: String) async throws -> Bool {
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                if try await target.head(key) != nil { return true }
                try await Task.sleep(for: .milliseconds(100))
            }
            return false
        }
        #expect(try await waitFor("_wheelhouse/projects/watched.json"))
        let second = work.appendingPathComponent("second")
        _ = try await DistFixtures.make("watched", "2.0", in: second)
        _ = try await check(["upload", "--store", sourceDir.path, second.path])
        #expect(try await waitFor("packages/watched/watched-2.0-py3-none-any.whl"))
        let deadline = ContinuousClock.now + .seconds(30)
        var recordMatches = false
        while ContinuousClock.now < deadline, !recordMatches {
            let source = try FileSystemBlobStore(root: sourceDir)
            recordMatches =
                try await target.read("_wheelhouse/projects/watched.json")?.data
                == source.read("_wheelhouse/projects/watched.json")?.data
            if !recordMatches { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(recordMatches)

        // The cycle's counters are added when it ends, a moment after its last write.
        var metrics = ""
        var copied = 0
        let metricsDeadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < metricsDeadline, copied < 6 {
            let (body, response) = try await HTTP.get("http://127.0.0.1:\(port)/metrics")
            #expect(response.statusCode == 200)
            metrics = String(decoding: body, as: UTF8.self)
            let line = metrics.split(separator: "\n").first { $0.hasPrefix("wheelhouse_replication_copied_objects_total{") }
            copied = line.flatMap { $0.split(separator: " ").last.flatMap { Int($0) } } ?? 0
            if copied < 6 { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(copied == 6, "two files, their metadata and two record versions: \(metrics)")
        #expect(metrics.contains("wheelhouse_replication_lag_seconds{target=\"\(targetURL)\"}"), "\(metrics)")

        worker.signal(SIGTERM)
        let stopped = Task { await worker.wait() }
        let killer = Task {
            try await Task.sleep(for: .seconds(15))
            worker.signal(SIGKILL)
        }
        let status = await stopped.value
        killer.cancel()
        let text = String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self)
        #expect(status == 0, "\(text)")
        #expect(text.contains("replication cycle done") && text.contains("replication worker stopped"), "\(text)")
    }

    @Test func eachTargetRegionGetsAManifestNamingItsOwnBucket() async throws {
        let moto = try await MotoServer.shared()
        let source = moto.storeURL(bucket: try await moto.makeBucket("manifest-src", region: "us-east-1"), region: "us-east-1")
        let targets = [
            ("eu-west-1", try await moto.makeBucket("manifest-eu", region: "eu-west-1")),
            ("ap-southeast-2", try await moto.makeBucket("manifest-ap", region: "ap-southeast-2")),
        ]
        let dists = work.appendingPathComponent("dists")
        _ = try await DistFixtures.make("glue-dep", "1.0", in: dists)
        _ = try await DistFixtures.make("glue-app", "2.0", in: dists, requiresDist: ["glue-dep>=1"])
        _ = try await check(["upload", "--store", source, dists.path])

        var environment = ReplicationSupport.awsEnvironment
        environment["AWS_ENDPOINT_URL_SSM"] = moto.endpointString
        let parameter = "/wheelhouse/glue-\(UUID().uuidString.prefix(6))"
        var arguments = ["replicate", "--source", source, "--manifest-parameter", parameter, "--glue-version", "5.0"]
        for (region, bucket) in targets { arguments += ["--target", moto.storeURL(bucket: bucket, region: region)] }
        let run = try await ProcessRunner.run(Products.wheelhouse, arguments, environment: environment)
        #expect(run.status == 0, "\(run.stdoutText)\(run.stderrText)")

        let script = """
            import boto3, json, sys
            out = {}
            for region in sys.argv[3:]:
                ssm = boto3.client("ssm", endpoint_url=sys.argv[1], region_name=region,
                                   aws_access_key_id="testing", aws_secret_access_key="testing")
                try:
                    out[region] = ssm.get_parameter(Name=sys.argv[2])["Parameter"]["Value"]
                except ssm.exceptions.ParameterNotFound:
                    out[region] = None
            print(json.dumps(out))
            """
        let read = try await ProcessRunner.check(
            TestSupport.python, ["-c", script, moto.endpointString, parameter, "us-east-1", "eu-west-1", "ap-southeast-2"])
        let values = try #require(try JSONSerialization.jsonObject(with: read.stdout) as? [String: Any])
        #expect(values["us-east-1"] is NSNull, "only the targets' regions get a manifest: \(values)")
        for (region, bucket) in targets {
            let uris = ((values[region] as? String) ?? "").split(separator: ",").map(String.init)
            #expect(uris.count == 2, "\(region): \(uris)")
            #expect(uris.allSatisfy { $0.hasPrefix("s3://\(bucket)/packages/") }, "\(region): \(uris)")
            #expect(
                Set(uris.compactMap { $0.split(separator: "/").last.map(String.init) })
                    == ["glue_app-2.0-py3-none-any.whl", "glue_dep-1.0-py3-none-any.whl"])
        }

        // A local target cannot carry an S3 manifest: a usage error before anything is copied.
        let local = try await ProcessRunner.run(
            Products.wheelhouse,
            ["replicate", "--source", source, "--target", work.appendingPathComponent("local").path, "--manifest-parameter", parameter],
            environment: environment)
        #expect(local.status == 64)
        #expect(local.stderrText.contains("--manifest-parameter needs S3 targets"), "\(local.stderrText)")
    }

    @Test func watchRepublishesEachTargetsManifestPerCycle() async throws {
        let moto = try await MotoServer.shared()
        let sourceDir = work.appendingPathComponent("watch-manifest-source")
        let first = work.appendingPathComponent("wm-first")
        _ = try await DistFixtures.make("cycled", "1.0", in: first)
        _ = try await check(["upload", "--store", sourceDir.path, first.path])
        let bucket = try await moto.makeBucket("watch-manifest", region: "eu-west-1")
        let targetURL = moto.storeURL(bucket: bucket, region: "eu-west-1")
        let parameter = "/wheelhouse/watch-\(UUID().uuidString.prefix(6))"
        var environment = ReplicationSupport.awsEnvironment
        environment["AWS_ENDPOINT_URL_SSM"] = moto.endpointString
        let log = work.appendingPathComponent("watch-manifest.log")
        let worker = try ReplicationSupport.spawnWheelhouse(
            [
                "replicate", "--source", sourceDir.path, "--target", targetURL, "--watch", "--interval", "500ms",
                "--manifest-parameter", parameter, "--glue-version", "5.0",
            ],
            log: log, environment: environment)
        defer { worker.signal(SIGKILL) }
        let ssm = SSMClient(
            configuration: SSMConfiguration(region: "eu-west-1", endpoint: moto.endpoint),
            credentials: StaticCredentialProvider(AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing")))

        func waitForValue(containing text: String) async throws -> String? {
            let deadline = ContinuousClock.now + .seconds(30)
            var value: String?
            while ContinuousClock.now < deadline {
                value = try await ssm.getParameterIfPresent(name: parameter)?.value
                if value?.contains(text) == true { return value }
                try await Task.sleep(for: .milliseconds(200))
            }
            return value
        }
        let firstValue = try await waitForValue(containing: "cycled-1.0")
        #expect(
            firstValue == "s3://\(bucket)/packages/cycled/cycled-1.0-py3-none-any.whl",
            "\(String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self))")
        let second = work.appendingPathComponent("wm-second")
        _ = try await DistFixtures.make("cycled", "2.0", in: second)
        _ = try await check(["upload", "--store", sourceDir.path, second.path])
        let secondValue = try await waitForValue(containing: "cycled-2.0")
        #expect(secondValue == "s3://\(bucket)/packages/cycled/cycled-2.0-py3-none-any.whl")
        let history = try await ssm.parameterHistory(name: parameter)
        #expect(history.count == 2, "written once per change, not per cycle: \(history.map(\.value))")
    }
}

/// What the polling reader of the kill test saw.
final class ReaderLog: Sendable {
    private let state = Mutex<(reads: Int, problems: [String])>((0, []))
    func read(problems: [String]) {
        state.withLock {
            $0.reads += 1; $0.problems += problems
        }
    }
    var reads: Int { state.withLock { $0.reads } }
    var problems: [String] { state.withLock { $0.problems } }
}

extension Sequence where Element: Sendable {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
