import Foundation
import Testing
import WheelhouseAWS
import WheelhouseStorage
import WheelhouseTestSupport

/// Glue runtimes as they are: preinstalled libraries, every Glue version, every delivery
/// format. Each manifest is installed by the Glue oracle with the runtime's own pip version
/// over stubs of its preinstalled libraries.
@Suite(.serialized, .tags(.endToEnd), .skippedInFastTier)
struct GlueRuntimeEndToEndTests {
    typealias Harness = ManifestEndToEndTests.Harness

    /// pandas 2.2.2 and 2.3.3 (each needing numpy), numpy 2.1.0; `app` needs pandas>=2,
    /// `newapp` pandas>=2.3.
    func pandasStore(_ harness: Harness) async throws {
        try await harness.upload { dir in
            _ = try await ManifestFixtures.wheel("pandas", "2.2.2", in: dir, requiresDist: ["numpy>=1.22.4"])
            _ = try await ManifestFixtures.wheel("pandas", "2.3.3", in: dir, requiresDist: ["numpy>=1.26"])
            _ = try await ManifestFixtures.wheel("numpy", "2.1.0", in: dir)
            _ = try await ManifestFixtures.wheel("app", "1.0", in: dir, requiresDist: ["pandas>=2"])
            _ = try await ManifestFixtures.wheel("newapp", "1.0", in: dir, requiresDist: ["pandas>=2.3"])
        }
    }

    @Test func preinstalledLibrariesCountAsInstalled() async throws {
        let harness = try await Harness.make("preinstalled")
        try await pandasStore(harness)

        // Glue 5.0 has pandas 2.2.2: the manifest holds the app and no pandas.
        let parameter = harness.parameter("glue5")
        let (result, json) = try await harness.publish(parameter, ["--glue-version", "5.0", "app"])
        let glue5 = ManifestEndToEndTests.Publication(try #require(json, "\(result.stderrText)"))
        #expect(glue5.filenames == ["app-1.0-py3-none-any.whl"])
        let reports = json?["preinstalled"] as? [[String: Any]] ?? []
        #expect(reports.count == 1)
        #expect(reports.first?["project"] as? String == "pandas" && reports.first?["action"] as? String == "kept")
        #expect(reports.first?["installed"] as? String == "2.2.2")
        let oracle5 = try await ManifestFixtures.glueOracle(endpoint: harness.moto.endpoint, value: glue5.value, glue: "5.0")
        #expect(oracle5.pip == "23.0.1")
        #expect(oracle5.installed == ["app": "1.0"])
        #expect(oracle5.preinstalled["pandas"] == "2.2.2" && oracle5.preinstalled["numpy"] == "1.26.4")

        // pandas>=2.3 is more than Glue 5.0 has: refused by name, nothing written.
        let refusedParameter = harness.parameter("refused")
        let (refused, _) = try await harness.publish(refusedParameter, ["--glue-version", "5.0", "pandas>=2.3"])
        #expect(refused.status == 1)
        #expect(
            refused.stderrText.contains(
                "pandas>=2.3 needs a newer pandas than AWS Glue 5.0's preinstalled 2.2.2; pass --upgrade-preinstalled pandas to ship your own"),
            "\(refused.stderrText)")
        #expect(try await harness.ssm.getParameterIfPresent(name: refusedParameter) == nil)

        // --upgrade-preinstalled pandas ships 2.3.3; Glue's numpy 1.26.4 still satisfies it.
        let upgraded = try await harness.published(
            harness.parameter("upgraded"), ["--glue-version", "5.0", "--upgrade-preinstalled", "pandas", "newapp"])
        #expect(upgraded.filenames == ["newapp-1.0-py3-none-any.whl", "pandas-2.3.3-py3-none-any.whl"])
        let oracleUp = try await ManifestFixtures.glueOracle(endpoint: harness.moto.endpoint, value: upgraded.value, glue: "5.0")
        #expect(oracleUp.installed == ["newapp": "1.0", "pandas": "2.3.3"])
        #expect(oracleUp.preinstalled["pandas"] == "2.3.3" && oracleUp.preinstalled["numpy"] == "1.26.4")

        // --ignore-preinstalled ships everything, as for a bare Python.
        let ignored = try await harness.published(harness.parameter("ignored"), ["--glue-version", "5.0", "--ignore-preinstalled", "app"])
        #expect(ignored.filenames == ["app-1.0-py3-none-any.whl", "numpy-2.1.0-py3-none-any.whl", "pandas-2.3.3-py3-none-any.whl"])

        // manifest show reports what the publication kept or replaced.
        let upgradedParameter = harness.parameter("shown")
        _ = try await harness.published(upgradedParameter, ["--glue-version", "5.0", "--upgrade-preinstalled", "pandas", "newapp"])
        let shown = try await harness.wheelhouse(["manifest", "show", "--store", harness.store, "--parameter", upgradedParameter])
        #expect(shown.succeeded, "\(shown.stderrText)")
        #expect(shown.stdoutText.contains("preinstalled: pandas 2.2.2 replaced by 2.3.3 (required by newapp 1.0)"), "\(shown.stdoutText)")
        #expect(shown.stdoutText.contains("preinstalled: numpy 1.26.4 kept"), "\(shown.stdoutText)")
        let shownJSON = try await harness.wheelhouse(["manifest", "show", "--store", harness.store, "--parameter", upgradedParameter, "--json"])
        let object = try JSONSerialization.jsonObject(with: shownJSON.stdout) as? [String: Any]
        let listed = (object?["preinstalled"] as? [[String: Any]] ?? []).map { "\($0["project"] ?? "") \($0["action"] ?? "")" }
        #expect(listed == ["numpy kept", "pandas replaced"])
        #expect(object?["format"] as? String == "urls")
    }

