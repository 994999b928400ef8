import Foundation
import Testing
import WheelhouseAWS
import WheelhouseStorage
import WheelhouseTestSupport

/// `wheelhouse manifest …`, `upload`/`serve --manifest-parameter` against moto (S3 and SSM),
/// every published manifest checked by the Glue oracle: download the listed URIs, `pip install
/// --no-index` them all at once for the target, `pip check`.
@Suite(.serialized, .tags(.endToEnd), .skippedInFastTier)
struct ManifestEndToEndTests {
    /// One S3 store in a fresh bucket of the shared moto server, and the CLI's environment.
    struct Harness {
        let moto: MotoServer
        let bucket: String
        let prefix = "wh"
        let work: URL
        let dists: URL

        static func make(_ label: String) async throws -> Harness {
            let moto = try await MotoServer.shared()
            let work = try TestSupport.makeTemporaryDirectory("wh-manifest-\(label)")
            let dists = work.appendingPathComponent("dists")
            try FileManager.default.createDirectory(at: dists, withIntermediateDirectories: true)
            return Harness(moto: moto, bucket: try await moto.makeBucket(label), work: work, dists: dists)
        }

        var store: String { "s3://\(bucket)/\(prefix)?endpoint=\(moto.endpointString)&path-style=true&region=us-east-1" }
        var uriBase: String { "s3://\(bucket)/\(prefix)" }
        var environment: [String: String] {
            [
                "AWS_ACCESS_KEY_ID": MotoServer.dummyAccessKeyId, "AWS_SECRET_ACCESS_KEY": MotoServer.dummySecretAccessKey,
                "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_SSM": moto.endpointString,
                "AWS_CONFIG_FILE": "/nonexistent/aws/config", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws/credentials",
            ]
        }
        var ssm: SSMClient {
            SSMClient(
                configuration: SSMConfiguration(region: "us-east-1", endpoint: moto.endpoint),
                credentials: StaticCredentialProvider(
                    AWSCredentials(accessKeyId: MotoServer.dummyAccessKeyId, secretAccessKey: MotoServer.dummySecretAccessKey)))
        }
        var s3: S3Client {
            S3Client(
                configuration: S3Configuration(region: "us-east-1", endpoint: moto.endpoint, pathStyle: true),
                credentials: StaticCredentialProvider(
                    AWSCredentials(accessKeyId: MotoServer.dummyAccessKeyId, secretAccessKey: MotoServer.dummySecretAccessKey)))
        }

        func parameter(_ label: String) -> String { "/wheelhouse-e2e/\(label)/\(UUID().uuidString.prefix(8))" }

        func wheelhouse(_ args: [String]) async throws -> ProcessResult {
            try await ProcessRunner.run(Products.wheelhouse, args, environment: environment)
        }

        /// Writes the wheels into a fresh folder and uploads them to the store.
        func upload(_ make: (URL) async throws -> Void) async throws {
            let folder = dists.appendingPathComponent(UUID().uuidString)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try await make(folder)
            let result = try await wheelhouse(["upload", "--store", store, folder.path])
            guard result.succeeded else { throw HarnessFailure("wheelhouse upload: \(result.stdoutText)\(result.stderrText)") }
        }

        /// `manifest publish --json`; the decoded publication, or the failed process.
        func publish(_ parameter: String, _ args: [String]) async throws -> (result: ProcessResult, json: [String: Any]?) {
            let result = try await wheelhouse(["manifest", "publish", "--store", store, "--parameter", parameter, "--json"] + args)
            let json = result.succeeded ? try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any] : nil
            return (result, json)
        }

