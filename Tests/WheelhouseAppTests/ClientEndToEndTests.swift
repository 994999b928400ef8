import Foundation
import Testing
import WheelhouseTestSupport

/// pip, uv, twine and pypi-simple against a real `wheelhouse serve` on loopback, once with a
/// local store and once with an S3 bucket on moto_server.
@Suite(.serialized, .tags(.endToEnd), .skippedInFastTier)
struct ClientEndToEndTests {
    let work: URL
    let dists: URL

    init() throws {
        work = try TestSupport.makeTemporaryDirectory("wh-e2e")
        dists = work.appendingPathComponent("dists")
        try FileManager.default.createDirectory(at: dists, withIntermediateDirectories: true)
    }

    func wheelhouse(_ args: [String], _ store: TestStore) async throws -> ProcessResult {
        try await ProcessRunner.run(Products.wheelhouse, args + ["--store", store.url], environment: store.environment)
    }

    func createToken(_ store: TestStore, scope: String = "upload") async throws -> String {
        let result = try await ProcessRunner.check(
            Products.wheelhouse, ["token", "create", "t-\(UUID().uuidString.prefix(6))", "--scope", scope, "--store", store.url, "--json"],
            environment: store.environment)
        let object = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
        return try #require(object?["token"] as? String)
    }

    /// Publishes: dep-lib 1.0 (Python >=3.8) and 2.0 (Python >=3.99, unusable here), app-pkg 1.0
    /// requiring dep-lib, and yanky 1.0 and 2.0 with 2.0 yanked.
    func publishScenario(_ store: TestStore) async throws {
        _ = try await DistFixtures.make("dep-lib", "1.0", in: dists, requiresPython: ">=3.8")
        _ = try await DistFixtures.make("dep-lib", "2.0", in: dists, requiresPython: ">=3.99")
        _ = try await DistFixtures.make("app-pkg", "1.0", in: dists, requiresDist: ["dep-lib"])
        _ = try await DistFixtures.make("yanky", "1.0", in: dists)
        _ = try await DistFixtures.make("yanky", "2.0", in: dists)
        let upload = try await wheelhouse(["upload", dists.path], store)
        #expect(upload.status == 0, "\(upload.stderrText)")
        #expect(upload.stdoutText.contains("5 added"), "\(upload.stdoutText)")
        let yank = try await wheelhouse(["yank", "yanky", "2.0", "--reason", "broken build"], store)
        #expect(yank.status == 0, "\(yank.stderrText)")
    }

