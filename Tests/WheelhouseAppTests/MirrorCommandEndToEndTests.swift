import Foundation
import Testing
import WheelhouseTestSupport

/// `wheelhouse mirror` against real upstreams on loopback: the closure for a Glue runtime lands
/// in an S3 store (moto), a second run fetches nothing, and `manifest publish` of the same
/// requirements then selects exactly that set and passes the Glue oracle; the same from
/// pypiserver (HTML, no PEP 658 metadata, no upload times).
@Suite(.serialized, .tags(.endToEnd), .skippedInFastTier)
struct MirrorCommandEndToEndTests {
    typealias Harness = ManifestEndToEndTests.Harness
    let helpers: MirrorEndToEndTests

    init() throws {
        helpers = try MirrorEndToEndTests()
    }

    /// app 1.0 needs dep>=1 and six (Glue preinstalls six); dep 2.0 needs leaf; dep 1.0 needs
    /// nothing; winonly and sdistonly have nothing for Linux.
    func makeUpstreamFolder(_ folder: URL) async throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        _ = try await DistFixtures.make("app", "1.0", in: folder, requiresDist: ["dep>=1", "six>=1.0"])
        _ = try await DistFixtures.make("dep", "1.0", in: folder)
        _ = try await DistFixtures.make("dep", "2.0", in: folder, requiresDist: ["leaf; python_version >= '3.8'", "winleaf; sys_platform == 'win32'"])
        _ = try await DistFixtures.make("leaf", "0.1", in: folder)
        _ = try await DistFixtures.make("six", "99.0", in: folder)
        _ = try await ManifestFixtures.wheel("winonly", "1.0", tag: "cp311-cp311-win_amd64", in: folder)
        _ = try await DistFixtures.make("sdistonly", "3.0", in: folder, sdist: true)
    }

    func mirror(_ harness: Harness, _ args: [String]) async throws -> ProcessResult {
        try await harness.wheelhouse(["mirror", "--store", harness.store] + args)
    }

    @Test func theClosureForGlueLandsOnceAndManifestPublishSelectsExactlyIt() async throws {
        let harness = try await Harness.make("mirror-cmd")
        let folder = harness.work.appendingPathComponent("upstream")
        try await makeUpstreamFolder(folder)
        let upstream = try await helpers.wheelhouseUpstream(folder, label: "cmd-upstream")
        defer { Task { await upstream.stop() } }

        let requirements = harness.work.appendingPathComponent("requirements.txt")
        try Data("app  # the job\n".utf8).write(to: requirements)
        let first = try await mirror(harness, ["--upstream", upstream.indexURL, "--glue-version", "5.0", "-r", requirements.path, "--json"])
        #expect(first.status == 0, "\(first.stderrText)")
        let report = try #require(try JSONSerialization.jsonObject(with: first.stdout) as? [String: Any])
        let wheels = report["wheels"] as? [[String: Any]] ?? []
        #expect(
            Set(wheels.compactMap { $0["filename"] as? String })
                == ["app-1.0-py3-none-any.whl", "dep-2.0-py3-none-any.whl", "leaf-0.1-py3-none-any.whl"])
        #expect(wheels.allSatisfy { $0["status"] as? String == "fetched" && $0["origin"] as? String == upstream.indexURL }, "\(wheels)")
        #expect((report["preinstalled"] as? [String])?.contains { $0.hasPrefix("six") } == true, "six is Glue's: \(report)")

        // Idempotent: nothing is downloaded again.
        let second = try await mirror(harness, ["--upstream", upstream.indexURL, "--glue-version", "5.0", "-r", requirements.path])
        #expect(second.status == 0, "\(second.stderrText)")
        #expect(second.stdoutText.contains("3 wheels for Glue 5.0"), "\(second.stdoutText)")
        #expect(second.stdoutText.contains("0 fetched (0 bytes), 3 already in the store"), "\(second.stdoutText)")
        #expect(!second.stdoutText.contains("fetched     "), "\(second.stdoutText)")

        // The store sees them as mirrored, verified; the manifest selects exactly this set.
        let list = try await harness.wheelhouse(["list", "dep", "--store", harness.store])
        #expect(list.stdoutText.contains("dep-2.0-py3-none-any.whl"), "\(list.stdoutText)")
        #expect(try await harness.wheelhouse(["verify", "--store", harness.store]).status == 0)
        let publication = try await harness.published(
            harness.parameter("mirrored"), ["--glue-version", "5.0", "--requirements", requirements.path])
        #expect(publication.filenames.sorted() == ["app-1.0-py3-none-any.whl", "dep-2.0-py3-none-any.whl", "leaf-0.1-py3-none-any.whl"])
        let oracle = try await ManifestFixtures.glueOracle(endpoint: harness.moto.endpoint, value: publication.value, glue: "5.0")
        #expect(oracle.installed["app"] == "1.0" && oracle.installed["dep"] == "2.0" && oracle.installed["leaf"] == "0.1", "\(oracle.installed)")
    }

    @Test func aRequirementWithNoWheelForTheTargetFailsNamingWhatTheUpstreamHas() async throws {
        let harness = try await Harness.make("mirror-nowheel")
        let folder = harness.work.appendingPathComponent("upstream")
        try await makeUpstreamFolder(folder)
        let upstream = try await helpers.wheelhouseUpstream(folder, label: "nowheel-upstream")
        defer { Task { await upstream.stop() } }

        for (spec, expected) in [("sdistonly", "sdistonly-3.0.tar.gz"), ("winonly", "win_amd64"), ("ghost-project", "ghost-project")] {
            let result = try await mirror(harness, ["--upstream", upstream.indexURL, "--glue-version", "5.0", spec])
            #expect(result.status == 1, "\(spec): \(result.stdoutText)")
            #expect(result.stderrText.contains(spec) && result.stderrText.contains(expected), "\(spec): \(result.stderrText)")
        }
        let nothing = try await harness.wheelhouse(["list", "--store", harness.store])
        #expect(!nothing.stdoutText.contains("sdistonly") && !nothing.stdoutText.contains("winonly"), "\(nothing.stdoutText)")
    }

    @Test func aHostedProjectIsTakenFromTheStoreNotTheUpstream() async throws {
        let harness = try await Harness.make("mirror-hosted")
        let folder = harness.work.appendingPathComponent("upstream")
        try await makeUpstreamFolder(folder)
        let upstream = try await helpers.wheelhouseUpstream(folder, label: "hosted-upstream")
        defer { Task { await upstream.stop() } }
        // Our own dep 1.5 is hosted here: the upstream's dep 2.0 must not be mirrored.
        try await harness.upload { dir in _ = try await DistFixtures.make("dep", "1.5", in: dir) }

        let result = try await mirror(harness, ["--upstream", upstream.indexURL, "--glue-version", "5.0", "app", "--json"])
        #expect(result.status == 0, "\(result.stderrText)")
        let report = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        let wheels = report["wheels"] as? [[String: Any]] ?? []
        let dep = try #require(wheels.first { $0["project"] as? String == "dep" })
        #expect(dep["version"] as? String == "1.5" && dep["status"] as? String == "present" && dep["origin"] == nil, "\(dep)")
        #expect(!wheels.contains { $0["project"] as? String == "leaf" }, "dep 2.0's dependency is not needed: \(wheels)")
    }

    @Test func fromPypiserverWithoutMetadataAndTheCooldownFailsClosed() async throws {
        let harness = try await Harness.make("mirror-pypiserver")
        let folder = harness.work.appendingPathComponent("upstream")
        try await makeUpstreamFolder(folder)
        let server = try await helpers.pypiserver(folder)
        defer { Task { await server.stop() } }
        let index = server.baseURL + "/simple/"

        // pypiserver gives no upload times: a cooldown hides every file, and says why.
        let cooled = try await mirror(harness, ["--upstream", index, "--glue-version", "5.0", "--min-age", "7d", "app"])
        #expect(cooled.status == 1)
        #expect(cooled.stderrText.contains("app: 1 file(s) hidden by --min-age"), "\(cooled.stderrText)")
        let exempt = try await mirror(
            harness, ["--upstream", index, "--glue-version", "5.0", "--min-age", "7d", "--min-age-exempt", "app", "app", "--dry-run"])
        #expect(exempt.status == 1, "dep is still hidden: \(exempt.stdoutText)")

        // Dependencies read from the wheels themselves.
        let dry = try await mirror(harness, ["--upstream", index, "--python", "3.11", "--platform", "manylinux2014_x86_64", "app", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderrText)")
        #expect(dry.stdoutText.contains("would fetch dep-2.0-py3-none-any.whl (dep 2.0)") && dry.stdoutText.contains("to fetch (dry run)"), "\(dry.stdoutText)")
        #expect(try await harness.wheelhouse(["list", "--store", harness.store]).stdoutText.contains("dep") == false)

        let result = try await mirror(harness, ["--upstream", index, "--python", "3.11", "--platform", "manylinux2014_x86_64", "app"])
        #expect(result.status == 0, "\(result.stderrText)")
        #expect(
            result.stdoutText.contains("4 wheels for") && result.stdoutText.contains("4 fetched"),
            "six is not preinstalled for plain Python: \(result.stdoutText)")
        #expect(try await harness.wheelhouse(["verify", "--store", harness.store]).status == 0)
    }
}
