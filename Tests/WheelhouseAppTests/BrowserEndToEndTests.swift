import Foundation
import Testing
import WheelhouseApp
import WheelhouseStorage
import WheelhouseTestSupport
import WheelhouseCore

/// Debian's Chromium, or `$WHEELHOUSE_TEST_CHROMIUM` (browser_check.py reads the same variable).
enum Chromium {
    static var path: String {
        ProcessInfo.processInfo.environment["WHEELHOUSE_TEST_CHROMIUM"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/bin/chromium"
    }
}

/// The browse page in a real browser (headless Chromium from Debian, driven by Playwright:
/// Tests/Fixtures/browser_check.py) and the legacy JSON API read by a Python client that checks
/// it with `packaging`, both against `wheelhouse serve --tokens-required-for read`.
///
/// `make ui-test` runs this suite with `WHEELHOUSE_SCREENSHOTS=docs/images`, which also writes
/// the README's screenshots.
@Suite(.serialized, .tags(.endToEnd), .skippedInFastTier)
struct BrowserEndToEndTests {
    /// demo-pkg 1.0 and 1.1 (yanked), hostile-pkg with markup in its metadata, other 3.0.
    static func publish(into root: URL) async throws -> (store: URL, readToken: String) {
        let storeURL = root.appendingPathComponent("store")
        let store = try FileSystemBlobStore(root: storeURL)
        let dists = root.appendingPathComponent("dists")
        var demo = WheelBuilder("demo-pkg", "1.0")
        demo.summary = "A demonstration package"
        demo.requiresPython = ">=3.9"
        demo.requiresDist = ["other>=3"]
        demo.headers = ["Project-URL: Source, https://example.com/demo", "Project-URL: Bad, javascript:alert(4)"]
        demo.body = "# demo-pkg\n\nInstall it with `pip install demo-pkg`.\n\n* one\n* two\n"
        var demoNext = WheelBuilder("demo-pkg", "1.1")
        demoNext.summary = "A demonstration package"
        var hostile = WheelBuilder("hostile-pkg", "1.0")
        hostile.summary = "<script>alert(1)</script> hostile"
        hostile.body = "<img src=x onerror=alert(2)>\n<script>alert(3)</script>\n[x](javascript:alert(5))\n"
        var other = WheelBuilder("other", "3.0")
        other.summary = "Keeps an ostrich in the wheelhouse"
        let ingestor = Ingestor(store: store)
        for builder in [demo, demoNext, hostile, other] {
            _ = try await ingestor.ingest(.init(file: try builder.writeWheel(in: dists)))
        }
        _ = try await ingestor.ingest(.init(file: try other.writeSdist(in: dists)))
        _ = try await StoreAdmin(store: store).setYanked(true, project: "demo-pkg", version: "1.1", reason: "broken build")
        // PEP 792: the status and its reason, set as `wheelhouse project status` does; the reason
        // carries markup the page must show as text.
        _ = try await StoreAdmin(store: store).setStatus(.init(.deprecated, reason: "<b>compromised</b> upstream"), project: "demo-pkg")
        let (_, token) = try await TokenStore(store: store).create(name: "browser", scope: .read)
        return (storeURL, token)
    }

    static func object(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(String(decoding: data, as: UTF8.self))")
    }

    @Test(
        .disabled(
            if: !FileManager.default.isExecutableFile(atPath: Chromium.path),
            "no Chromium at \(Chromium.path): scripts/bootstrap.sh installs Debian's chromium and could not here"))
    func thePageWorksInChromium() async throws {
        let root = try TestSupport.makeTemporaryDirectory("wh-browser")
        let (store, token) = try await Self.publish(into: root)
        let server = try await ServerProcess.start(
            store: store,
            extraArguments: [
                "--tokens-required-for", "read", "--public-dir", TestSupport.repositoryRoot.appendingPathComponent("Public").path,
            ])
        defer { Task { await server.stop() } }

        var arguments = [TestSupport.repositoryRoot.appendingPathComponent("Tests/Fixtures/browser_check.py").path, server.baseURL, token]
        if let shots = ProcessInfo.processInfo.environment["WHEELHOUSE_SCREENSHOTS"], !shots.isEmpty {
            let dir = URL(fileURLWithPath: shots, relativeTo: TestSupport.repositoryRoot).standardizedFileURL
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            arguments.append(dir.path)
        }
        let result = try await ProcessRunner.run(TestSupport.python, arguments, timeout: .seconds(240))
        try #require(result.status == 0, "browser_check.py failed:\n\(result.stdoutText)\n\(result.stderrText)")
        let checks = try #require(try Self.object(result.stdout)["checks"] as? [String: [String: Any]])
        #expect(checks.count >= 25, "\(checks.keys.sorted())")
        for (name, outcome) in checks.sorted(by: { $0.key < $1.key }) {
            #expect(outcome["ok"] as? Bool == true, "\(name): \(outcome["detail"] ?? "")")
        }
    }

    @Test func aPythonClientReadsTheLegacyJSONAPI() async throws {
        let root = try TestSupport.makeTemporaryDirectory("wh-legacy-e2e")
        let (store, _) = try await Self.publish(into: root)
        let server = try await ServerProcess.start(store: store)
        defer { Task { await server.stop() } }
        let script = TestSupport.repositoryRoot.appendingPathComponent("Tests/Fixtures/legacy_json_reader.py").path
        for (project, latest, versions, files) in [("demo-pkg", "1.0", ["1.0", "1.1"], 2), ("other", "3.0", ["3.0"], 2)] {
            let result = try await ProcessRunner.run(TestSupport.python, [script, server.baseURL, project])
            try #require(result.status == 0, "\(result.stdoutText)\n\(result.stderrText)")
            let summary = try Self.object(result.stdout)
            #expect(summary["latest"] as? String == latest)
            #expect(summary["versions"] as? [String] == versions)
            #expect(summary["files"] as? Int == files)
            if project == "demo-pkg" {
                #expect(summary["yanked"] as? [String] == ["1.1"])
                #expect(summary["requires_dist"] as? [String] == ["other>=3"])
            }
        }
    }
}