    @Test func theSameStoreDiffersByGlueVersion() async throws {
        let harness = try await Harness.make("versions-differ")
        try await pandasStore(harness)

        // 4.0 has pandas 1.5.1: app's pandas>=2 is refused unless upgraded.
        let (glue4, _) = try await harness.publish(harness.parameter("g4"), ["--glue-version", "4.0", "app"])
        #expect(glue4.status == 1)
        #expect(glue4.stderrText.contains("needs a newer pandas than AWS Glue 4.0's preinstalled 1.5.1"), "\(glue4.stderrText)")
        let glue4Up = try await harness.published(harness.parameter("g4u"), ["--glue-version", "4.0", "--upgrade-preinstalled", ":all:", "app"])
        #expect(glue4Up.filenames == ["app-1.0-py3-none-any.whl", "numpy-2.1.0-py3-none-any.whl", "pandas-2.3.3-py3-none-any.whl"])
        let oracle4 = try await ManifestFixtures.glueOracle(endpoint: harness.moto.endpoint, value: glue4Up.value, glue: "4.0")
        #expect(oracle4.pip == "23.0.1")
        #expect(oracle4.installed == ["app": "1.0", "numpy": "2.1.0", "pandas": "2.3.3"])

        // 5.1 and 6.0 have pandas 2.3.3: both apps, no pandas.
        for version in ["5.1", "6.0"] {
            let published = try await harness.published(harness.parameter("g\(version)"), ["--glue-version", version, "app", "newapp"])
            #expect(published.filenames == ["app-1.0-py3-none-any.whl", "newapp-1.0-py3-none-any.whl"], "\(version)")
            let oracle = try await ManifestFixtures.glueOracle(endpoint: harness.moto.endpoint, value: published.value, glue: version)
            #expect(oracle.pip == "24.0")
            #expect(oracle.installed == ["app": "1.0", "newapp": "1.0"], "\(version)")
            #expect(oracle.preinstalled["pandas"] == "2.3.3")
        }

        // A custom list for a newer Glue: its header names the runtime.
        let custom = harness.work.appendingPathComponent("glue-7.0.txt")
        try Data("# AWS Glue 7.0\n# Python 3.13, glibc 2.34\npandas==2.2.2\nnumpy==2.1.0\n".utf8).write(to: custom)
        let (customRun, customJSON) = try await harness.publish(harness.parameter("custom"), ["--glue-profile", custom.path, "newapp"])
        #expect(!customRun.succeeded)
        #expect(customRun.stderrText.contains("AWS Glue 7.0's preinstalled 2.2.2"), "\(customRun.stderrText)")
        #expect(customJSON == nil)
        let unknown = try await harness.wheelhouse(["manifest", "publish", "--store", harness.store, "--parameter", "/x", "--glue-version", "3.0"])
        #expect(unknown.status == 64 && unknown.stderrText.contains("'4.0', '5.0', '5.1' or '6.0'"), "\(unknown.stderrText)")
    }

