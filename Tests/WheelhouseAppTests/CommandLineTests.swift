import Foundation
import Testing
import WheelhouseTestSupport

/// The `wheelhouse` binary: upload, list, yank, index rebuild, verify, token, unbuilt commands.
@Suite(.tags(.endToEnd), .skippedInFastTier)
struct CommandLineTests {
    let work: URL
    let store: URL

    init() throws {
        work = try TestSupport.makeTemporaryDirectory("wh-cli")
        store = work.appendingPathComponent("store")
    }

    func run(_ args: [String]) async throws -> ProcessResult {
        try await ProcessRunner.run(Products.wheelhouse, args)
    }

    @Test func uploadReportsEachFileContinuesPastBadOnesAndExitsNonZero() async throws {
        let dir = work.appendingPathComponent("in")
        _ = try await DistFixtures.make("good-one", "1.0", in: dir)
        _ = try await DistFixtures.make("good-one", "1.0", in: dir, sdist: true)
        try Data("not a zip".utf8).write(to: dir.appendingPathComponent("broken-1.0-py3-none-any.whl"))
        let result = try await run(["upload", "--store", store.path, dir.path])
        #expect(result.status == 1)
        #expect(result.stdoutText.contains("added      good_one-1.0-py3-none-any.whl (good-one 1.0)"), "\(result.stdoutText)")
        #expect(result.stdoutText.contains("added      good_one-1.0.tar.gz"))
        #expect(result.stderrText.contains("failed     broken-1.0-py3-none-any.whl"), "\(result.stderrText)")
        #expect(result.stdoutText.contains("2 added, 0 unchanged, 0 skipped, 1 failed"))

        let json = try await run(["upload", "--store", store.path, "--json", dir.appendingPathComponent("good_one-1.0-py3-none-any.whl").path])
        #expect(json.status == 0)
        let rows = try #require(try JSONSerialization.jsonObject(with: json.stdout) as? [[String: Any]])
        #expect(rows.first?["status"] as? String == "unchanged")
        #expect((rows.first?["sha256"] as? String)?.count == 64)
    }

    @Test func aLargeFileIsHashedAndVerifiedSideBySide() async throws {
        // Above 32 MiB the file's digest is computed on another thread during verification.
        let wheel = try await DistFixtures.make("large-one", "1.0", in: work.appendingPathComponent("in"), payload: 40_000_000)
        let result = try await run(["upload", "--store", store.path, "--json", wheel.path])
        #expect(result.status == 0, "\(result.stderrText)")
        let rows = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [[String: Any]])
        let expected = try await ProcessRunner.check(
            TestSupport.python, ["-c", "import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],'rb').read()).hexdigest())", wheel.path])
        #expect(rows.first?["sha256"] as? String == expected.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines))

