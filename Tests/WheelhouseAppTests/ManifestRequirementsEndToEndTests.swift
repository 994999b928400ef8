import Foundation
import Testing
import WheelhouseTestSupport
import WheelhouseAWS

/// `manifest publish --requirements` with the files people have: a lock written by
/// `uv pip compile --generate-hashes` against a running server on the store, included with `-r`
/// from a file that also names an index (ignored, with one note) and a constraint.
@Suite(.serialized, .tags(.endToEnd), .skippedInFastTier)
struct ManifestRequirementsEndToEndTests {
    typealias Harness = ManifestEndToEndTests.Harness

    @Test func aHashedLockFromUvDrivesThePublishAndAWrongHashFailsNamingTheFile() async throws {
        let harness = try await Harness.make("hashed")
        try await harness.upload { dir in
            _ = try await ManifestFixtures.wheel("hashed-app", "1.0", in: dir, requiresDist: ["hashed-dep>=1"])
            _ = try await ManifestFixtures.wheel("hashed-dep", "1.0", in: dir)
            _ = try await ManifestFixtures.wheel("hashed-dep", "2.0", in: dir)
            _ = try await ManifestFixtures.wheel("unrelated", "1.0", in: dir)
        }
        let server = try await ServerProcess.start(storeURL: harness.store, environment: harness.environment)
        defer { Task { await server.stop() } }

        let input = harness.work.appendingPathComponent("requirements.in")
        try Data("hashed-app\n".utf8).write(to: input)
        let lock = harness.work.appendingPathComponent("locked.txt")
        let compiled = try await ProcessRunner.run(
            Products.venvTool("uv"),
            [
                "pip", "compile", input.path, "--generate-hashes", "--index-url", server.indexURL, "--python-version", "3.11",
                "--no-cache", "--emit-index-url", "-o", lock.path,
            ])
        #expect(compiled.status == 0, "\(compiled.stderrText)")
        let lockText = try String(contentsOf: lock, encoding: .utf8)
        #expect(lockText.contains("--hash=sha256:") && lockText.contains("hashed-dep==2.0"), "\(lockText)")

        // The file a team keeps: includes the lock, names an index, constrains nothing away.
        let top = harness.work.appendingPathComponent("requirements.txt")
        try Data("--extra-index-url https://example.invalid/simple\n-r locked.txt\n-c constraints.txt\n".utf8).write(to: top)
        try Data("hashed-dep>=1.0 \\\n  # any 1.x or 2.x\n".utf8).write(to: harness.work.appendingPathComponent("constraints.txt"))
        let (published, json) = try await harness.publish(harness.parameter("hashed"), ["--glue-version", "5.0", "--requirements", top.path])
        #expect(published.succeeded, "\(published.stderrText)")
        let publication = ManifestEndToEndTests.Publication(try #require(json))
        #expect(publication.filenames.sorted() == ["hashed_app-1.0-py3-none-any.whl", "hashed_dep-2.0-py3-none-any.whl"])
        #expect(published.stderrText.contains("note: ignored --extra-index-url, --index-url"), "\(published.stderrText)")
        let oracle = try await ManifestFixtures.glueOracle(endpoint: harness.moto.endpoint, value: publication.value, python: "3.11")
        #expect(oracle.installed == ["hashed-app": "1.0", "hashed-dep": "2.0"])

        // A constraint narrows the selection as pip's -c does.
        try Data("hashed-dep<2\n".utf8).write(to: harness.work.appendingPathComponent("constraints.txt"))
        let unlocked = harness.work.appendingPathComponent("unlocked.txt")
        try Data("hashed-app\n-c constraints.txt\n".utf8).write(to: unlocked)
        let constrained = try await harness.published(harness.parameter("constrained"), ["--glue-version", "5.0", "--requirements", unlocked.path])
        #expect(constrained.filenames.sorted() == ["hashed_app-1.0-py3-none-any.whl", "hashed_dep-1.0-py3-none-any.whl"])

        // The lock's hash for hashed-dep no longer matches the store's file.
        let depDigest = try #require(
            lockText.components(separatedBy: "hashed-dep==2.0").last?
                .components(separatedBy: "--hash=sha256:").dropFirst().first?.prefix(64))
        let tampered = lockText.replacingOccurrences(of: String(depDigest), with: String(repeating: "0", count: 64))
        try Data(tampered.utf8).write(to: lock)
        try Data("hashed-dep>=1\n".utf8).write(to: harness.work.appendingPathComponent("constraints.txt"))
        let parameter = harness.parameter("tampered")
        let (refused, _) = try await harness.publish(parameter, ["--glue-version", "5.0", "--requirements", top.path])
        #expect(!refused.succeeded)
        #expect(
            refused.stderrText.contains("hashed_dep-2.0-py3-none-any.whl (project hashed-dep) was selected, but its sha256"),
            "\(refused.stderrText)")
        #expect(try await harness.ssm.getParameterIfPresent(name: parameter) == nil)
    }

    @Test func anUnusableLineNamesTheFileAndLine() async throws {
        let harness = try await Harness.make("badreq")
        try await harness.upload { dir in _ = try await ManifestFixtures.wheel("present", "1.0", in: dir) }
        let file = harness.work.appendingPathComponent("requirements.txt")
        try Data("present\n-e ./src\n".utf8).write(to: file)
        let (result, _) = try await harness.publish(harness.parameter("bad"), ["--requirements", file.path])
        #expect(result.status != 0)
        #expect(result.stderrText.contains("\(file.path), line 2: '-e ./src': editable installs"), "\(result.stderrText)")
    }
}