    @Test func zipIsGluesDocumentedLayout() async throws {
        let harness = try await Harness.make("gluewheels")
        try await pandasStore(harness)
        let parameter = "/wheelhouse-e2e/jobs/etl-\(UUID().uuidString.prefix(6))"
        let (result, json) = try await harness.publish(parameter, ["--glue-version", "5.0", "--format", "zip", "newapp", "--upgrade-preinstalled", "pandas"])
        let published = ManifestEndToEndTests.Publication(try #require(json, "\(result.stderrText)"))
        let name = String(parameter.split(separator: "/").last ?? "")
        let key = String(published.value.dropFirst(harness.uriBase.count + 1))
        #expect(key.hasPrefix("_wheelhouse/bundles/\(name)-") && key.hasSuffix(".gluewheels.zip"), "\(key)")
        let hash = key.dropFirst("_wheelhouse/bundles/\(name)-".count).dropLast(".gluewheels.zip".count)
        #expect(hash.count == 16 && hash.allSatisfy(\.isHexDigit))
        #expect(json?["format"] as? String == "zip" && json?["bundle"] as? String == key)

        // Unzipped: wheels/ with the two wheels and requirements.txt pinning them.
        let store = S3BlobStore(client: harness.s3, bucket: harness.bucket, prefix: harness.prefix)
        let zip = try #require(try await store.read(key)).data
        let file = harness.work.appendingPathComponent("bundle.zip")
        try zip.write(to: file)
        let listing = try runPython(
            script:
                "import sys, zipfile, json; z = zipfile.ZipFile(sys.argv[1]); print(json.dumps([z.namelist(), z.read('wheels/requirements.txt').decode()]))",
            args: [file.path])
        let decoded = try JSONSerialization.jsonObject(with: listing.stdout) as? [Any]
        #expect(decoded?.first as? [String] == ["wheels/newapp-1.0-py3-none-any.whl", "wheels/pandas-2.3.3-py3-none-any.whl", "wheels/requirements.txt"])
        #expect(decoded?.last as? String == "newapp==1.0\npandas==2.3.3\n")
        // Streaming readers too: unzip, and Java's ZipInputStream (which refuses a data descriptor
        // after stored data), where a JDK is installed.
        let unzip = try await ProcessRunner.run("/usr/bin/unzip", ["-t", file.path])
        #expect(unzip.status == 0 && unzip.stdoutText.contains("No errors detected"), "\(unzip.stdoutText)")
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/java") {
            let java = try await ProcessRunner.run(
                "/usr/bin/java", [TestSupport.repositoryRoot.appendingPathComponent("Tests/Fixtures/ZipCheck.java").path, file.path])
            #expect(java.status == 0 && java.stdoutText.contains("entries 3"), "\(java.stdoutText)\(java.stderrText)")
        }

        // pip 23.0.1 installs it with --no-index --find-links wheels -r wheels/requirements.txt.
        let oracle = try await ManifestFixtures.glueOracle(endpoint: harness.moto.endpoint, value: published.value, glue: "5.0")
        #expect(oracle.installed == ["newapp": "1.0", "pandas": "2.3.3"])

        let args = try await harness.wheelhouse(["manifest", "glue-args", "--store", harness.store, "--parameter", parameter])
        #expect(
            args.stdoutText == "--additional-python-modules \(published.value)\n--python-modules-installer-option --no-index\n",
            "\(args.stdoutText)\(args.stderrText)")
        let shown = try await harness.wheelhouse(["manifest", "show", "--store", harness.store, "--parameter", parameter])
        #expect(shown.stdoutText.contains("in the zip: 2 wheels") && shown.stdoutText.contains("format zip"), "\(shown.stdoutText)")

