import Foundation
import Testing
import WheelhouseTestSupport

/// `wheelhouse` processes on an S3 bucket (moto_server): stateless servers sharing one bucket,
/// downloads redirected to presigned URLs, and a store that fails on a schedule.
@Suite(.serialized, .tags(.endToEnd), .skippedInFastTier)
struct S3StoreEndToEndTests {
    let work: URL

    init() throws {
        work = try TestSupport.makeTemporaryDirectory("wh-s3-e2e")
    }

    func token(_ store: TestStore) async throws -> String {
        let result = try await ProcessRunner.check(
            Products.wheelhouse, ["token", "create", "ci-\(UUID().uuidString.prefix(4))", "--store", store.url, "--json"],
            environment: store.environment)
        return try #require((try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])?["token"] as? String)
    }

    func jsonPage(_ server: ServerProcess, _ project: String) async throws -> [String: Any] {
        let (data, response) = try await HTTP.get(
            "\(server.indexURL)\(project)/", headers: ["Accept": "application/vnd.pypi.simple.v1+json"])
        #expect(response.statusCode == 200)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func twoServersOnOneBucketBothListEveryConcurrentUpload() async throws {
        let store = try await TestStore.make(.s3, in: work, label: "two-servers")
        let staleness = ["--index-staleness", "0.5"]
        let a = try await ServerProcess.start(store: store, extraArguments: staleness)
        defer { Task { await a.stop() } }
        let b = try await ServerProcess.start(store: store, extraArguments: staleness)
        defer { Task { await b.stop() } }
        let token = try await token(store)

        // Both servers have served (and cached) the project page before the uploads start.
        _ = try await DistFixtures.make("shared-project", "0.1", in: work.appendingPathComponent("seed"))
        try await ProcessRunner.check(
            Products.wheelhouse, ["upload", "--store", store.url, work.appendingPathComponent("seed").path], environment: store.environment)
        #expect(((try await jsonPage(a, "shared-project"))["files"] as? [Any])?.count == 1)
        #expect(((try await jsonPage(b, "shared-project"))["files"] as? [Any])?.count == 1)

        // 50 distinct files in 10 processes at once, alternating between the two servers.
        var batches: [URL] = []
        for batch in 0..<10 {
            let dir = work.appendingPathComponent("batch\(batch)")
            for i in 0..<5 { _ = try await DistFixtures.make("shared-project", "1.\(batch * 5 + i)", in: dir) }
            batches.append(dir)
        }
        let results = try await withThrowingTaskGroup(of: ProcessResult.self) { group in
            for (n, dir) in batches.enumerated() {
                let server = n % 2 == 0 ? a : b
                group.addTask {
                    try await ProcessRunner.run(
                        Products.wheelhouse, ["upload", "--repository-url", server.uploadURL, "--token", token, dir.path])
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for result in results { #expect(result.status == 0, "\(result.stdoutText)\(result.stderrText)") }

        // Within the staleness bound each server lists all 51 files, including the other's.
        for server in [a, b] {
            try await poll("\(server.baseURL) listing 51 files", timeout: .seconds(10)) {
                (try await jsonPage(server, "shared-project")["files"] as? [Any])?.count == 51
            }
            let page = try await jsonPage(server, "shared-project")
            #expect((page["files"] as? [Any])?.count == 51, "\(server.baseURL)")
            #expect((page["versions"] as? [String])?.count == 51)
        }
        let verify = try await ProcessRunner.run(
            Products.wheelhouse, ["verify", "--store", store.url], environment: store.environment)
        #expect(verify.status == 0, "\(verify.stdoutText)\(verify.stderrText)")
    }

    @Test func downloadsCanBeRedirectedToPresignedURLs() async throws {
        let store = try await TestStore.make(.s3, in: work, label: "redirect")
        let dists = work.appendingPathComponent("dists")
        _ = try await DistFixtures.make("dep-lib", "1.0", in: dists)
        _ = try await DistFixtures.make("app-pkg", "1.0", in: dists, requiresDist: ["dep-lib"])
        try await ProcessRunner.check(
            Products.wheelhouse, ["upload", "--store", store.url, dists.path], environment: store.environment)
        let server = try await ServerProcess.start(
            store: store, extraArguments: ["--download-redirect", "--download-redirect-expiry", "120"])
        defer { Task { await server.stop() } }
        let moto = try #require(store.moto)

        let fileURL = "\(server.baseURL)/packages/dep-lib/dep_lib-1.0-py3-none-any.whl"
        let (_, redirect) = try await HTTP.get(fileURL)
        #expect(redirect.statusCode == 302)
        let location = try #require(redirect.value(forHTTPHeaderField: "Location"))
        #expect(location.hasPrefix(moto.endpointString + "/\(try #require(store.bucket))/index/packages/dep-lib/"))
        #expect(location.contains("X-Amz-Expires=120") && location.contains("X-Amz-Signature="))
        // The presigned URL needs no credentials and gives the recorded bytes.
        let (bytes, direct) = try await HTTP.get(location)
        #expect(direct.statusCode == 200)
        #expect(bytes == (try await store.object("packages/dep-lib/dep_lib-1.0-py3-none-any.whl")))
        // Metadata stays on the server.
        let (_, metadata) = try await HTTP.get(fileURL + ".metadata")
        #expect(metadata.statusCode == 200)

        // pip follows the redirects and installs.
        let target = work.appendingPathComponent("target")
        let pip = try await ProcessRunner.run(
            TestSupport.python,
            ["-m", "pip", "install", "--no-cache-dir", "--index-url", server.indexURL, "--target", target.path, "app-pkg"])
        #expect(pip.status == 0, "\(pip.stdoutText)\(pip.stderrText)")
        #expect(FileManager.default.fileExists(atPath: target.appendingPathComponent("dep_lib-1.0.dist-info").path))
        let (metrics, _) = try await HTTP.get("\(server.baseURL)/metrics")
        let metricsText = String(decoding: metrics, as: UTF8.self)
        #expect(metricsText.contains("wheelhouse_download_redirects_total 3"), "\(metricsText)")
        // Request latency by route, with buckets, sum and count (pip read two project pages).
        let route = #"route="/simple/{project}",method="GET",status="200""#
        #expect(metricsText.contains("wheelhouse_http_request_duration_seconds_bucket{\(route),le=\"+Inf\"} 2"), "\(metricsText)")
        #expect(metricsText.contains("wheelhouse_http_request_duration_seconds_count{\(route)} 2"), "\(metricsText)")
        #expect(metricsText.contains("wheelhouse_http_requests_total{\(route)} 2"), "\(metricsText)")

        // A local store cannot redirect: a usage error, before anything starts.
        let local = try await ProcessRunner.run(
            Products.wheelhouse, ["serve", "--store", work.appendingPathComponent("local").path, "--download-redirect"])
        #expect(local.status == 64)
        #expect(local.stderrText.contains("--download-redirect needs an S3 store"), "\(local.stderrText)")
    }

    @Test func uploadsAndReadsSurviveAFlakyStoreAndAnOutageLeavesItConsistent() async throws {
        let store = try await TestStore.make(.s3, in: work, label: "faults")
        let moto = try #require(store.moto)
        let proxy = try await FaultProxy.start(
            upstream: moto.port, schedule: ["pass", "503", "pass", "drop", "pass", "500", "pass", "delay", "pass", "pass"])
        let bucket = try #require(store.bucket)
        let flakyStore = "s3://\(bucket)/index?region=us-east-1&endpoint=\(proxy.endpointString)"
        let token = try await token(store)
        let server = try await ServerProcess.start(
            storeURL: flakyStore, environment: store.environment, extraArguments: ["--index-staleness", "0"])
        defer { Task { await server.stop() } }

        // Every upload and install succeeds through the faults, retried by the S3 client.
        let dists = work.appendingPathComponent("dists")
        for i in 0..<6 { _ = try await DistFixtures.make("flaky-project", "1.\(i)", in: dists) }
        _ = try await DistFixtures.make("flaky-app", "1.0", in: dists, requiresDist: ["flaky-project>=1.5"])
        let upload = try await ProcessRunner.run(
            Products.wheelhouse, ["upload", "--repository-url", server.uploadURL, "--token", token, dists.path])
        #expect(upload.status == 0, "\(upload.stdoutText)\(upload.stderrText)")
        let target = work.appendingPathComponent("target")
        let pip = try await ProcessRunner.run(
            TestSupport.python,
            ["-m", "pip", "install", "--no-cache-dir", "--index-url", server.indexURL, "--target", target.path, "flaky-app"])
        #expect(pip.status == 0, "\(pip.stdoutText)\(pip.stderrText)")
        #expect(FileManager.default.fileExists(atPath: target.appendingPathComponent("flaky_project-1.5.dist-info").path))
        #expect(proxy.requests > 40, "the faults were exercised: \(proxy.requests) requests")

        // An outage longer than the retry budget: the upload fails with a clear answer, and
        // nothing of it becomes visible.
        let before = try await store.snapshot()
        let pageBefore = try await jsonPage(server, "flaky-project")
        proxy.outage()
        // Liveness says so (DESIGN.md §4), without internals, within the probe's timeout.
        let (unhealthyBody, unhealthy) = try await HTTP.get(server.baseURL + "/healthz", timeout: 30)
        #expect(unhealthy.statusCode == 503, "\(String(decoding: unhealthyBody, as: UTF8.self))")
        #expect(String(decoding: unhealthyBody, as: UTF8.self) == "unavailable: the store does not answer\n")
        // Index pages the server has seen stay available while the store is down (stale if error).
        let pageDuring = try await jsonPage(server, "flaky-project")
        #expect((pageDuring["versions"] as? [String]) == (pageBefore["versions"] as? [String]))
        #expect((pageDuring["versions"] as? [String])?.count == 6)
        let late = work.appendingPathComponent("late")
        _ = try await DistFixtures.make("flaky-project", "2.0", in: late)
        let failed = try await ProcessRunner.run(
            Products.wheelhouse, ["upload", "--repository-url", server.uploadURL, "--token", token, late.path])
        #expect(failed.status == 1)
        #expect((failed.stdoutText + failed.stderrText).contains("503"), "\(failed.stdoutText)\(failed.stderrText)")
        #expect((failed.stdoutText + failed.stderrText).contains("The store is unavailable"))
        let direct = try await ProcessRunner.run(
            Products.wheelhouse, ["upload", "--store", flakyStore, late.path], environment: store.environment)
        #expect(direct.status == 1)
        #expect(direct.stderrText.contains("SlowDown") || direct.stdoutText.contains("SlowDown"), "\(direct.stdoutText)\(direct.stderrText)")
        proxy.restore()
        var healthy = 0
        for _ in 0..<40 where healthy != 200 {
            healthy = (try? await HTTP.get(server.baseURL + "/healthz", timeout: 30))?.1.statusCode ?? 0
            if healthy != 200 { try await Task.sleep(for: .milliseconds(500)) }
        }
        #expect(healthy == 200, "healthy again once the store answers")

        #expect(try await store.snapshot() == before, "a failed upload must not change the store")
        let verify = try await ProcessRunner.run(Products.wheelhouse, ["verify", "--store", store.url], environment: store.environment)
        #expect(verify.status == 0, "\(verify.stdoutText)\(verify.stderrText)")
        let page = try await jsonPage(server, "flaky-project")
        #expect((page["versions"] as? [String])?.contains("2.0") == false)

        // After the outage the same upload goes through.
        let retry = try await ProcessRunner.run(
            Products.wheelhouse, ["upload", "--repository-url", server.uploadURL, "--token", token, late.path])
        #expect(retry.status == 0, "\(retry.stdoutText)\(retry.stderrText)")
    }

    @Test func listYankVerifyAndRebuildWorkOnS3() async throws {
        let store = try await TestStore.make(.s3, in: work, label: "admin")
        func run(_ args: [String]) async throws -> ProcessResult {
            try await ProcessRunner.run(Products.wheelhouse, args + ["--store", store.url], environment: store.environment)
        }
        let dists = work.appendingPathComponent("dists")
        for version in ["1.0", "2.0"] {
            _ = try await DistFixtures.make("alpha-lib", version, in: dists)
            _ = try await DistFixtures.make("beta-lib", version, in: dists)
        }
        #expect(try await run(["upload", dists.path]).status == 0)
        #expect(try await run(["yank", "beta-lib", "2.0", "--reason", "broken"]).status == 0)
        #expect(try await run(["list"]).stdoutText == "alpha-lib\nbeta-lib\n")
        #expect(try await run(["verify"]).status == 0)

        // Lose alpha-lib's record and one of beta-lib's metadata files.
        try await store.delete("_wheelhouse/projects/alpha-lib.json")
        try await store.delete("packages/beta-lib/beta_lib-1.0-py3-none-any.whl.metadata")
        let damaged = try await run(["verify", "--json"])
        #expect(damaged.status == 1)
        let problems = (try JSONSerialization.jsonObject(with: damaged.stdout) as? [String: Any])?["problems"] as? [[String: Any]]
        #expect(Set((problems ?? []).compactMap { $0["kind"] as? String }) == ["orphan", "missing-metadata"], "\(damaged.stdoutText)")

        let rebuild = try await run(["index", "rebuild"])
        #expect(rebuild.status == 0, "\(rebuild.stderrText)")
        #expect(try await run(["verify"]).status == 0)
        let alpha = try await run(["list", "alpha-lib", "--json"])
        let files = (try JSONSerialization.jsonObject(with: alpha.stdout) as? [String: Any])?["files"] as? [[String: Any]]
        #expect((files ?? []).count == 2)
        // beta-lib's record survived, so its yank mark is kept.
        let beta = try await run(["list", "beta-lib", "--json"])
        let betaFiles = (try JSONSerialization.jsonObject(with: beta.stdout) as? [String: Any])?["files"] as? [[String: Any]]
        #expect((betaFiles ?? []).filter { ($0["yanked"] as? Bool) == true }.compactMap { $0["version"] as? String } == ["2.0"])
        #expect(try await store.object("packages/beta-lib/beta_lib-1.0-py3-none-any.whl.metadata") != nil)
    }
}