        // A flipped byte in the payload is still caught by the verification running beside the hash.
        var bytes = try Data(contentsOf: wheel)
        bytes[bytes.count / 2] ^= 0x01
        let damaged = work.appendingPathComponent("damaged/large_one-1.0-py3-none-any.whl")
        try FileManager.default.createDirectory(at: damaged.deletingLastPathComponent(), withIntermediateDirectories: true)
        try bytes.write(to: damaged)
        let refused = try await run(["upload", "--store", work.appendingPathComponent("other").path, damaged.path])
        #expect(refused.status == 1)
        #expect(refused.stderrText.contains("failed     large_one-1.0-py3-none-any.whl"), "\(refused.stderrText)")
        #expect(refused.stderrText.contains("large_one/payload.bin"), "the damaged entry is named: \(refused.stderrText)")
    }

    /// The static export is a copy for plain web servers: when it cannot be written, the
    /// upload is still published (its record is the index) and says what is behind.
    @Test func aFailedStaticExportWarnsButTheUploadIsPublished() async throws {
        let dir = work.appendingPathComponent("export-in")
        let wheel = try await DistFixtures.make("export-blocked", "1.0", in: dir)
        // A file where the project's export folder must go, and one where the root list goes.
        let simple = store.appendingPathComponent("simple")
        try FileManager.default.createDirectory(at: simple, withIntermediateDirectories: true)
        try Data("in the way".utf8).write(to: simple.appendingPathComponent("export-blocked"))
        try FileManager.default.createDirectory(
            at: simple.appendingPathComponent("index.html"), withIntermediateDirectories: true)
        let result = try await run(["upload", "--store", store.path, wheel.path])
        #expect(result.status == 0, "\(result.stdoutText)\(result.stderrText)")
        #expect(result.stdoutText.contains("added      export_blocked-1.0-py3-none-any.whl"), "\(result.stdoutText)")
        #expect(result.stderrText.contains("static export of /simple/export-blocked/ failed"), "\(result.stderrText)")
        #expect(result.stderrText.contains("static export of the project list failed"), "\(result.stderrText)")
        let list = try await run(["list", "--store", store.path])
        #expect(list.stdoutText.contains("export-blocked"), "\(list.stdoutText)")
    }

    @Test func conflictingFileIsRefusedUnlessSkipExisting() async throws {
        let a = try await DistFixtures.make("clash", "1.0", in: work.appendingPathComponent("a"))
        let b = try await DistFixtures.make("clash", "1.0", in: work.appendingPathComponent("b"), payload: 10)
        #expect(try await run(["upload", "--store", store.path, a.path]).status == 0)
        let original = try Data(contentsOf: store.appendingPathComponent("packages/clash/clash-1.0-py3-none-any.whl"))
        let refused = try await run(["upload", "--store", store.path, b.path])
        #expect(refused.status == 1)
        #expect(refused.stderrText.contains("File already exists"), "\(refused.stderrText)")
        let skipped = try await run(["upload", "--store", store.path, "--skip-existing", b.path])
        #expect(skipped.status == 0)
        #expect(skipped.stdoutText.contains("skipped"))
        #expect(try Data(contentsOf: store.appendingPathComponent("packages/clash/clash-1.0-py3-none-any.whl")) == original)
    }

    @Test func listYankUnyankAndTheStaticExport() async throws {
        let dir = work.appendingPathComponent("in")
        _ = try await DistFixtures.make("Listed.Project", "1.0", in: dir, requiresPython: ">=3.9")
        _ = try await DistFixtures.make("Listed.Project", "2.0", in: dir)
        #expect(try await run(["upload", "--store", store.path, dir.path]).status == 0)
        let list = try await run(["list", "--store", store.path])
        #expect(list.stdoutText == "listed-project\n")
        let yank = try await run(["yank", "--store", store.path, "Listed_Project", "2.0", "--reason", "bad <build>"])
        #expect(yank.status == 0, "\(yank.stderrText)")
        let export = try String(contentsOf: store.appendingPathComponent("simple/listed-project/index.html"), encoding: .utf8)
        #expect(export.contains("data-yanked=\"bad &lt;build&gt;\""), "\(export)")
        #expect(export.contains("href=\"../../packages/listed-project/listed_project-1.0-py3-none-any.whl#sha256="))
        let root = try String(contentsOf: store.appendingPathComponent("simple/index.html"), encoding: .utf8)
        #expect(root.contains("listed-project/"))
        #expect(try await run(["unyank", "--store", store.path, "listed-project", "2.0"]).status == 0)
        let after = try String(contentsOf: store.appendingPathComponent("simple/listed-project/index.html"), encoding: .utf8)
        #expect(!after.contains("data-yanked"))
        let missing = try await run(["yank", "--store", store.path, "listed-project", "7.0"])
        #expect(missing.status == 1)
        #expect(missing.stderrText.contains("no files for version '7.0'"))
    }

    @Test func verifyFindsTamperingOrphansAndMissingFilesAndRebuildRestores() async throws {
        let dir = work.appendingPathComponent("in")
        _ = try await DistFixtures.make("checked", "1.0", in: dir)
        _ = try await DistFixtures.make("checked", "2.0", in: dir)
        #expect(try await run(["upload", "--store", store.path, dir.path]).status == 0)
        #expect(try await run(["verify", "--store", store.path]).status == 0)

        let v1 = store.appendingPathComponent("packages/checked/checked-1.0-py3-none-any.whl")
        var bytes = try Data(contentsOf: v1)
        bytes[bytes.count / 2] ^= 0xff
        try bytes.write(to: v1)
        try Data("orphan".utf8).write(to: store.appendingPathComponent("packages/checked/checked-3.0-py3-none-any.whl"))
        try FileManager.default.removeItem(at: store.appendingPathComponent("packages/checked/checked-2.0-py3-none-any.whl.metadata"))
        let verify = try await run(["verify", "--store", store.path, "--json"])
        #expect(verify.status == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: verify.stdout) as? [String: Any])
        let kinds = Set(((report["problems"] as? [[String: Any]]) ?? []).compactMap { $0["kind"] as? String })
        #expect(kinds == ["hash-mismatch", "orphan", "missing-metadata"], "\(report)")

        // Rebuild from packages/ alone: the tampered and the orphan file are refused and reported,
        // the record lists only what verifies, and the metadata is written again.
        try FileManager.default.removeItem(at: store.appendingPathComponent("_wheelhouse/projects"))
        let rebuild = try await run(["index", "rebuild", "--store", store.path])
        #expect(rebuild.status == 1)
        #expect(rebuild.stderrText.contains("refused packages/checked/checked-1.0-py3-none-any.whl"), "\(rebuild.stderrText)")
        let list = try await run(["list", "checked", "--store", store.path, "--json"])
        let record = try #require(try JSONSerialization.jsonObject(with: list.stdout) as? [String: Any])
        #expect(((record["files"] as? [[String: Any]]) ?? []).compactMap { $0["filename"] as? String } == ["checked-2.0-py3-none-any.whl"])
        #expect(FileManager.default.fileExists(atPath: store.appendingPathComponent("packages/checked/checked-2.0-py3-none-any.whl.metadata").path))
    }

    @Test func tokensAreShownOnceStoredAsHashesAndRevocable() async throws {
        let created = try await run(["token", "create", "builder", "--store", store.path])
        #expect(created.status == 0)
        let token = created.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("wh_"))
        let stored = try FileManager.default.contentsOfDirectory(atPath: store.appendingPathComponent("_wheelhouse/tokens").path)
        #expect(stored.count == 1)
        let contents = try String(contentsOf: store.appendingPathComponent("_wheelhouse/tokens/\(stored[0])"), encoding: .utf8)
        #expect(!contents.contains(token) && !contents.contains(String(token.suffix(32))))
        let list = try await run(["token", "list", "--store", store.path])
        #expect(list.stdoutText.contains("builder"))
        #expect(!list.stdoutText.contains(token))
        #expect(try await run(["token", "revoke", "builder", "--store", store.path]).status == 0)
        #expect(try await run(["token", "list", "--store", store.path]).stdoutText.isEmpty)
        let badName = try await run(["token", "create", "bad name!", "--store", store.path])
        #expect(badName.status == 1)
        #expect(badName.stderrText.contains("invalid token name"))
    }

    @Test(arguments: [
        (["mirror", "app"], "--upstream URL is required"),
        (["mirror", "--upstream", "ftp://host/simple/", "app"], "--upstream"),
        (["mirror", "--upstream", "https://pypi.org/simple/"], "name what to mirror"),
        (["mirror", "--upstream", "https://pypi.org/simple/", "--min-age", "soon", "app"], "--min-age"),
        (["mirror", "--upstream", "https://pypi.org/simple/", "--glue-version", "3.0", "app"], "--glue-version"),
        (["mirror", "--upstream", "https://pypi.org/simple/", "--python", "3.11", "app"], "--platform"),
    ])
    func badMirrorOptionsAreUsageErrors(args: [String], mentions: String) async throws {
        let result = try await run(args)
        #expect(result.status == 64, "\(result.stderrText)")
        #expect(result.stderrText.contains(mentions), "\(result.stderrText)")
    }

    @Test(arguments: [
        (["serve", "--upstream", "ftp://host/simple/"], "--upstream"),
        (["serve", "--upstream", "https://u:hunter2@/simple/"], "--upstream"),
        (["serve", "--upstream", "https://pypi.org/simple/", "--upstream-ttl", "soon"], "--upstream-ttl"),
        (["serve", "--upstream", "https://pypi.org/simple/", "--upstream-min-age", "-1d"], "--upstream-min-age"),
        (["serve", "--upstream-deny", "evil*"], "need --upstream"),
        (["serve", "--request-timeout", "30"], "--request-timeout"),
        (["serve", "--idle-timeout", "5", "--request-timeout", "9"], "less than --idle-timeout"),
        (["serve", "--max-concurrent-uploads", "0"], "--max-concurrent-uploads"),
    ])
    func badUpstreamOptionsAreUsageErrors(args: [String], mentions: String) async throws {
        let result = try await run(args)
        #expect(result.status == 64, "\(result.stderrText)")
        #expect(result.stderrText.contains(mentions), "\(result.stderrText)")
        #expect(!result.stderrText.contains("hunter2"))
    }

    /// A refused connection is not worth a minute and a half of retries: the command fails after
    /// its few quick attempts and names the endpoint and region (S3 and SSM alike).
    @Test func anUnreachableAWSEndpointFailsFastNamingIt() async throws {
        let closed = try freeLoopbackPort()
        let environment = [
            "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_REGION": "eu-west-1",
            "AWS_CONFIG_FILE": "/nonexistent/config", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
            "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL_SSM": "http://127.0.0.1:\(closed)",
        ]
        let started = ContinuousClock.now
        let s3 = try await ProcessRunner.run(
            Products.wheelhouse, ["list", "--store", "s3://wh-bucket?endpoint=http://127.0.0.1:\(closed)&region=eu-west-1&path-style=true"],
            environment: environment)
        #expect(s3.status == 1)
        #expect(s3.stderrText.contains("endpoint http://127.0.0.1:\(closed), region eu-west-1"), "\(s3.stderrText)")
        let ssm = try await ProcessRunner.run(
            Products.wheelhouse, ["manifest", "show", "--parameter", "/wh/none", "--region", "eu-west-1"], environment: environment)
        #expect(ssm.status == 1)
        #expect(ssm.stderrText.contains("endpoint http://127.0.0.1:\(closed), region eu-west-1"), "\(ssm.stderrText)")
        // Both before: 90 s and 61 s of silent retries.
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test func badStoreURLsAndUsageErrorsAreClear() async throws {
        let s3 = try await run(["list", "--store", "s3:/bucket"])
        #expect(s3.status == 1)
        #expect(s3.stderrText.contains("s3://"))
        let usage = try await run(["serve", "--tokens-required-for", "everyone"])
        #expect(usage.status == 64)
        #expect(usage.stderrText.contains("--tokens-required-for"))
    }
}