        /// Publishes and requires success.
        func published(_ parameter: String, _ args: [String]) async throws -> Publication {
            let (result, json) = try await publish(parameter, args)
            guard result.succeeded, let json else { throw HarnessFailure("manifest publish \(args): \(result.stderrText)") }
            return Publication(json)
        }
    }

    struct HarnessFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    struct Publication {
        var value: String
        var tier: String
        var version: Int?
        var written: Bool
        var characters: Int
        var filenames: [String]

        init(_ json: [String: Any]) {
            value = json["value"] as? String ?? ""
            tier = json["tier"] as? String ?? ""
            version = json["version"] as? Int
            written = json["written"] as? Bool ?? false
            characters = json["characters"] as? Int ?? -1
            filenames = (json["wheels"] as? [[String: Any]] ?? []).compactMap { $0["filename"] as? String }
        }
    }

    static let glue4Platforms = ManifestFixtures.manylinuxPlatforms(glibcMinor: 26)
    static let glue5Platforms = ManifestFixtures.manylinuxPlatforms(glibcMinor: 34)

    // MARK: Resolution

    /// The newest `lib` (2.0) conflicts with `app`'s pin `<2`, so 1.5 must be chosen; `tool`
    /// asks for `lib[fast]`, whose extra pulls `speedups`; `backport` only below Python 3.11.
    func conflictStore(_ harness: Harness) async throws {
        try await harness.upload { dir in
            _ = try await ManifestFixtures.wheel("lib", "1.0", in: dir, requiresDist: ["speedups; extra == 'fast'"], providesExtra: ["fast"])
            _ = try await ManifestFixtures.wheel("lib", "1.5", in: dir, requiresDist: ["speedups>=1; extra == 'fast'"], providesExtra: ["fast"])
            _ = try await ManifestFixtures.wheel("lib", "2.0", in: dir, requiresDist: ["speedups>=1; extra == 'fast'"], providesExtra: ["fast"])
            _ = try await ManifestFixtures.wheel("app", "1.0", in: dir, requiresDist: ["lib>=1.0,<2", "backport; python_version < '3.11'"])
            _ = try await ManifestFixtures.wheel("tool", "3.0", in: dir, requiresDist: ["lib[fast]>=1.2"])
            _ = try await ManifestFixtures.wheel("speedups", "1.1", in: dir)
            _ = try await ManifestFixtures.wheel("backport", "0.9", in: dir)
            _ = try await ManifestFixtures.wheel("maconly", "1.0", tag: "cp311-cp311-macosx_11_0_arm64", in: dir)
        }
    }

    @Test func defaultModeResolvesTheWholeStoreAndPipAcceptsIt() async throws {
        let harness = try await Harness.make("default-mode")
        try await conflictStore(harness)

        let (result5, json5) = try await harness.publish(harness.parameter("default5"), ["--glue-version", "5.0"])
        let glue5 = Publication(try #require(json5, "\(result5.stderrText)"))
        let notes = json5?["notes"] as? [String] ?? []
        #expect(notes.count == 1 && notes.first?.contains("maconly") == true, "reported, left out: \(notes)")
        #expect(!glue5.value.contains("maconly"))
        #expect(glue5.written)
        #expect(glue5.version == 1)
        #expect(glue5.tier == "Standard")
        #expect(glue5.value.components(separatedBy: ",").sorted() == glue5.value.components(separatedBy: ","), "sorted order")
        #expect(glue5.value.contains("\(harness.uriBase)/packages/lib/lib-1.5-py3-none-any.whl"))
        #expect(!glue5.value.contains("lib-2.0"))
        let oracle5 = try await ManifestFixtures.glueOracle(endpoint: harness.moto.endpoint, value: glue5.value, python: "3.11")
        #expect(oracle5.installed == ["app": "1.0", "lib": "1.5", "tool": "3.0", "speedups": "1.1", "backport": "0.9"])

        let glue4 = try await harness.published(harness.parameter("default4"), ["--glue-version", "4.0"])
        let oracle4 = try await ManifestFixtures.glueOracle(
            endpoint: harness.moto.endpoint, value: glue4.value, python: "3.10", platforms: Self.glue4Platforms)
        #expect(oracle4.installed["lib"] == "1.5")
        #expect(oracle4.installed.keys.sorted() == ["app", "backport", "lib", "speedups", "tool"])
    }

    @Test func requirementsModeTakesOnlyTheRootsAndTheirDependencies() async throws {
        let harness = try await Harness.make("requirements-mode")
        try await conflictStore(harness)
        try await harness.upload { dir in
            _ = try await ManifestFixtures.wheel("pre", "1.0", in: dir)
            _ = try await ManifestFixtures.wheel("pre", "2.0b1", in: dir)
            _ = try await ManifestFixtures.wheel("winonly", "1.0", in: dir)
        }
        let requirements = harness.work.appendingPathComponent("requirements.txt")
        try Data("# roots\napp  # the job\npre>=2.0b1\nwinonly; sys_platform == 'win32'\n".utf8).write(to: requirements)

        let glue5 = try await harness.published(harness.parameter("req5"), ["--glue-version", "5.0", "--requirements", requirements.path])
        let oracle5 = try await ManifestFixtures.glueOracle(endpoint: harness.moto.endpoint, value: glue5.value, python: "3.11")
        #expect(oracle5.installed == ["app": "1.0", "lib": "1.5", "pre": "2.0b1"])

        let glue4 = try await harness.published(harness.parameter("req4"), ["--glue-version", "4.0", "--requirements", requirements.path])
        let oracle4 = try await ManifestFixtures.glueOracle(
            endpoint: harness.moto.endpoint, value: glue4.value, python: "3.10", platforms: Self.glue4Platforms)
        #expect(oracle4.installed == ["app": "1.0", "lib": "1.5", "pre": "2.0b1", "backport": "0.9"])

        let specs = try await harness.published(harness.parameter("specs"), ["--glue-version", "5.0", "tool", "pre<2"])
        let oracle = try await ManifestFixtures.glueOracle(endpoint: harness.moto.endpoint, value: specs.value, python: "3.11")
        #expect(oracle.installed == ["tool": "3.0", "lib": "2.0", "speedups": "1.1", "pre": "1.0"])
    }

    @Test func unsatisfiableRequirementsFailWithNamesAndWriteNothing() async throws {
        let harness = try await Harness.make("failures")
        try await harness.upload { dir in
            _ = try await ManifestFixtures.wheel("present", "1.0", in: dir)
            _ = try await ManifestFixtures.wheel("orphan", "1.0", in: dir, requiresDist: ["ghost-dep>=1"])
        }
        let nothing = harness.parameter("nothing")
        let (tooNew, _) = try await harness.publish(nothing, ["present>=9"])
        #expect(!tooNew.succeeded)
        #expect(tooNew.stderrText.contains("present"), "\(tooNew.stderrText)")
        #expect(tooNew.stderrText.contains("1.0"), "names what the store has: \(tooNew.stderrText)")

        let (missing, _) = try await harness.publish(nothing, ["orphan"])
        #expect(!missing.succeeded)
        #expect(missing.stderrText.contains("ghost-dep") && missing.stderrText.contains("orphan"), "\(missing.stderrText)")

        #expect(try await harness.ssm.getParameterIfPresent(name: nothing) == nil)

        // Default mode: the orphan cannot be resolved, so it is left out with a warning and the rest is published.
        let defaultParameter = harness.parameter("default")
        let defaultMode = try await harness.wheelhouse(["manifest", "publish", "--store", harness.store, "--parameter", defaultParameter])
        #expect(defaultMode.succeeded, "\(defaultMode.stderrText)")
        #expect(defaultMode.stderrText.contains("warning: left out orphan") && defaultMode.stderrText.contains("ghost-dep"), "\(defaultMode.stderrText)")
        #expect(try await harness.ssm.getParameter(name: defaultParameter).value == "\(harness.uriBase)/packages/present/present-1.0-py3-none-any.whl")

        // A requirements file with three lines that cannot be met: each is named.
        let requirements = harness.work.appendingPathComponent("bad-requirements.txt")
        try Data("present>=9\norphan\npresent\nnowhere==1.0\n".utf8).write(to: requirements)
        let (three, _) = try await harness.publish(nothing, ["--requirements", requirements.path])
        #expect(!three.succeeded)
        #expect(three.stderrText.contains("3 requirements cannot be met"), "\(three.stderrText)")
        for name in ["present>=9", "ghost-dep", "nowhere"] { #expect(three.stderrText.contains(name), "\(name): \(three.stderrText)") }
        #expect(try await harness.ssm.getParameterIfPresent(name: nothing) == nil)
    }

    // MARK: Versions

    @Test func versionsAdvanceOnlyWhenTheValueChanges() async throws {
        let harness = try await Harness.make("versions")
        try await harness.upload { dir in
            _ = try await ManifestFixtures.wheel("steady", "1.0", in: dir)
        }
        let parameter = harness.parameter("versions")
        let dry = try await harness.published(parameter, ["--dry-run"])
        #expect(!dry.written)
        #expect(dry.version == nil)
        #expect(try await harness.ssm.getParameterIfPresent(name: parameter) == nil)

        let first = try await harness.published(parameter, ["--description", "Glue wheels"])
        #expect(first.written && first.version == 1)
        let again = try await harness.published(parameter, [])
        #expect(!again.written && again.version == 1)

        try await harness.upload { dir in
            _ = try await ManifestFixtures.wheel("steady", "1.1", in: dir)
        }
        let second = try await harness.published(parameter, [])
        #expect(second.written && second.version == 2)
        #expect(second.value.hasSuffix("steady-1.1-py3-none-any.whl"))
        let third = try await harness.published(parameter, [])
        #expect(!third.written && third.version == 2)

        let store = S3BlobStore(client: harness.s3, bucket: harness.bucket, prefix: harness.prefix)
        let record = try #require(try await store.read("_wheelhouse/manifests/us-east-1\(parameter).json"))
        let recorded = try JSONSerialization.jsonObject(with: record.data)
        let publication = (recorded as? [String: Any])?["publication"] as? [String: Any]
        #expect(publication?["version"] as? Int == 2 && publication?["value"] as? String == second.value)

        let history = try await harness.ssm.parameterHistory(name: parameter)
        #expect(history.map(\.version) == [1, 2])
        #expect(history.map(\.value) == [first.value, second.value])
        #expect(history.first?.description == "Glue wheels")
        let oracle = try await ManifestFixtures.glueOracle(endpoint: harness.moto.endpoint, value: second.value, python: "3.11")
        #expect(oracle.installed == ["steady": "1.1"])
    }

    @Test func concurrentPublishersConverge() async throws {
        let harness = try await Harness.make("concurrent")
        try await harness.upload { dir in
            for index in 0..<4 { _ = try await ManifestFixtures.wheel("pkg\(index)", "1.0", in: dir) }
        }
        let parameter = harness.parameter("concurrent")
        let results = try await withThrowingTaskGroup(of: ProcessResult.self) { group in
            for _ in 0..<3 { group.addTask { try await harness.publish(parameter, []).result } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for result in results { #expect(result.succeeded, "\(result.stderrText)") }
        let history = try await harness.ssm.parameterHistory(name: parameter)
        #expect(Set(history.map(\.value)).count == 1, "every version holds the same value")
        #expect(history.count <= 3)
        let again = try await harness.published(parameter, [])
        #expect(!again.written)
    }

    // MARK: Targets

    /// The same release for several interpreters and platforms: each target gets the wheel pip
    /// picks from the running server for that target.
    @Test func eachTargetGetsTheWheelPipWouldChoose() async throws {
        let moto = try await MotoServer.shared()
        let work = try TestSupport.makeTemporaryDirectory("wh-manifest-targets")
        let store = work.appendingPathComponent("store")
        let dists = work.appendingPathComponent("dists")
        try FileManager.default.createDirectory(at: dists, withIntermediateDirectories: true)
        for tag in [
            "cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64", "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64",
            "cp311-cp311-manylinux_2_28_x86_64", "cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64",
            "cp311-cp311-musllinux_1_1_x86_64", "cp311-cp311-macosx_11_0_arm64", "py3-none-any",
        ] {
            _ = try await ManifestFixtures.wheel("native", "1.0", tag: tag, in: dists)
        }
        let environment = [
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL_SSM": moto.endpointString,
        ]
        let upload = try await ProcessRunner.run(Products.wheelhouse, ["upload", "--store", store.path, dists.path], environment: environment)
        #expect(upload.succeeded, "\(upload.stderrText)")
        let server = try await ServerProcess.start(store: store)
        defer { Task { await server.stop() } }

        let targets: [(options: [String], python: String, platforms: [String])] = [
            (["--glue-version", "4.0"], "3.10", Self.glue4Platforms),
            (["--glue-version", "5.0"], "3.11", Self.glue5Platforms),
            (["--python", "3.11", "--platform", "musllinux_1_2_x86_64"], "3.11", ["musllinux_1_2_x86_64"]),
            (["--python", "3.11", "--platform", "macosx_12_0_arm64"], "3.11", ["macosx_12_0_arm64"]),
            (["--python", "3.12", "--platform", "manylinux2014_x86_64"], "3.12", ["manylinux2014_x86_64"]),
            (["--python", "3.11", "--platform", "win_amd64"], "3.11", ["win_amd64"]),
        ]
        for target in targets {
            let published = try await ProcessRunner.run(
                Products.wheelhouse,
                [
                    "manifest", "publish", "--store", store.path, "--uri-base", "s3://glue-bucket/wheels", "--parameter", "/unused",
                    "--dry-run", "--json", "native==1.0",
                ] + target.options,
                environment: environment)
            #expect(published.succeeded, "\(target.options): \(published.stderrText)")
            let json = try JSONSerialization.jsonObject(with: published.stdout) as? [String: Any]
            let chosen = (json?["wheels"] as? [[String: Any]])?.compactMap { $0["filename"] as? String } ?? []

            let download = work.appendingPathComponent("pip-\(UUID().uuidString.prefix(6))")
            let pip = try await ProcessRunner.run(
                TestSupport.python,
                [
                    "-m", "pip", "download", "--no-cache-dir", "--only-binary=:all:", "--no-deps", "--implementation", "cp",
                    "--python-version", target.python, "-d", download.path, "--index-url", server.indexURL, "native==1.0",
                ]
                    + target.platforms.flatMap { ["--platform", $0] })
            #expect(pip.succeeded, "\(pip.stderrText)")
            let pipChose = try FileManager.default.contentsOfDirectory(atPath: download.path)
            #expect(chosen == pipChose, "\(target.options)")
        }
    }

    // MARK: Size limits

    /// 42 projects with long names; returns them and the length of each one's URI.
    func longNamedStore(_ harness: Harness) async throws -> (names: [String], uriLength: Int) {
        // URI: base + "/packages/" + project + "/" + project + "-1.0-py3-none-any.whl", about 199 characters.
        let fixed = harness.uriBase.count + "/packages/".count + "/".count + "-1.0-py3-none-any.whl".count
        let nameLength = (199 - fixed) / 2
        let names = (0..<42).map { index in
            let stem = "long\(String(format: "%03d", index))x"
            return stem + String(repeating: "y", count: nameLength - stem.count)
        }
        try await harness.upload { dir in
            for name in names { _ = try await ManifestFixtures.wheel(name, "1.0", in: dir) }
        }
        return (names, fixed + 2 * nameLength)
    }

    @Test func tierFollowsTheSizeAndOversizeIsRefusedOrBundled() async throws {
        let harness = try await Harness.make("sizes")
        let (names, uriLength) = try await longNamedStore(harness)
        let size = { (count: Int) in count * (uriLength + 1) - 1 }
        #expect((3950...4096).contains(size(20)) && (4097...4300).contains(size(21)) && size(42) > 8192)
        let parameter = harness.parameter("sizes")

        // 20 wheels: about 4,000 characters.
        let standard = try await harness.published(parameter, Array(names.prefix(20)))
        #expect(standard.characters == size(20))
        #expect(standard.tier == "Standard")
        // 21 wheels: about 4,200 characters.
        let advanced = try await harness.published(parameter, Array(names.prefix(21)))
        #expect(advanced.characters == size(21))
        #expect(advanced.tier == "Advanced")
        #expect(try await harness.ssm.currentTier(name: parameter) == .advanced)
        // Back to 20: the parameter stays advanced (SSM refuses a downgrade).
        let stays = try await harness.published(parameter, Array(names.prefix(20)))
        #expect(stays.tier == "Advanced")
        #expect(try await harness.ssm.currentTier(name: parameter) == .advanced)

        // 42 wheels: about 8,300 characters: refused, nothing written.
        let before = try await harness.ssm.getParameter(name: parameter).version
        let (refused, _) = try await harness.publish(parameter, names)
        #expect(!refused.succeeded)
        let grouped = "\(size(42) / 1000),\(String(format: "%03d", size(42) % 1000))"
        #expect(refused.stderrText.contains(grouped) && refused.stderrText.contains("--requirements"), "\(refused.stderrText)")
        #expect(try await harness.ssm.getParameter(name: parameter).version == before)

        // The default mode selects all 42 too; with --bundle it is one zip Glue 5.0 can install.
        let bundleParameter = harness.parameter("bundle")
        let bundled = try await harness.published(bundleParameter, ["--bundle"])
        #expect(!bundled.value.contains(","))
        let name = bundleParameter.split(separator: "/").last.map(String.init) ?? ""
        #expect(bundled.value.hasPrefix(harness.uriBase + "/_wheelhouse/bundles/\(name)-") && bundled.value.hasSuffix(".gluewheels.zip"))
        #expect(bundled.tier == "Standard")
        let oracle = try await ManifestFixtures.glueOracle(endpoint: harness.moto.endpoint, value: bundled.value, glue: "5.0")
        #expect(oracle.installed.count == 42)
    }

    // MARK: Keeping it current, show, glue-args

    @Test func uploadAndServeRepublish() async throws {
        let harness = try await Harness.make("republish")
        let parameter = harness.parameter("upload")
        let folder = harness.dists.appendingPathComponent("first")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        _ = try await ManifestFixtures.wheel("first", "1.0", in: folder)
        let upload = try await harness.wheelhouse(["upload", "--store", harness.store, "--manifest-parameter", parameter, folder.path])
        #expect(upload.succeeded, "\(upload.stderrText)")
        #expect(try await harness.ssm.getParameter(name: parameter).value == "\(harness.uriBase)/packages/first/first-1.0-py3-none-any.whl")

        // serve on a local store named as its S3 copy: published at start, then after each upload.
        let store = harness.work.appendingPathComponent("local-store")
        let served = harness.parameter("serve")
        let server = try await ManifestFixtures.startServer(
            store: store,
            arguments: ["--manifest-parameter", served, "--uri-base", "s3://synced-bucket/x", "--tokens-required-for", "none"],
            environment: harness.environment)
        defer { Task { await server.stop() } }
        let wheel = try await ManifestFixtures.wheel("served", "2.0", in: harness.dists)
        let twine = try await ProcessRunner.run(
            Products.venvTool("twine"), ["upload", "--repository-url", server.uploadURL, "-u", "__token__", "-p", "x", wheel.path])
        #expect(twine.succeeded, "\(twine.stdoutText)\(twine.stderrText)")
        var value: String?
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            value = try await harness.ssm.getParameterIfPresent(name: served)?.value
            if value?.contains("served-2.0") == true { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(value == "s3://synced-bucket/x/packages/served/served-2.0-py3-none-any.whl", "\(String(decoding: server.log, as: UTF8.self))")
    }

    @Test func showListsTheManifestAndWhatTheStoreLost() async throws {
        let harness = try await Harness.make("show")
        try await harness.upload { dir in
            _ = try await ManifestFixtures.wheel("kept", "1.0", in: dir, requiresDist: ["gone"])
            _ = try await ManifestFixtures.wheel("gone", "2.1", in: dir)
        }
        let parameter = harness.parameter("show")
        _ = try await harness.published(parameter, [])
        try await harness.s3.deleteObject(bucket: harness.bucket, key: "\(harness.prefix)/packages/gone/gone-2.1-py3-none-any.whl")

        let text = try await harness.wheelhouse(["manifest", "show", "--store", harness.store, "--parameter", parameter])
        #expect(text.succeeded, "\(text.stderrText)")
        #expect(text.stdoutText.contains("kept") && text.stdoutText.contains("2.1"))
        #expect(text.stdoutText.contains("missing from the store"))

        let json = try await harness.wheelhouse(["manifest", "show", "--store", harness.store, "--parameter", parameter, "--json"])
        let object = try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any]
        #expect(object?["missing"] as? [String] == ["\(harness.uriBase)/packages/gone/gone-2.1-py3-none-any.whl"])
        #expect((object?["entries"] as? [[String: Any]])?.compactMap { $0["project"] as? String } == ["gone", "kept"])

        let absent = try await harness.wheelhouse(["manifest", "show", "--store", harness.store, "--parameter", parameter + "-none"])
        #expect(!absent.succeeded)
        #expect(absent.stderrText.contains("does not exist"))
    }

    @Test func localStoreNeedsAURIBase() async throws {
        let harness = try await Harness.make("local")
        let store = harness.work.appendingPathComponent("store")
        let result = try await harness.wheelhouse(["manifest", "publish", "--store", store.path, "--parameter", "/x"])
        #expect(result.status == 1)
        #expect(result.stderrText.contains("--uri-base"), "\(result.stderrText)")
        let bad = try await harness.wheelhouse(["manifest", "publish", "--store", store.path, "--parameter", "/x", "--uri-base", "https://x"])
        #expect(bad.status == 64, "\(bad.stderrText)")
        let glue4Bundle = try await harness.wheelhouse(["manifest", "publish", "--parameter", "/x", "--glue-version", "4.0", "--bundle"])
        #expect(glue4Bundle.status == 64 && glue4Bundle.stderrText.contains("Glue 5.0"), "\(glue4Bundle.stderrText)")
        #expect(!FileManager.default.fileExists(atPath: store.path), "a refused publish creates no store")
    }

    @Test func glueArgsPointPipAtTheServer() async throws {
        let https = try await ProcessRunner.run(Products.wheelhouse, ["manifest", "glue-args", "--url", "https://wheels.internal/simple/"])
        #expect(https.succeeded)
        #expect(https.stdoutText.contains("--python-modules-installer-option --index-url https://wheels.internal/simple/\n"))
        let http = try await ProcessRunner.run(
            Products.wheelhouse, ["manifest", "glue-args", "--url", "http://10.0.0.5:8080/simple", "--modules", "pandas==2.2.2", "--json"])
        let object = try JSONSerialization.jsonObject(with: http.stdout) as? [String: String]
        #expect(object?["--python-modules-installer-option"] == "--index-url http://10.0.0.5:8080/simple/ --trusted-host 10.0.0.5")
        #expect(object?["--additional-python-modules"] == "pandas==2.2.2")
        let bad = try await ProcessRunner.run(Products.wheelhouse, ["manifest", "glue-args", "--url", "ftp://x"])
        #expect(bad.status == 64)
    }
}