    func installedDistInfos(_ target: URL) throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: target.path).filter { $0.hasSuffix(".dist-info") })
    }

    @Test(arguments: TestStoreKind.allCases)
    func pipInstallsDependenciesHonoursRequiresPythonAndYanking(_ kind: TestStoreKind) async throws {
        let store = try await TestStore.make(kind, in: work)
        try await publishScenario(store)
        let server = try await ServerProcess.start(store: store)
        defer { Task { await server.stop() } }

        let target = work.appendingPathComponent("pip-target")
        let pip = try await ProcessRunner.run(
            TestSupport.python,
            ["-m", "pip", "install", "--no-cache-dir", "--index-url", server.indexURL, "--target", target.path, "app-pkg", "yanky"])
        #expect(pip.status == 0, "\(pip.stdoutText)\n\(pip.stderrText)")
        #expect(try installedDistInfos(target) == ["app_pkg-1.0.dist-info", "dep_lib-1.0.dist-info", "yanky-1.0.dist-info"])

        // A yanked release is still installable when pinned exactly (PEP 592).
        let pinned = work.appendingPathComponent("pip-pinned")
        let pip2 = try await ProcessRunner.run(
            TestSupport.python,
            ["-m", "pip", "install", "--no-cache-dir", "--index-url", server.indexURL, "--target", pinned.path, "yanky==2.0"])
        #expect(pip2.status == 0, "\(pip2.stderrText)")
        #expect(try installedDistInfos(pinned) == ["yanky-2.0.dist-info"])

        // pip read PEP 658 metadata instead of downloading wheels to resolve.
        let log = String(decoding: server.log, as: UTF8.self)
        #expect(log.contains("path=/packages/dep-lib/dep_lib-1.0-py3-none-any.whl.metadata status=200"), "\(log.suffix(3000))")
        #expect(log.contains("path=/packages/app-pkg/app_pkg-1.0-py3-none-any.whl.metadata status=200"))
    }

    @Test(arguments: TestStoreKind.allCases)
    func uvInstallsThroughTheJSONAPI(_ kind: TestStoreKind) async throws {
        let store = try await TestStore.make(kind, in: work)
        try await publishScenario(store)
        let server = try await ServerProcess.start(store: store)
        defer { Task { await server.stop() } }

        let target = work.appendingPathComponent("uv-target")
        let uv = try await ProcessRunner.run(
            Products.venvTool("uv"),
            [
                "pip", "install", "--no-cache", "--python", TestSupport.python, "--index-url", server.indexURL,
                "--target", target.path, "app-pkg", "yanky",
            ],
            environment: ["UV_PYTHON_DOWNLOADS": "never"])
        #expect(uv.status == 0, "\(uv.stdoutText)\n\(uv.stderrText)")
        #expect(try installedDistInfos(target) == ["app_pkg-1.0.dist-info", "dep_lib-1.0.dist-info", "yanky-1.0.dist-info"])
        let log = String(decoding: server.log, as: UTF8.self)
        #expect(log.contains("path=/simple/dep-lib/ status=200"))
        #expect(log.contains("content_type=application/vnd.pypi.simple.v1+json"), "uv should be served PEP 691 JSON")
        #expect(log.contains("dep_lib-1.0-py3-none-any.whl.metadata status=200"))
    }

    @Test(arguments: TestStoreKind.allCases)
    func twineUploadWithTokensDuplicatesAndSkipExisting(_ kind: TestStoreKind) async throws {
        let store = try await TestStore.make(kind, in: work)
        let server = try await ServerProcess.start(store: store)
        defer { Task { await server.stop() } }
        let token = try await createToken(store)
        let readToken = try await createToken(store, scope: "read")
        let wheel = try await DistFixtures.make("twined", "1.0", in: dists)
        let twine = Products.venvTool("twine")
        func upload(_ file: URL, user: String, password: String, extra: [String] = []) async throws -> ProcessResult {
            try await ProcessRunner.run(
                twine,
                [
                    "upload", "--non-interactive", "--disable-progress-bar", "--repository-url", server.uploadURL,
                    "-u", user, "-p", password,
                ] + extra + [file.path])
        }

        let ok = try await upload(wheel, user: "__token__", password: token)
        #expect(ok.status == 0, "\(ok.stdoutText)\(ok.stderrText)")
        let (page, _) = try await HTTP.get("\(server.indexURL)twined/", headers: ["Accept": "text/html"])
        #expect(String(decoding: page, as: UTF8.self).contains("twined-1.0-py3-none-any.whl#sha256="))

        // The identical file again is a no-op success.
        let again = try await upload(wheel, user: "__token__", password: token)
        #expect(again.status == 0, "\(again.stdoutText)\(again.stderrText)")

        let wrong = try await upload(wheel, user: "__token__", password: "wh_000000000000_wrongwrongwrongwrongwrongwrongwron")
        #expect(wrong.status != 0)
        #expect((wrong.stdoutText + wrong.stderrText).contains("403"))
        let readOnly = try await upload(wheel, user: "__token__", password: readToken)
        #expect((readOnly.stdoutText + readOnly.stderrText).contains("403"))

        // No credentials at all: 401 with a Basic challenge.
        let (_, anonymous) = try await HTTP.get(server.uploadURL, method: "POST")
        #expect(anonymous.statusCode == 401)
        #expect(anonymous.value(forHTTPHeaderField: "WWW-Authenticate")?.hasPrefix("Basic") == true)

        // Same filename, other bytes: refused with 409, the original kept; --skip-existing passes.
        let other = work.appendingPathComponent("other")
        let conflicting = try await DistFixtures.make("twined", "1.0", in: other, payload: 100)
        let before = try #require(try await store.object("packages/twined/twined-1.0-py3-none-any.whl"))
        let dup = try await upload(conflicting, user: "__token__", password: token)
        #expect(dup.status != 0)
        #expect((dup.stdoutText + dup.stderrText).contains("409"), "\(dup.stdoutText)\(dup.stderrText)")
        // twine 7 refuses --skip-existing on the command line for any index but PyPI, so drive
        // twine's own upload code and its own skip-existing rule with the server's real answer.
        let script = """
            import sys
            from twine import package as package_file, repository
            from twine.commands.upload import skip_upload
            url, token, path = sys.argv[1:4]
            pkg = package_file.PackageFile.from_filename(path, comment=None)
            repo = repository.Repository(url, "__token__", token, disable_progress_bar=True)
            resp = repo.upload(pkg)
            print(resp.status_code, skip_upload(resp, True, pkg))
            """
        let skip = try await ProcessRunner.run(TestSupport.python, ["-c", script, server.uploadURL, token, conflicting.path])
        #expect(skip.stdoutText.hasSuffix("409 True\n"), "\(skip.stdoutText)\(skip.stderrText)")
        let ours = try await ProcessRunner.run(
            Products.wheelhouse, ["upload", "--repository-url", server.uploadURL, "--token", token, "--skip-existing", conflicting.path],
            environment: store.environment)
        #expect(ours.status == 0, "\(ours.stdoutText)\(ours.stderrText)")
        #expect(ours.stdoutText.contains("skipped"))
        let after = try await store.object("packages/twined/twined-1.0-py3-none-any.whl")
        #expect(before == after)
    }

    @Test(arguments: TestStoreKind.allCases)
    func pypiSimpleParsesBothFormatsAndEveryHashMatchesTheServedBytes(_ kind: TestStoreKind) async throws {
        let store = try await TestStore.make(kind, in: work)
        try await publishScenario(store)
        _ = try await DistFixtures.make("dep-lib", "1.0", in: dists.appendingPathComponent("sd"), sdist: true)
        #expect(try await wheelhouse(["upload", dists.appendingPathComponent("sd").path], store).status == 0)
        let server = try await ServerProcess.start(store: store)
        defer { Task { await server.stop() } }
        let script = """
            import hashlib, sys, requests
            from pypi_simple import PyPISimple, ACCEPT_JSON_ONLY, ACCEPT_HTML_ONLY
            base = sys.argv[1]
            checked = 0
            for accept in (ACCEPT_JSON_ONLY, ACCEPT_HTML_ONLY):
                with PyPISimple(endpoint=base, accept=accept) as client:
                    index = client.get_index_page()
                    assert set(index.projects) >= {"app-pkg", "dep-lib", "yanky"}, index.projects
                    for name in ("app-pkg", "dep-lib", "yanky"):
                        page = client.get_project_page(name)
                        for pkg in page.packages:
                            body = requests.get(pkg.url).content
                            assert hashlib.sha256(body).hexdigest() == pkg.digests["sha256"], pkg.filename
                            if pkg.filename.endswith(".whl"):
                                assert pkg.has_metadata, pkg.filename
                                meta = requests.get(pkg.url + ".metadata").content
                                assert hashlib.sha256(meta).hexdigest() == pkg.metadata_digests["sha256"], pkg.filename
                            checked += 1
                        if name == "yanky":
                            y = {p.version: p for p in page.packages}
                            assert y["2.0"].is_yanked and y["2.0"].yanked_reason == "broken build", y
                            assert not y["1.0"].is_yanked
                        if name == "dep-lib":
                            rp = {p.filename: p.requires_python for p in page.packages}
                            assert rp["dep_lib-2.0-py3-none-any.whl"] == ">=3.99", rp
            print(checked)
            """
        let result = try await ProcessRunner.run(TestSupport.python, ["-c", script, server.indexURL])
        #expect(result.status == 0, "\(result.stderrText)")
        #expect(result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines) == "12")
    }
}
