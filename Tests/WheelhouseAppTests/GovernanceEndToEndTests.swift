import Foundation
import Testing
import WheelhouseTestSupport

/// PEP 792 project status and PEP 740 provenance through real clients: pypi-simple (HTML and
/// JSON), uv, twine, curl, `wheelhouse replicate`, `manifest publish/show` on moto and a
/// pull-through mirror of another `wheelhouse serve`.
@Suite(.serialized, .tags(.endToEnd), .skippedInFastTier)
struct GovernanceEndToEndTests {
    let work: URL
    let dists: URL

    init() throws {
        work = try TestSupport.makeTemporaryDirectory("wh-gov")
        dists = work.appendingPathComponent("dists")
        try FileManager.default.createDirectory(at: dists, withIntermediateDirectories: true)
    }

    func wheelhouse(_ args: [String], store: URL) async throws -> ProcessResult {
        try await ProcessRunner.run(Products.wheelhouse, args + ["--store", store.path])
    }

    func folder(_ name: String) throws -> URL {
        let url = work.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A PEP 740 attestation of the right shape (its signature is not real: Wheelhouse does not verify).
    static let attestation = #"""
        {"version": 1, "verification_material": {"certificate": "TUlJQ2dqQ0NBZ21nQXdJQkFnSVVaeg==",
          "transparency_entries": [{"logIndex": "133528340", "logId": {"keyId": "wNI9atQGlz+VWfO6LRygH4QUfY/8W4RFwiT5i5WRgB0="}}]},
         "envelope": {"statement": "eyJfdHlwZSI6Imh0dHBzOi8vaW4tdG90by5pby9TdGF0ZW1lbnQvdjEifQ==",
          "signature": "MEUCIQDdu3ee2Yv0dg=="}}
        """#

    /// What pypi-simple reads of a project page in `format` (`html` or `json`), and the
    /// provenance it fetches through `PyPISimple.get_provenance` for each file that has one.
    static let readerScript = #"""
        import json, sys
        from pypi_simple import PyPISimple, ACCEPT_JSON_ONLY, ACCEPT_HTML_ONLY, NoSuchProjectError
        index, project, fmt = sys.argv[1], sys.argv[2], sys.argv[3]
        with PyPISimple(index, accept=ACCEPT_JSON_ONLY if fmt == "json" else ACCEPT_HTML_ONLY) as client:
            page = client.get_project_page(project)
            out = {"status": page.status.value if page.status else None, "reason": page.status_reason,
                   "version": page.repository_version, "packages": []}
            for p in page.packages:
                entry = {"filename": p.filename, "provenance_url": p.provenance_url, "size": p.size,
                         "upload_time": p.upload_time.isoformat() if p.upload_time else None}
                if p.provenance_url:
                    entry["provenance"] = client.get_provenance(p)
                out["packages"].append(entry)
            print(json.dumps(out))
        """#

    struct Read: Decodable {
        struct Package: Decodable {
            var filename: String
            var provenance_url: String?
            var size: Int?
            var upload_time: String?
            var provenance: Provenance?
        }
        struct Provenance: Decodable {
            struct Bundle: Decodable {
                struct Publisher: Decodable { var kind: String }
                var publisher: Publisher
                var attestations: [[String: AnyDecodable]]
            }
            var version: Int
            var attestation_bundles: [Bundle]
        }
        var status: String?
        var reason: String?
        var version: String?
        var packages: [Package]
    }

    /// Any JSON value, compared by its re-encoding.
    struct AnyDecodable: Decodable {
        init(from decoder: any Decoder) throws {}
    }

    func read(_ server: ServerProcess, _ project: String, _ format: String) async throws -> Read {
        let result = try await runPython(script: Self.readerScript, args: [server.indexURL, project, format], stdin: Data())
        guard result.status == 0 else {
            throw PythonRunnerError(description: "pypi-simple: \(String(decoding: result.stderr, as: UTF8.self))")
        }
        return try JSONDecoder().decode(Read.self, from: result.stdout)
    }

    func uvInstall(_ server: ServerProcess, _ spec: String) async throws -> ProcessResult {
        try await ProcessRunner.run(
            Products.venvTool("uv"),
            [
                "pip", "install", "--no-cache", "--python", TestSupport.python, "--index-url", server.indexURL,
                "--target", work.appendingPathComponent("uv-\(UUID().uuidString.prefix(6))").path, spec,
            ],
            environment: ["UV_PYTHON_DOWNLOADS": "never"])
    }

    @Test func eachStatusOnPagesInstallersUploadsAndDownloads() async throws {
        let store = work.appendingPathComponent("store")
        let first = try folder("first")
        for name in ["gov-active", "gov-arch", "gov-quar", "gov-dep"] {
            _ = try await DistFixtures.make(name, "1.0", in: first)
        }
        let upload = try await wheelhouse(["upload", first.path], store: store)
        #expect(upload.succeeded, "\(upload.stderrText)")
        for (project, args) in [
            ("gov-arch", ["archived", "--reason", "read only now"]), ("gov-quar", ["quarantined", "--reason", "malware in 1.0"]),
            ("gov-dep", ["deprecated", "--reason", "use gov-active"]),
        ] {
            let set = try await wheelhouse(["project", "status", project] + args, store: store)
            #expect(set.succeeded, "\(set.stderrText)")
            #expect(set.stdoutText.contains("active -> \(args[0])"), "\(set.stdoutText)")
        }
        let shown = try await wheelhouse(["project", "status", "gov-quar", "--json"], store: store)
        let shownJSON = try JSONSerialization.jsonObject(with: shown.stdout) as? [String: Any]
        #expect(shownJSON?["status"] as? String == "quarantined" && shownJSON?["reason"] as? String == "malware in 1.0")
        let unknown = try await wheelhouse(["project", "status", "no-such-project", "archived"], store: store)
        #expect(!unknown.succeeded && unknown.stderrText.contains("no-such-project"), "\(unknown.stderrText)")
        let badState = try await wheelhouse(["project", "status", "gov-arch", "frozen"], store: store)
        #expect(badState.status == 64, "\(badState.stderrText)")

        let server = try await ServerProcess.start(store: store)
        defer { Task { await server.stop() } }

        // Pages, as pypi-simple reads them in both forms.
        let expected: [(String, String, String?, Int)] = [
            ("gov-active", "active", nil, 1), ("gov-arch", "archived", "read only now", 1),
            ("gov-quar", "quarantined", "malware in 1.0", 0), ("gov-dep", "deprecated", "use gov-active", 1),
        ]
        for (project, status, reason, files) in expected {
            for format in ["html", "json"] {
                let page = try await read(server, project, format)
                #expect(page.status == status, "\(project) \(format)")
                #expect(page.reason == reason, "\(project) \(format)")
                #expect(page.version == "1.4")
                #expect(page.packages.count == files, "\(project) \(format)")
                if format == "json" {
                    // PEP 700 on every file.
                    #expect(page.packages.allSatisfy { $0.size != nil && $0.upload_time != nil })
                }
            }
        }

        // Installers: uv (which knows api-version 1.x) installs archived and deprecated projects,
        // and cannot install a quarantined one.
        for project in ["gov-arch", "gov-dep", "gov-active"] {
            let uv = try await uvInstall(server, project)
            #expect(uv.succeeded, "\(project): \(uv.stdoutText)\(uv.stderrText)")
        }
        let quarantined = try await uvInstall(server, "gov-quar")
        #expect(!quarantined.succeeded)
        #expect(quarantined.stderrText.contains("gov-quar"), "\(quarantined.stderrText)")

        // Downloads: a quarantined project's file and metadata answer 404 with the reason.
        for suffix in ["", ".metadata", ".provenance"] {
            let (body, response) = try await HTTP.get("\(server.baseURL)/packages/gov-quar/gov_quar-1.0-py3-none-any.whl\(suffix)")
            #expect(response.statusCode == 404)
            #expect(String(decoding: body, as: UTF8.self).contains("quarantined") && String(decoding: body, as: UTF8.self).contains("malware in 1.0"))
        }
        let (_, archivedFile) = try await HTTP.get("\(server.baseURL)/packages/gov-arch/gov_arch-1.0-py3-none-any.whl")
        #expect(archivedFile.statusCode == 200)

        // Uploads: twine to an archived or quarantined project is refused with 403 and the reason;
        // the CLI's upload too, with a non-zero exit, with --skip-existing too (which skips a 409).
        let token = try await ProcessRunner.check(
            Products.wheelhouse, ["token", "create", "ci", "--scope", "upload", "--store", store.path, "--json"])
        let secret = try #require((try JSONSerialization.jsonObject(with: token.stdout) as? [String: Any])?["token"] as? String)
        let second = try folder("second")
        let archived2 = try await DistFixtures.make("gov-arch", "2.0", in: second)
        let twine = try await ProcessRunner.run(
            Products.venvTool("twine"),
            [
                "upload", "--non-interactive", "--disable-progress-bar", "--repository-url", server.uploadURL,
                "-u", "__token__", "-p", secret, archived2.path,
            ])
        #expect(!twine.succeeded)
        #expect((twine.stdoutText + twine.stderrText).contains("403"), "\(twine.stdoutText)\(twine.stderrText)")
        #expect((twine.stdoutText + twine.stderrText).contains("archived"), "\(twine.stdoutText)\(twine.stderrText)")
        let quar2 = try await DistFixtures.make("gov-quar", "2.0", in: second)
        let cli = try await wheelhouse(["upload", quar2.path], store: store)
        #expect(!cli.succeeded)
        #expect(cli.stderrText.contains("quarantined") && cli.stderrText.contains("malware in 1.0"), "\(cli.stderrText)")
        for extra in [[], ["--skip-existing"]] {
            let remote = try await ProcessRunner.run(
                Products.wheelhouse, ["upload", "--repository-url", server.uploadURL] + extra + [archived2.path],
                environment: ["WHEELHOUSE_TOKEN": secret])
            #expect(!remote.succeeded, "\(extra)")
            #expect(remote.stderrText.contains("archived"), "\(remote.stderrText)")
        }
        let dep2 = try await DistFixtures.make("gov-dep", "2.0", in: second)
        let deprecatedUpload = try await wheelhouse(["upload", dep2.path], store: store)
        #expect(deprecatedUpload.succeeded, "\(deprecatedUpload.stderrText)")
        #expect(try await wheelhouse(["list", "gov-arch"], store: store).stdoutText.contains("2.0") == false)

        // Back to active: uploads are taken again, and the running server follows the record.
        #expect(try await wheelhouse(["project", "status", "gov-arch", "active"], store: store).succeeded)
        #expect(try await wheelhouse(["upload", archived2.path], store: store).succeeded)
        #expect(try await wheelhouse(["project", "status", "gov-quar", "active"], store: store).succeeded)
        try await poll("the server to list gov-quar again") {
            try await read(server, "gov-quar", "json").packages.count == 1
        }
    }

    @Test func twineAttestationsBecomeProvenanceThatIsServedReplicatedAndRebuilt() async throws {
        let store = work.appendingPathComponent("store")
        let server = try await ServerProcess.start(store: store)
        defer { Task { await server.stop() } }
        let token = try await ProcessRunner.check(
            Products.wheelhouse, ["token", "create", "ci", "--scope", "upload", "--store", store.path, "--json"])
        let secret = try #require((try JSONSerialization.jsonObject(with: token.stdout) as? [String: Any])?["token"] as? String)
        func twine(_ files: [URL]) async throws -> ProcessResult {
            try await ProcessRunner.run(
                Products.venvTool("twine"),
                [
                    "upload", "--non-interactive", "--disable-progress-bar", "--attestations", "--repository-url", server.uploadURL,
                    "-u", "__token__", "-p", secret,
                ] + files.map(\.path))
        }

        // A valid attestation, named as twine expects it: `{dist}.publish.attestation`.
        let good = try folder("good")
        let wheel = try await DistFixtures.make("attested", "1.0", in: good)
        let attestationFile = URL(fileURLWithPath: wheel.path + ".publish.attestation")
        try Data(Self.attestation.utf8).write(to: attestationFile)
        let ok = try await twine([wheel, attestationFile])
        #expect(ok.succeeded, "\(ok.stdoutText)\(ok.stderrText)")

        for format in ["json", "html"] {
            let page = try await read(server, "attested", format)
            let package = try #require(page.packages.first)
            #expect(package.provenance_url == "\(server.baseURL)/packages/attested/attested-1.0-py3-none-any.whl.provenance")
            let provenance = try #require(package.provenance)
            #expect(provenance.version == 1)
            #expect(provenance.attestation_bundles.count == 1)
            #expect(provenance.attestation_bundles.first?.publisher.kind == "wheelhouse-upload")
            #expect(provenance.attestation_bundles.first?.attestations.count == 1)
        }
        let (stored, response) = try await HTTP.get("\(server.baseURL)/packages/attested/attested-1.0-py3-none-any.whl.provenance")
        #expect(response.value(forHTTPHeaderField: "Content-Type") == "application/json")
        // The attestation as sent, inside the provenance object.
        let object = try #require(try JSONSerialization.jsonObject(with: stored) as? [String: Any])
        let bundles = try #require(object["attestation_bundles"] as? [[String: Any]])
        let sent = try #require(try JSONSerialization.jsonObject(with: Data(Self.attestation.utf8)) as? NSDictionary)
        #expect((bundles.first?["attestations"] as? [NSDictionary])?.first == sent)

        // A malformed attestation: 400 with the reason, nothing published.
        let bad = try folder("bad")
        let badWheel = try await DistFixtures.make("attested", "2.0", in: bad)
        let badFile = URL(fileURLWithPath: badWheel.path + ".publish.attestation")
        try Data(#"{"version": 1, "verification_material": {"certificate": "TUlJ"}}"#.utf8).write(to: badFile)
        let refused = try await twine([badWheel, badFile])
        #expect(!refused.succeeded)
        let said = refused.stdoutText + refused.stderrText
        #expect(said.contains("400") && said.contains("Invalid attestations"), "\(said)")
        #expect(!FileManager.default.fileExists(atPath: store.appendingPathComponent("packages/attested/attested-2.0-py3-none-any.whl").path))
        #expect(try await read(server, "attested", "json").packages.count == 1)

        // verify accepts the provenance object; a status travels with the record.
        let verify = try await wheelhouse(["verify"], store: store)
        #expect(verify.succeeded, "\(verify.stdoutText)\(verify.stderrText)")
        #expect(try await wheelhouse(["project", "status", "attested", "deprecated", "--reason", "see attested2"], store: store).succeeded)

        // Replication copies the provenance and the status; --verify finds nothing to say.
        let replica = work.appendingPathComponent("replica")
        let replicate = try await ProcessRunner.run(
            Products.wheelhouse, ["replicate", "--source", store.path, "--target", replica.path])
        #expect(replicate.succeeded, "\(replicate.stderrText)")
        let key = "packages/attested/attested-1.0-py3-none-any.whl.provenance"
        #expect(try Data(contentsOf: replica.appendingPathComponent(key)) == Data(contentsOf: store.appendingPathComponent(key)))
        let replicaRecord = try String(contentsOf: replica.appendingPathComponent("_wheelhouse/projects/attested.json"), encoding: .utf8)
        #expect(replicaRecord.contains(#""project_status":{"reason":"see attested2","status":"deprecated"}"#), "\(replicaRecord)")
        #expect(replicaRecord.contains("provenance_sha256"))
        let check = try await ProcessRunner.run(
            Products.wheelhouse, ["replicate", "--source", store.path, "--target", replica.path, "--verify"])
        #expect(check.succeeded, "\(check.stdoutText)\(check.stderrText)")
        #expect(try await wheelhouse(["verify"], store: replica).succeeded)

        // index rebuild keeps both (the status lives in the record, the provenance beside the file).
        let rebuild = try await wheelhouse(["index", "rebuild"], store: replica)
        #expect(rebuild.succeeded, "\(rebuild.stderrText)")
        let rebuilt = try String(contentsOf: replica.appendingPathComponent("_wheelhouse/projects/attested.json"), encoding: .utf8)
        #expect(rebuilt.contains("provenance_sha256") && rebuilt.contains(#""status":"deprecated""#), "\(rebuilt)")
    }

    @Test func aMirrorInheritsTheUpstreamStatusAndKeepsItsProvenance() async throws {
        let upstreamStore = work.appendingPathComponent("upstream")
        let source = try folder("source")
        let mirrored = try await DistFixtures.make("mirrored", "1.0", in: source)
        let closing = try await DistFixtures.make("closing", "1.0", in: source)
        _ = closing
        let upload = try await wheelhouse(["upload", source.path], store: upstreamStore)
        #expect(upload.succeeded, "\(upload.stderrText)")
        let upstream = try await ServerProcess.start(store: upstreamStore)
        defer { Task { await upstream.stop() } }
        // An attested file at the upstream, through its upload API.
        let token = try await ProcessRunner.check(
            Products.wheelhouse, ["token", "create", "ci", "--scope", "upload", "--store", upstreamStore.path, "--json"])
        let secret = try #require((try JSONSerialization.jsonObject(with: token.stdout) as? [String: Any])?["token"] as? String)
        let attestedFolder = try folder("attested")
        let attested = try await DistFixtures.make("mirrored", "2.0", in: attestedFolder)
        let attestationFile = URL(fileURLWithPath: attested.path + ".publish.attestation")
        try Data(Self.attestation.utf8).write(to: attestationFile)
        let twine = try await ProcessRunner.run(
            Products.venvTool("twine"),
            [
                "upload", "--non-interactive", "--disable-progress-bar", "--attestations", "--repository-url", upstream.uploadURL,
                "-u", "__token__", "-p", secret, attested.path, attestationFile.path,
            ])
        #expect(twine.succeeded, "\(twine.stdoutText)\(twine.stderrText)")
        _ = mirrored
        #expect(try await wheelhouse(["project", "status", "mirrored", "deprecated", "--reason", "old"], store: upstreamStore).succeeded)

        let mirrorStore = work.appendingPathComponent("mirror")
        let mirror = try await ServerProcess.start(store: mirrorStore, extraArguments: ["--upstream", upstream.indexURL, "--upstream-ttl", "1s"])
        defer { Task { await mirror.stop() } }

        // The status and the provenance, with the mirror's own provenance URL, before any fetch.
        let page = try await read(mirror, "mirrored", "json")
        #expect(page.status == "deprecated" && page.reason == "old")
        let withProvenance = try #require(page.packages.first { $0.filename == "mirrored-2.0-py3-none-any.whl" })
        #expect(withProvenance.provenance_url == "\(mirror.baseURL)/packages/mirrored/mirrored-2.0-py3-none-any.whl.provenance")
        #expect(withProvenance.provenance?.attestation_bundles.first?.attestations.count == 1)
        #expect(page.packages.first { $0.filename == "mirrored-1.0-py3-none-any.whl" }?.provenance_url == nil)

        // Fetched through the mirror: the file and its provenance are stored, and served from the store.
        let uv = try await uvInstall(mirror, "mirrored==2.0")
        #expect(uv.succeeded, "\(uv.stdoutText)\(uv.stderrText)")
        let key = "packages/mirrored/mirrored-2.0-py3-none-any.whl.provenance"
        try await poll("the mirror to store the provenance") {
            FileManager.default.fileExists(atPath: mirrorStore.appendingPathComponent(key).path)
        }
        #expect(try Data(contentsOf: mirrorStore.appendingPathComponent(key)) == Data(contentsOf: upstreamStore.appendingPathComponent(key)))
        let (_, closingFile) = try await HTTP.get("\(mirror.baseURL)/packages/closing/closing-1.0-py3-none-any.whl")
        #expect(closingFile.statusCode == 200)

        // The upstream quarantines a project: the mirror lists no file, and the file it already
        // holds answers 404.
        #expect(try await wheelhouse(["project", "status", "closing", "quarantined", "--reason", "compromised"], store: upstreamStore).succeeded)
        try await poll("the mirror to show the quarantine") {
            let page = try await read(mirror, "closing", "html")
            return page.status == "quarantined" && page.packages.isEmpty
        }
        let (body, gone) = try await HTTP.get("\(mirror.baseURL)/packages/closing/closing-1.0-py3-none-any.whl")
        #expect(gone.statusCode == 404)
        #expect(String(decoding: body, as: UTF8.self).contains("compromised"))
    }

    @Test func manifestPublishRefusesAQuarantinedProjectAndShowFlagsIt() async throws {
        let harness = try await ManifestEndToEndTests.Harness.make("governance")
        try await harness.upload { folder in
            _ = try await DistFixtures.make("gov-app", "1.0", in: folder, requiresDist: ["gov-lib"])
            _ = try await DistFixtures.make("gov-lib", "1.0", in: folder)
            _ = try await DistFixtures.make("gov-other", "1.0", in: folder)
        }
        let shownParameter = harness.parameter("shown")
        let (published, _) = try await harness.publish(shownParameter, ["gov-app"])
        #expect(published.succeeded, "\(published.stderrText)")

        let status = try await harness.wheelhouse(["project", "status", "gov-lib", "quarantined", "--reason", "CVE-0000", "--store", harness.store])
        #expect(status.succeeded, "\(status.stderrText)")

        for spec in ["gov-lib", "gov-app"] {
            let (refused, _) = try await harness.publish(harness.parameter("refused"), [spec])
            #expect(!refused.succeeded)
            #expect(refused.stderrText.contains("gov-lib (quarantined: CVE-0000)"), "\(refused.stderrText)")
        }
        let (other, json) = try await harness.publish(harness.parameter("other"), ["gov-other"])
        #expect(other.succeeded, "\(other.stderrText)")
        #expect((json?["notes"] as? [String])?.contains { $0.contains("gov-lib is quarantined") } == true, "\(String(describing: json))")

        let show = try await harness.wheelhouse(["manifest", "show", "--store", harness.store, "--parameter", shownParameter])
        #expect(show.succeeded, "\(show.stderrText)")
        #expect(show.stderrText.contains("quarantined project(s): gov-lib: CVE-0000"), "\(show.stderrText)")
        let showJSON = try await harness.wheelhouse(["manifest", "show", "--store", harness.store, "--parameter", shownParameter, "--json"])
        let object = try JSONSerialization.jsonObject(with: showJSON.stdout) as? [String: Any]
        #expect(object?["quarantined"] as? [String] == ["gov-lib: CVE-0000"])
    }
}
