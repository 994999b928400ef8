import Crypto
import Foundation
import Testing
import WheelhouseTestSupport

/// `serve --upstream` against real upstreams on loopback: a second `wheelhouse serve` (JSON,
/// metadata, upload times), pypiserver serving a folder (HTML only, no metadata, no upload
/// times) and a static tree behind `python -m http.server` that lies about a sha256; pip and uv
/// install through the mirror.
@Suite(.serialized, .tags(.endToEnd), .skippedInFastTier)
struct MirrorEndToEndTests {
    let work: URL
    let dists: URL

    init() throws {
        work = try TestSupport.makeTemporaryDirectory("wh-mirror")
        dists = work.appendingPathComponent("dists")
        try FileManager.default.createDirectory(at: dists, withIntermediateDirectories: true)
    }

    // MARK: Helpers

    func wheelhouse(_ args: [String], store: URL) async throws -> ProcessResult {
        try await ProcessRunner.run(Products.wheelhouse, args + ["--store", store.path])
    }

    /// dep-lib 1.0 and app-pkg 1.0 (requires dep-lib), as wheels in `folder`.
    func makeScenario(in folder: URL) async throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        _ = try await DistFixtures.make("dep-lib", "1.0", in: folder, requiresPython: ">=3.8")
        _ = try await DistFixtures.make("app-pkg", "1.0", in: folder, requiresDist: ["dep-lib"])
    }

    /// A `wheelhouse serve` upstream holding what `folder` has.
    func wheelhouseUpstream(_ folder: URL, label: String = "upstream") async throws -> ServerProcess {
        let store = work.appendingPathComponent(label + "-store")
        let upload = try await wheelhouse(["upload", folder.path], store: store)
        #expect(upload.status == 0, "\(upload.stderrText)")
        return try await ServerProcess.start(store: store)
    }

    func mirror(_ upstream: String, store label: String = "mirror-store", _ extra: [String] = []) async throws -> ServerProcess {
        try await ServerProcess.start(store: work.appendingPathComponent(label), extraArguments: ["--upstream", upstream] + extra)
    }

    func pipInstall(_ server: ServerProcess, _ requirements: [String], target: String) async throws -> (ProcessResult, Set<String>) {
        let dir = work.appendingPathComponent(target)
        let result = try await ProcessRunner.run(
            TestSupport.python,
            ["-m", "pip", "install", "--no-cache-dir", "--index-url", server.indexURL, "--target", dir.path] + requirements)
        return (result, installed(dir))
    }

    func uvInstall(_ server: ServerProcess, _ requirements: [String], target: String) async throws -> (ProcessResult, Set<String>) {
        let dir = work.appendingPathComponent(target)
        let result = try await ProcessRunner.run(
            Products.venvTool("uv"),
            ["pip", "install", "--no-cache", "--python", TestSupport.python, "--index-url", server.indexURL, "--target", dir.path]
                + requirements,
            environment: ["UV_PYTHON_DOWNLOADS": "never"])
        return (result, installed(dir))
    }

    func installed(_ dir: URL) -> Set<String> {
        Set(((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".dist-info") })
    }

    func page(_ server: ServerProcess, _ project: String, json: Bool = true) async throws -> (String, Int) {
        let (data, response) = try await HTTP.get(
            "\(server.indexURL)\(project)/", headers: ["Accept": json ? "application/vnd.pypi.simple.v1+json" : "text/html"])
        return (String(decoding: data, as: UTF8.self), response.statusCode)
    }

    func jsonFiles(_ text: String) throws -> [[String: Any]] {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        return object?["files"] as? [[String: Any]] ?? []
    }

    func log(_ server: ServerProcess) -> String { String(decoding: server.log, as: UTF8.self) }

    /// A child process serving on a free loopback port, stopped at the end.
    final class PythonServer: @unchecked Sendable {
        let child: ChildProcess
        let port: Int
        let logFile: URL
        var baseURL: String { "http://127.0.0.1:\(port)" }

        init(_ arguments: (Int) -> [String], executable: String, ready path: String, in work: URL, directory: URL? = nil) async throws {
            port = try freeLoopbackPort()
            logFile = work.appendingPathComponent("child-\(port).log")
            child = try ChildProcess(
                executable, arguments(port), environment: ProcessInfo.processInfo.environment, currentDirectory: directory,
                stdin: nil, stdout: logFile, stderr: logFile)
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                if let (_, response) = try? await HTTP.get(baseURL + path, timeout: 2), response.statusCode < 500 { return }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw PythonRunnerError(description: "\(executable) did not start: \((try? String(contentsOf: logFile, encoding: .utf8)) ?? "")")
        }

        var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

        func stop() async {
            child.signal(SIGTERM)
            _ = await child.wait()
        }

        deinit { child.signal(SIGKILL) }
    }

    func pypiserver(_ folder: URL) async throws -> PythonServer {
        try await PythonServer(
            { port in
                [
                    "run", "-p", "\(port)", "-i", "127.0.0.1", "-a", ".", "-P", ".", "--disable-fallback", "--hash-algo", "sha256",
                    "--backend", "simple-dir", folder.path,
                ]
            }, executable: Products.venvTool("pypi-server"), ready: "/simple/", in: work)
    }

    // MARK: Tests

    @Test func pipAndUvInstallThroughAWheelhouseUpstreamThenFromTheCacheWhenItIsGone() async throws {
        try await makeScenario(in: dists)
        let upstream = try await wheelhouseUpstream(dists)
        defer { Task { await upstream.stop() } }
        let mirror = try await mirror(upstream.indexURL, ["--upstream-ttl", "1s"])

        // Our page carries every field the upstream gave, with links to ourselves.
        let (upstreamPage, _) = try await page(upstream, "dep-lib")
        let (ourPage, status) = try await page(mirror, "dep-lib")
        #expect(status == 200)
        let theirs = try jsonFiles(upstreamPage), ours = try jsonFiles(ourPage)
        #expect(ours.count == 1 && theirs.count == 1)
        for key in ["hashes", "requires-python", "core-metadata", "size", "upload-time", "yanked"] {
            #expect("\(ours.first?[key] ?? "missing")" == "\(theirs.first?[key] ?? "missing")", "\(key)")
        }
        #expect(ours.first?["url"] as? String == "../../packages/dep-lib/dep_lib-1.0-py3-none-any.whl")

        let (pip, pipInstalled) = try await pipInstall(mirror, ["app-pkg"], target: "pip1")
        #expect(pip.status == 0, "\(pip.stdoutText)\(pip.stderrText)")
        #expect(pipInstalled == ["app_pkg-1.0.dist-info", "dep_lib-1.0.dist-info"])
        let (uv, uvInstalled) = try await uvInstall(mirror, ["app-pkg"], target: "uv1")
        #expect(uv.status == 0, "\(uv.stdoutText)\(uv.stderrText)")
        #expect(uvInstalled == ["app_pkg-1.0.dist-info", "dep_lib-1.0.dist-info"])

        // The files are in our store, mirrored, keeping the upstream's upload time.
        let store = work.appendingPathComponent("mirror-store")
        let verify = try await wheelhouse(["verify"], store: store)
        #expect(verify.status == 0, "\(verify.stdoutText)\(verify.stderrText)")
        let list = try await wheelhouse(["list", "dep-lib"], store: store)
        #expect(list.stdoutText.contains("mirrored from \(upstream.indexURL)"), "\(list.stdoutText)")
        let record = try await wheelhouse(["list", "dep-lib", "--json"], store: store)
        #expect(record.stdoutText.contains("\"origin\""))
        let upstreamTime = theirs.first?["upload-time"] as? String
        let (after, _) = try await page(mirror, "dep-lib")
        #expect(try jsonFiles(after).first?["upload-time"] as? String == upstreamTime)
        #expect(FileManager.default.fileExists(atPath: store.appendingPathComponent("_wheelhouse/upstream/dep-lib.json").path))
        let metrics = try await HTTP.get(mirror.baseURL + "/metrics")
        let metricsText = String(decoding: metrics.0, as: UTF8.self)
        #expect(metricsText.contains("wheelhouse_upstream_requests_total{outcome=\"ok\"}"))
        #expect(metricsText.contains("wheelhouse_upstream_page_cache_total{result=\"hit\"}"))
        #expect(!metricsText.contains("wheelhouse_upstream_fetched_bytes_total 0\n"))

        // The upstream goes away mid-run: pages are served from the last copy (logged as stale),
        // files from the store.
        await upstream.stop()
        try await Task.sleep(for: .milliseconds(1500))
        let (pip3, pip3Installed) = try await pipInstall(mirror, ["app-pkg"], target: "pip3")
        #expect(pip3.status == 0, "\(pip3.stdoutText)\(pip3.stderrText)")
        #expect(pip3Installed == ["app_pkg-1.0.dist-info", "dep_lib-1.0.dist-info"])
        #expect(log(mirror).contains("stale=true"), "\(log(mirror).suffix(2000))")

        // And after a restart: a new server on the same store, asking the upstream every time,
        // serves the pages it stored.
        await mirror.stop()
        let again = try await self.mirror(upstream.indexURL, ["--upstream-ttl", "0s"])
        defer { Task { await again.stop() } }
        let (pip2, pip2Installed) = try await pipInstall(again, ["app-pkg"], target: "pip2")
        #expect(pip2.status == 0, "\(pip2.stdoutText)\(pip2.stderrText)")
        #expect(pip2Installed == ["app_pkg-1.0.dist-info", "dep_lib-1.0.dist-info"])
        let (uv2, uv2Installed) = try await uvInstall(again, ["app-pkg"], target: "uv2")
        #expect(uv2.status == 0, "\(uv2.stdoutText)\(uv2.stderrText)")
        #expect(uv2Installed == ["app_pkg-1.0.dist-info", "dep_lib-1.0.dist-info"])
        #expect(log(again).contains("stale"), "\(log(again).suffix(2000))")
        let staleMetrics = String(decoding: try await HTTP.get(again.baseURL + "/metrics").0, as: UTF8.self)
        #expect(!staleMetrics.contains("wheelhouse_upstream_stale_serves_total 0\n"))
        // A project never seen, with the upstream down: a clear 502, not a 404.
        let (_, unknown) = try await page(again, "never-seen")
        #expect(unknown == 502)
    }

    @Test func aMirrorOnAnS3StoreKeepsWhatItFetchesThere() async throws {
        try await makeScenario(in: dists)
        let upstream = try await wheelhouseUpstream(dists)
        defer { Task { await upstream.stop() } }
        let store = try await TestStore.make(.s3, in: work, label: "mirror")
        let mirror = try await ServerProcess.start(store: store, extraArguments: ["--upstream", upstream.indexURL])
        defer { Task { await mirror.stop() } }
        let (pip, installed) = try await pipInstall(mirror, ["app-pkg"], target: "pip")
        #expect(pip.status == 0, "\(pip.stdoutText)\(pip.stderrText)\n\(log(mirror).suffix(2000))")
        #expect(installed == ["app_pkg-1.0.dist-info", "dep_lib-1.0.dist-info"])
        #expect(try await store.object("packages/dep-lib/dep_lib-1.0-py3-none-any.whl") != nil)
        #expect(try await store.object("packages/dep-lib/dep_lib-1.0-py3-none-any.whl.metadata") != nil)
        #expect(try await store.object("_wheelhouse/upstream/dep-lib.json") != nil)
        let record = try #require(try await store.object("_wheelhouse/projects/dep-lib.json"))
        #expect(String(decoding: record, as: UTF8.self).contains("\"origin\":\"\(upstream.indexURL)\""))
        let verify = try await ProcessRunner.run(Products.wheelhouse, ["verify", "--store", store.url], environment: store.environment)
        #expect(verify.status == 0, "\(verify.stdoutText)\(verify.stderrText)")
    }

    @Test func credentialsInTheUpstreamURLReachTheUpstreamAndNothingElse() async throws {
        try await makeScenario(in: dists)
        let upstreamStore = work.appendingPathComponent("upstream-store")
        #expect(try await wheelhouse(["upload", dists.path], store: upstreamStore).status == 0)
        let token = try await wheelhouse(["token", "create", "mirror", "--scope", "read", "--json"], store: upstreamStore)
        let secret = try #require((try JSONSerialization.jsonObject(with: token.stdout) as? [String: Any])?["token"] as? String)
        let upstream = try await ServerProcess.start(store: upstreamStore, extraArguments: ["--tokens-required-for", "read"])
        defer { Task { await upstream.stop() } }

        let withoutCredentials = try await mirror(upstream.indexURL, store: "plain-store")
        #expect(try await page(withoutCredentials, "dep-lib").1 == 502)
        await withoutCredentials.stop()

        let url = "http://__token__:\(secret)@127.0.0.1:\(upstream.port)/simple/"
        let mirror = try await mirror(url)
        defer { Task { await mirror.stop() } }
        let (pip, installed) = try await pipInstall(mirror, ["app-pkg"], target: "pip")
        #expect(pip.status == 0, "\(pip.stdoutText)\(pip.stderrText)")
        #expect(installed == ["app_pkg-1.0.dist-info", "dep_lib-1.0.dist-info"])
        let stored = try DistFixtures.treeSnapshot(work.appendingPathComponent("mirror-store"))
        #expect(stored.keys.contains { $0.hasSuffix("packages/dep-lib/dep_lib-1.0-py3-none-any.whl") })
        for (path, bytes) in stored {
            #expect(!String(decoding: bytes, as: UTF8.self).contains(secret), "\(path)")
        }
        #expect(!log(mirror).contains(secret))
        let list = try await wheelhouse(["list", "dep-lib"], store: work.appendingPathComponent("mirror-store"))
        #expect(list.stdoutText.contains("mirrored from \(upstream.indexURL)"), "\(list.stdoutText)")
    }

    @Test func pipAndUvInstallThroughPypiserverThenFromTheCache() async throws {
        try await makeScenario(in: dists)
        let upstream = try await pypiserver(dists)
        let mirror = try await mirror(upstream.baseURL + "/simple/")

        let (html, status) = try await page(mirror, "dep-lib", json: false)
        #expect(status == 200, "\(html)")
        #expect(html.contains("href=\"../../packages/dep-lib/dep_lib-1.0-py3-none-any.whl#sha256="), "\(html)")
        let (pip, pipInstalled) = try await pipInstall(mirror, ["app-pkg"], target: "pip1")
        #expect(pip.status == 0, "\(pip.stdoutText)\(pip.stderrText)\n\(log(mirror).suffix(3000))")
        #expect(pipInstalled == ["app_pkg-1.0.dist-info", "dep_lib-1.0.dist-info"])
        let (uv, uvInstalled) = try await uvInstall(mirror, ["app-pkg"], target: "uv1")
        #expect(uv.status == 0, "\(uv.stdoutText)\(uv.stderrText)")
        #expect(uvInstalled == ["app_pkg-1.0.dist-info", "dep_lib-1.0.dist-info"])

        let store = work.appendingPathComponent("mirror-store")
        let verify = try await wheelhouse(["verify"], store: store)
        #expect(verify.status == 0, "\(verify.stdoutText)\(verify.stderrText)")
        let list = try await wheelhouse(["list", "app-pkg"], store: store)
        #expect(list.stdoutText.contains("mirrored from"), "\(list.stdoutText)")
        // A rebuild of the records keeps them mirrored (else they would turn into hosted projects).
        let rebuild = try await wheelhouse(["index", "rebuild"], store: store)
        #expect(rebuild.status == 0, "\(rebuild.stderrText)")
        #expect(try await wheelhouse(["list", "app-pkg"], store: store).stdoutText.contains("mirrored from"))
        // Once stored, the metadata is ours (extracted): the page now advertises it.
        let (json, _) = try await page(mirror, "dep-lib")
        #expect(try jsonFiles(json).first?["core-metadata"] is [String: Any])

        await upstream.stop()
        await mirror.stop()
        let again = try await self.mirror(upstream.baseURL + "/simple/", ["--upstream-ttl", "0s"])
        defer { Task { await again.stop() } }
        let (pip2, pip2Installed) = try await pipInstall(again, ["app-pkg"], target: "pip2")
        #expect(pip2.status == 0, "\(pip2.stdoutText)\(pip2.stderrText)")
        #expect(pip2Installed == ["app_pkg-1.0.dist-info", "dep_lib-1.0.dist-info"])
        let (uv2, uv2Installed) = try await uvInstall(again, ["app-pkg"], target: "uv2")
        #expect(uv2.status == 0, "\(uv2.stdoutText)\(uv2.stderrText)")
        #expect(uv2Installed == ["app_pkg-1.0.dist-info", "dep_lib-1.0.dist-info"])
    }

    @Test func aHostedProjectShadowsTheUpstreamUnlessMerged() async throws {
        let upstreamDists = dists.appendingPathComponent("up")
        try FileManager.default.createDirectory(at: upstreamDists, withIntermediateDirectories: true)
        _ = try await DistFixtures.make("shadow-pkg", "9.0", in: upstreamDists)
        let upstream = try await wheelhouseUpstream(upstreamDists)
        defer { Task { await upstream.stop() } }
        let hostedDists = dists.appendingPathComponent("hosted")
        try FileManager.default.createDirectory(at: hostedDists, withIntermediateDirectories: true)
        _ = try await DistFixtures.make("shadow-pkg", "1.0", in: hostedDists)
        let store = work.appendingPathComponent("mirror-store")
        #expect(try await wheelhouse(["upload", hostedDists.path], store: store).status == 0)

        let mirror = try await mirror(upstream.indexURL)
        let (html, _) = try await page(mirror, "shadow-pkg", json: false)
        #expect(html.contains("shadow_pkg-1.0-py3-none-any.whl"))
        #expect(!html.contains("9.0"), "\(html)")
        let (pip, installed) = try await pipInstall(mirror, ["shadow-pkg"], target: "pip")
        #expect(pip.status == 0, "\(pip.stderrText)")
        #expect(installed == ["shadow_pkg-1.0.dist-info"])
        let (_, direct) = try await HTTP.get(mirror.baseURL + "/packages/shadow-pkg/shadow_pkg-9.0-py3-none-any.whl")
        #expect(direct.statusCode == 404)
        await mirror.stop()

        let merged = try await self.mirror(upstream.indexURL, ["--upstream-merge", "Shadow_Pkg"])
        defer { Task { await merged.stop() } }
        let (both, _) = try await page(merged, "shadow-pkg", json: false)
        #expect(both.contains("shadow_pkg-1.0-py3-none-any.whl") && both.contains("shadow_pkg-9.0-py3-none-any.whl"), "\(both)")
    }

    @Test func deniedAndUnallowedNamesAreUnknown() async throws {
        try await makeScenario(in: dists)
        let upstream = try await wheelhouseUpstream(dists)
        defer { Task { await upstream.stop() } }
        let mirror = try await mirror(upstream.indexURL, ["--upstream-allow", "*-lib", "--upstream-allow", "app-*", "--upstream-deny", "app-pkg"])
        defer { Task { await mirror.stop() } }
        #expect(try await page(mirror, "dep-lib").1 == 200)
        #expect(try await page(mirror, "app-pkg").1 == 404)
        #expect(log(mirror).contains("denied by --upstream-deny app-pkg"))
    }

    @Test func anUpstreamThatLiesAboutASha256GetsA502AndNothingIsStored() async throws {
        let tree = work.appendingPathComponent("static")
        let files = tree.appendingPathComponent("files")
        try FileManager.default.createDirectory(at: files, withIntermediateDirectories: true)
        let wheel = try await DistFixtures.make("liar", "1.0", in: files, payload: 300_000)
        let real = SHA256.hash(data: try Data(contentsOf: wheel)).map { String(format: "%02x", $0) }.joined()
        let wrong = String(real.reversed())
        let page = tree.appendingPathComponent("simple/liar")
        try FileManager.default.createDirectory(at: page, withIntermediateDirectories: true)
        try Data("<html><body><a href=\"../../files/\(wheel.lastPathComponent)#sha256=\(wrong)\">\(wheel.lastPathComponent)</a></body></html>".utf8)
            .write(to: page.appendingPathComponent("index.html"))
        let upstream = try await PythonServer(
            { port in ["-m", "http.server", "\(port)", "--bind", "127.0.0.1", "--directory", tree.path] },
            executable: TestSupport.python, ready: "/simple/liar/", in: work)
        defer { Task { await upstream.stop() } }
        let mirror = try await mirror(upstream.baseURL + "/simple/")
        defer { Task { await mirror.stop() } }

        let url = "\(mirror.baseURL)/packages/liar/\(wheel.lastPathComponent)"
        let first = try await ProcessRunner.run("/usr/bin/curl", ["-s", "-S", "-o", work.appendingPathComponent("got").path, "-w", "%{http_code}", url])
        // The transfer is cut before its last byte: curl reports a partial body.
        #expect(first.status != 0, "\(first.stdoutText)")
        let got = (try? Data(contentsOf: work.appendingPathComponent("got"))) ?? Data()
        #expect(got.count < (try Data(contentsOf: wheel)).count)
        let (body, second) = try await HTTP.get(url)
        #expect(second.statusCode == 502)
        #expect(String(decoding: body, as: UTF8.self).contains("sha256"), "\(String(decoding: body, as: UTF8.self))")
        let store = work.appendingPathComponent("mirror-store")
        #expect(!FileManager.default.fileExists(atPath: store.appendingPathComponent("packages/liar").path))
        #expect(!FileManager.default.fileExists(atPath: store.appendingPathComponent("_wheelhouse/projects/liar.json").path))
        #expect(try await HTTP.get(mirror.baseURL + "/healthz").1.statusCode == 200)
        let (pip, _) = try await pipInstall(mirror, ["liar"], target: "pip")
        #expect(pip.status != 0)
    }

    @Test func cooldownHidesYoungFilesAndFilesWithoutAnUploadTime() async throws {
        try await makeScenario(in: dists)
        let upstream = try await wheelhouseUpstream(dists)
        defer { Task { await upstream.stop() } }
        let pypi = try await pypiserver(dists)
        defer { Task { await pypi.stop() } }

        // Uploaded just now: hidden for 7 days, unless exempt.
        let cooled = try await mirror(upstream.indexURL, store: "cool-1", ["--upstream-min-age", "7d", "--upstream-min-age-exempt", "app-pkg"])
        let (young, _) = try await page(cooled, "dep-lib")
        #expect(try jsonFiles(young).isEmpty, "\(young)")
        let (exempt, _) = try await page(cooled, "app-pkg")
        #expect(try jsonFiles(exempt).count == 1)
        #expect(log(cooled).contains("younger than --upstream-min-age"))
        await cooled.stop()

        // pypiserver gives no upload time: hidden (fail closed).
        let noTime = try await mirror(pypi.baseURL + "/simple/", store: "cool-2", ["--upstream-min-age", "1s"])
        defer { Task { await noTime.stop() } }
        let (html, _) = try await page(noTime, "dep-lib", json: false)
        #expect(!html.contains("dep_lib-1.0"), "\(html)")
        #expect(log(noTime).contains("no upload time"))
        let (_, direct) = try await HTTP.get(noTime.baseURL + "/packages/dep-lib/dep_lib-1.0-py3-none-any.whl")
        #expect(direct.statusCode == 404)
    }

    @Test func concurrentFirstDownloadsOfOneLargeFileFetchItOnce() async throws {
        let wheel = try await DistFixtures.make("big-pkg", "1.0", in: dists, payload: 50 << 20)
        let expected = SHA256.hash(data: try Data(contentsOf: wheel)).map { String(format: "%02x", $0) }.joined()
        let upstream = try await wheelhouseUpstream(dists)
        defer { Task { await upstream.stop() } }
        let mirror = try await mirror(upstream.indexURL)
        defer { Task { await mirror.stop() } }
        #expect(try await page(mirror, "big-pkg").1 == 200)

        let url = "\(mirror.baseURL)/packages/big-pkg/\(wheel.lastPathComponent)"
        let outputs = (0..<20).map { work.appendingPathComponent("body-\($0)") }
        let statuses = try await withThrowingTaskGroup(of: Int32.self) { group in
            for output in outputs {
                group.addTask { try await ProcessRunner.run("/usr/bin/curl", ["-s", "-S", "-f", "-o", output.path, url]).status }
            }
            return try await group.reduce(into: [Int32]()) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 0, count: 20))
        for output in outputs {
            let digest = SHA256.hash(data: try Data(contentsOf: output)).map { String(format: "%02x", $0) }.joined()
            #expect(digest == expected)
        }
        let fetches = log(upstream).components(separatedBy: "path=/packages/big-pkg/\(wheel.lastPathComponent) status=200").count - 1
        #expect(fetches == 1, "\(log(upstream).suffix(3000))")
        let verify = try await wheelhouse(["verify"], store: work.appendingPathComponent("mirror-store"))
        #expect(verify.status == 0, "\(verify.stdoutText)")
    }
}
