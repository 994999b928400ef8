import Foundation
import Testing
import WheelhouseTestSupport

/// Files with the metadata that real tools wrote over the years (old bdist_wheel's 2.0,
/// setuptools' License-File under 2.1, ...): each is accepted by `wheelhouse upload` and by
/// twine over HTTP, with the warning the ingest rule gives, and pip installs it through the server.
/// What stays refused reaches twine's own output (the reason is in the status line).
@Suite(.serialized, .tags(.endToEnd), .skippedInFastTier)
struct MetadataQuirksEndToEndTests {
    struct Quirk {
        var name: String
        var metadataVersion: String
        var headers: [String]
        var sdist = false
        /// A fragment of the warning the upload must report; nil: no warning.
        var warning: String?
    }

    static let quirks: [Quirk] = [
        Quirk(name: "quirk-mv20", metadataVersion: "2.0", headers: ["Provides-Extra: tests", "Description-Content-Type: text/x-rst"]),
        Quirk(
            name: "quirk-lf21", metadataVersion: "2.1", headers: ["License: MIT", "License-File: LICENSE"],
            warning: "field 'License-File' needs Metadata-Version 2.4 or later, but the file declares 2.1"),
        Quirk(
            name: "quirk-lf22-sdist", metadataVersion: "2.2", headers: ["License-File: LICENSE.txt"], sdist: true,
            warning: "field 'License-File' needs Metadata-Version 2.4 or later, but the file declares 2.2"),
        Quirk(
            name: "quirk-dct12", metadataVersion: "1.2", headers: ["Description-Content-Type: text/markdown"], sdist: true,
            warning: "field 'Description-Content-Type' needs Metadata-Version 2.1 or later, but the file declares 1.2"),
        Quirk(name: "quirk-req11", metadataVersion: "1.1", headers: ["Requires: os.path", "Provides: quirk_req11"]),
        Quirk(name: "quirk-le24", metadataVersion: "2.4", headers: ["License-Expression: MIT OR Apache-2.0", "License-File: LICENSE"]),
        Quirk(name: "quirk-in25", metadataVersion: "2.5", headers: ["Import-Name: quirk_in25"]),
        Quirk(
            name: "quirk-mv29", metadataVersion: "2.9", headers: ["Some-Future-Field: yes"],
            warning: "Metadata-Version '2.9' is newer than this index knows"),
        Quirk(
            name: "quirk-badrp", metadataVersion: "2.1", headers: ["Requires-Python: >=3.6.*"],
            warning: "Requires-Python '>=3.6.*' is not a valid version specifier"),
    ]

    func makeQuirks(in folder: URL) async throws -> [(Quirk, URL)] {
        var out: [(Quirk, URL)] = []
        for quirk in Self.quirks {
            let file = try await DistFixtures.make(
                quirk.name, "1.0", in: folder, sdist: quirk.sdist, metadataVersion: quirk.metadataVersion, headers: quirk.headers)
            out.append((quirk, file))
        }
        return out
    }