        // The same selection names the same object; Glue 4.0 takes no zip.
        let again = try await harness.published(parameter, ["--glue-version", "5.0", "--bundle", "newapp", "--upgrade-preinstalled", "pandas"])
        #expect(again.value == published.value && !again.written)
        let glue4 = try await harness.wheelhouse([
            "manifest", "publish", "--store", harness.store, "--parameter", parameter, "--glue-version", "4.0", "--format", "zip",
        ])
        #expect(glue4.status == 64 && glue4.stderrText.contains("Glue 5.0 or later"), "\(glue4.stderrText)")
    }

    @Test func requirementsFileIsHashedAndNamesTheServer() async throws {
        let harness = try await Harness.make("requirements-format")
        try await pandasStore(harness)
        let server = try await ServerProcess.start(storeURL: harness.store, environment: harness.environment)
        defer { Task { await server.stop() } }
        let parameter = harness.parameter("reqs")

        let missingIndex = try await harness.wheelhouse(["manifest", "publish", "--store", harness.store, "--parameter", parameter, "--format", "requirements"])
        #expect(missingIndex.status == 64 && missingIndex.stderrText.contains("--index-url"), "\(missingIndex.stderrText)")

        let (result, json) = try await harness.publish(
            parameter, ["--glue-version", "5.0", "--format", "requirements", "--index-url", server.indexURL, "app", "--ignore-preinstalled"])
        let published = ManifestEndToEndTests.Publication(try #require(json, "\(result.stderrText)"))
        let key = String(published.value.dropFirst(harness.uriBase.count + 1))
        #expect(key.hasPrefix("_wheelhouse/requirements/") && key.hasSuffix(".txt"), "\(key)")
        #expect(json?["requirements_file"] as? String == key)

        let store = S3BlobStore(client: harness.s3, bucket: harness.bucket, prefix: harness.prefix)
        let text = String(decoding: try #require(try await store.read(key)).data, as: UTF8.self)
        let lines = text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
        #expect(lines.first == "--index-url \(server.indexURL)")
        #expect(lines.contains("--trusted-host 127.0.0.1"))
        let pins = lines.filter { $0.contains("==") }.map { $0.replacingOccurrences(of: " \\", with: "") }
        #expect(pins == ["app==1.0", "numpy==2.1.0", "pandas==2.3.3"])
        let hashes = lines.filter { $0.contains("--hash=sha256:") }
        #expect(hashes.count == 3 && hashes.allSatisfy { $0.trimmingCharacters(in: .whitespaces).count == "--hash=sha256:".count + 64 })

        // pip 23.0.1 (Glue 5.0) installs from the running server with it, over Glue's own pandas and numpy.
        let oracle = try await ManifestFixtures.glueOracle(endpoint: harness.moto.endpoint, value: published.value, glue: "5.0")
        #expect(oracle.installed["app"] == "1.0" && oracle.installed["pandas"] == "2.3.3" && oracle.installed["numpy"] == "2.1.0")

        // A tampered hash is refused by pip.
        let sha = try #require(hashes.first?.split(separator: ":").last.map(String.init))
        let flipped = String(sha.prefix(63)) + (sha.hasSuffix("0") ? "1" : "0")
        let tamperedKey = "\(harness.prefix)/tampered/reqs.txt"
        try await harness.s3.putObject(bucket: harness.bucket, key: tamperedKey, data: Data(text.replacingOccurrences(of: sha, with: flipped).utf8))
        do {
            _ = try await ManifestFixtures.glueOracle(
                endpoint: harness.moto.endpoint, value: "s3://\(harness.bucket)/\(tamperedKey)", glue: "5.0")
            Issue.record("pip installed a requirements file with a wrong hash")
        } catch let failure as ProcessFailure {
            #expect(failure.result.stderrText.contains("DO NOT MATCH THE HASHES"), "\(failure.result.stderrText)")
        }

        let args = try await harness.wheelhouse(["manifest", "glue-args", "--store", harness.store, "--parameter", parameter, "--json"])
        let object = try JSONSerialization.jsonObject(with: args.stdout) as? [String: String]
        #expect(object == ["--additional-python-modules": published.value, "--python-modules-installer-option": "-r"], "\(args.stderrText)")
    }

    @Test func yankRepublishes() async throws {
        let harness = try await Harness.make("yank-republish")
        try await harness.upload { dir in
            _ = try await ManifestFixtures.wheel("tool", "1.0", in: dir)
            _ = try await ManifestFixtures.wheel("tool", "2.0", in: dir)
        }
        let parameter = harness.parameter("yank")
        _ = try await harness.published(parameter, [])
        #expect(try await harness.ssm.getParameter(name: parameter).value.hasSuffix("tool-2.0-py3-none-any.whl"))
        let yank = try await harness.wheelhouse(["yank", "--store", harness.store, "tool", "2.0", "--manifest-parameter", parameter])
        #expect(yank.succeeded, "\(yank.stderrText)")
        #expect(try await harness.ssm.getParameter(name: parameter).value.hasSuffix("tool-1.0-py3-none-any.whl"))
        let unyank = try await harness.wheelhouse(["unyank", "--store", harness.store, "tool", "2.0", "--manifest-parameter", parameter])
        #expect(unyank.succeeded, "\(unyank.stderrText)")
        #expect(try await harness.ssm.getParameter(name: parameter).value.hasSuffix("tool-2.0-py3-none-any.whl"))
    }

    @Test func uploadRefusesWheelsNoRequiredTargetInstalls() async throws {
        let work = try TestSupport.makeTemporaryDirectory("wh-require-target")
        let dists = work.appendingPathComponent("dists")
        try FileManager.default.createDirectory(at: dists, withIntermediateDirectories: true)
        _ = try await ManifestFixtures.wheel("mac", "1.0", tag: "cp311-cp311-macosx_11_0_arm64", in: dists)
        _ = try await ManifestFixtures.wheel("newglibc", "1.0", tag: "cp311-cp311-manylinux_2_39_x86_64", in: dists)
        _ = try await ManifestFixtures.wheel("py310", "1.0", tag: "cp310-cp310-manylinux2014_x86_64", in: dists)
        _ = try await ManifestFixtures.wheel("needs312", "1.0", in: dists, requiresPython: ">=3.12")
        _ = try await ManifestFixtures.wheel("fine", "1.0", tag: "cp311-cp311-manylinux_2_28_x86_64", in: dists)
        _ = try await ManifestFixtures.wheel("pure", "1.0", in: dists)
        let store = work.appendingPathComponent("store")
        let upload = try await ProcessRunner.run(
            Products.wheelhouse, ["upload", "--store", store.path, "--require-target", "glue-5.0", "--json", dists.path])
        #expect(upload.status == 1)
        let results = try JSONSerialization.jsonObject(with: upload.stdout) as? [[String: Any]] ?? []
        var byName: [String: (status: String, error: String)] = [:]
        for result in results {
            let name = URL(fileURLWithPath: result["path"] as? String ?? "").lastPathComponent
            byName[String(name.prefix { $0 != "-" })] = (result["status"] as? String ?? "", result["error"] as? String ?? "")
        }
        #expect(byName["fine"]?.status == "added" && byName["pure"]?.status == "added")
        #expect(byName["mac"]?.error.contains("glue-5.0: it is built for macosx_11_0_arm64") == true, "\(byName)")
        #expect(byName["newglibc"]?.error.contains("needs glibc 2.39 or newer") == true, "\(byName)")
        #expect(byName["py310"]?.error.contains("built for cp310-cp310") == true, "\(byName)")
        #expect(byName["needs312"]?.error.contains("requires Python >=3.12") == true, "\(byName)")
        let listed = try await ProcessRunner.run(Products.wheelhouse, ["list", "--store", store.path])
        #expect(listed.stdoutText.contains("fine") && !listed.stdoutText.contains("mac") && !listed.stdoutText.contains("py310"))

        // Either runtime will do: the 3.10 wheel fits Glue 4.0.
        let either = try await ProcessRunner.run(
            Products.wheelhouse,
            [
                "upload", "--store", store.path, "--require-target", "glue-4.0", "--require-target", "glue-5.0",
                dists.appendingPathComponent("py310-1.0-cp310-cp310-manylinux2014_x86_64.whl").path,
            ])
        #expect(either.succeeded, "\(either.stderrText)")
        let python = try await ProcessRunner.run(
            Products.wheelhouse,
            [
                "upload", "--store", store.path, "--require-target", "python-3.11:macosx_12_0_arm64",
                dists.appendingPathComponent("mac-1.0-cp311-cp311-macosx_11_0_arm64.whl").path,
            ])
        #expect(python.succeeded, "\(python.stderrText)")
        let bad = try await ProcessRunner.run(Products.wheelhouse, ["upload", "--store", store.path, "--require-target", "glue-9.9", dists.path])
        #expect(bad.status == 64 && bad.stderrText.contains("glue-9.9"), "\(bad.stderrText)")
    }

    @Test func lockIsAPylockUvInstallsFromTheServer() async throws {
        let harness = try await Harness.make("pylock")
        try await pandasStore(harness)
        let server = try await ServerProcess.start(storeURL: harness.store, environment: harness.environment)
        defer { Task { await server.stop() } }
        let lock = harness.work.appendingPathComponent("pylock.toml")
        let result = try await harness.wheelhouse(
            [
                "manifest", "lock", "--store", harness.store, "--out", lock.path, "--index-url", server.indexURL, "--glue-version", "5.0",
                "--upgrade-preinstalled", "pandas", "newapp",
            ])
        #expect(result.succeeded, "\(result.stderrText)")
        #expect(result.stdoutText.contains("preinstalled: numpy 1.26.4 kept"), "\(result.stdoutText)")
        let text = try String(contentsOf: lock, encoding: .utf8)
        #expect(text.contains("lock-version = \"1.0\""))
        #expect(
            text.contains(
                "environments = [\"python_version == '3.11' and sys_platform == 'linux' and platform_machine == 'x86_64' and implementation_name == 'cpython'\"]"
            ), "\(text)")
        #expect(text.contains("url = \"\(server.baseURL)/packages/pandas/pandas-2.3.3-py3-none-any.whl\""), "\(text)")
        #expect(text.contains("# Not locked, preinstalled in the runtime: numpy==1.26.4"))

        // packaging's PEP 751 support reads and validates it, and selects both wheels for this interpreter.
        let validate = try runPython(
            script: """
                import sys, tomllib, json
                from packaging.pylock import Pylock
                with open(sys.argv[1], "rb") as f:
                    lock = Pylock.from_dict(tomllib.load(f))
                lock.validate()
                print(json.dumps(sorted(f"{p.name}=={p.version}" for p, _ in lock.select())))
                """,
            args: [lock.path])
        #expect(validate.status == 0, "\(String(decoding: validate.stderr, as: UTF8.self))")
        #expect(try JSONSerialization.jsonObject(with: validate.stdout) as? [String] == ["newapp==1.0", "pandas==2.3.3"])

        // uv installs exactly the locked wheels from the running server (numpy is Glue's own, not locked).
        let venv = harness.work.appendingPathComponent("venv")
        let uv = Products.venvTool("uv")
        let created = try await ProcessRunner.run(uv, ["venv", "--python", TestSupport.python, venv.path])
        #expect(created.succeeded, "\(created.stderrText)")
        let install = try await ProcessRunner.run(
            uv, ["pip", "install", "--python", venv.appendingPathComponent("bin/python").path, "--no-cache", "-r", lock.path])
        #expect(install.succeeded, "\(install.stdoutText)\(install.stderrText)")
        let listed = try await ProcessRunner.run(uv, ["pip", "list", "--python", venv.appendingPathComponent("bin/python").path, "--format", "json"])
        let installed = (try JSONSerialization.jsonObject(with: listed.stdout) as? [[String: Any]] ?? []).map { "\($0["name"] ?? "")==\($0["version"] ?? "")" }
        #expect(installed.sorted() == ["newapp==1.0", "pandas==2.3.3"], "\(listed.stdoutText)\(listed.stderrText)")

        // A lock needs the server and the PEP 751 name.
        let noIndex = try await harness.wheelhouse(["manifest", "lock", "--store", harness.store, "--out", lock.path])
        #expect(noIndex.status == 64 && noIndex.stderrText.contains("--index-url"))
        let badName = try await harness.wheelhouse(
            ["manifest", "lock", "--store", harness.store, "--out", harness.work.appendingPathComponent("lock.toml").path, "--index-url", server.indexURL])
        #expect(badName.status == 64 && badName.stderrText.contains("pylock"), "\(badName.stderrText)")
    }
}