    @Test func everyQuirkUploadsWithItsWarningAndPipInstallsIt() async throws {
        let work = try TestSupport.makeTemporaryDirectory("wh-quirks")
        let files = try await makeQuirks(in: work.appendingPathComponent("dists"))

        // The CLI, straight into a store.
        let cliStore = work.appendingPathComponent("cli-store")
        let cli = try await ProcessRunner.run(
            Products.wheelhouse, ["upload", "--store", cliStore.path, "--json"] + files.map(\.1.path))
        #expect(cli.status == 0, "\(cli.stdoutText)\(cli.stderrText)")
        let results = try #require(try JSONSerialization.jsonObject(with: cli.stdout) as? [[String: Any]])
        #expect(results.count == files.count)
        for (quirk, file) in files {
            let result = try #require(results.first { ($0["path"] as? String) == file.path }, "\(quirk.name)")
            #expect(result["status"] as? String == "added", "\(quirk.name): \(result)")
            let warnings = result["warnings"] as? [String] ?? []
            if let expected = quirk.warning {
                #expect(warnings.contains { $0.contains(expected) }, "\(quirk.name): \(warnings)")
            } else {
                #expect(warnings.isEmpty, "\(quirk.name): \(warnings)")
            }
        }
        // The human output puts warnings on stderr, one line each.
        let again = try await ProcessRunner.run(Products.wheelhouse, ["upload", "--store", cliStore.path, files[1].1.path])
        #expect(again.stderrText.contains("warning    \(files[1].1.lastPathComponent): field 'License-File'"), "\(again.stderrText)")
        #expect(try await ProcessRunner.run(Products.wheelhouse, ["verify", "--store", cliStore.path]).status == 0)

        // Over HTTP into another store: twine for what twine itself reads (twine 7 refuses some
        // quirks before sending: Metadata-Version 2.0, Description-Content-Type under 1.2, ...),
        // the CLI's remote upload for the rest; the CLI relays the server's warnings.
        let httpStore = work.appendingPathComponent("http-store")
        let token = try await createToken(httpStore)
        let server = try await ServerProcess.start(store: httpStore)
        defer { Task { await server.stop() } }
        var byTwine: [String] = [], byCLI: [URL] = []
        for (quirk, file) in files {
            let twine = try await ProcessRunner.run(
                Products.venvTool("twine"),
                [
                    "upload", "--non-interactive", "--disable-progress-bar", "--repository-url", server.uploadURL, "-u", "__token__",
                    "-p", token, file.path,
                ])
            if twine.status == 0 {
                byTwine.append(quirk.name)
            } else {
                #expect(
                    (twine.stdoutText + twine.stderrText).contains("InvalidDistribution"),
                    "the server refused \(quirk.name): \(twine.stdoutText)\(twine.stderrText)")
                byCLI.append(file)
            }
        }
        #expect(Set(["quirk-lf21", "quirk-lf22-sdist", "quirk-le24", "quirk-req11"]).isSubset(of: byTwine), "\(byTwine)")
        let remote = try await ProcessRunner.run(
            Products.wheelhouse, ["upload", "--repository-url", server.uploadURL, "--token", token, "--json"] + byCLI.map(\.path))
        #expect(remote.status == 0, "\(remote.stdoutText)\(remote.stderrText)")
        #expect(remote.stdoutText.contains("Metadata-Version '2.9' is newer than this index knows"), "\(remote.stdoutText)")
        #expect(remote.stdoutText.contains("Requires-Python '>=3.6.*' is not a valid version specifier"), "\(remote.stdoutText)")

        // pip installs every wheel through the server; the unusable Requires-Python is not advertised.
        let (body, response) = try await HTTP.get("\(server.indexURL)quirk-badrp/")
        let page = String(decoding: body, as: UTF8.self)
        #expect(response.statusCode == 200 && page.contains("quirk_badrp-1.0") && !page.contains("data-requires-python"), "\(page)")
        let wheels = files.filter { !$0.0.sdist }.map(\.0.name)
        let target = work.appendingPathComponent("target")
        let pip = try await ProcessRunner.run(
            TestSupport.python,
            ["-m", "pip", "install", "--no-cache-dir", "--no-deps", "--index-url", server.indexURL, "--target", target.path] + wheels)
        #expect(pip.status == 0, "\(pip.stdoutText)\(pip.stderrText)")
        let installed = try FileManager.default.contentsOfDirectory(atPath: target.path).filter { $0.hasSuffix(".dist-info") }
        #expect(installed.count == wheels.count, "\(installed)")
    }

    @Test func twineShowsTheReasonForARefusedFileWithoutVerbose() async throws {
        let work = try TestSupport.makeTemporaryDirectory("wh-quirks-refused")
        // twine reads its metadata; only the server sees that a file's bytes are not RECORD's.
        let bad = try #require(try WheelFixtures.makeBadArchives(into: work.appendingPathComponent("bad"))["tampered_hash"])
        let store = work.appendingPathComponent("store")
        let token = try await createToken(store)
        let server = try await ServerProcess.start(store: store)
        defer { Task { await server.stop() } }
        let twine = try await ProcessRunner.run(
            Products.venvTool("twine"),
            [
                "upload", "--non-interactive", "--disable-progress-bar", "--repository-url", server.uploadURL, "-u", "__token__", "-p", token,
                bad.path,
            ])
        #expect(twine.status != 0)
        let output = twine.stdoutText + twine.stderrText
        #expect(output.contains("400"), "\(output)")
        let flat = output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(flat.contains("Invalid distribution file 'demo_pkg-1.0-py3-none-any.whl'"), "twine must show the reason: \(output)")
        #expect(flat.contains("sha256"), "the reason names the hash mismatch: \(output)")
        let list = try await ProcessRunner.run(Products.wheelhouse, ["list", "--store", store.path])
        #expect(!list.stdoutText.contains("demo"), "\(list.stdoutText)")
    }

    func createToken(_ store: URL) async throws -> String {
        let result = try await ProcessRunner.check(
            Products.wheelhouse, ["token", "create", "quirks", "--scope", "upload", "--store", store.path, "--json"])
        let object = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any]
        return try #require(object?["token"] as? String)
    }
}
