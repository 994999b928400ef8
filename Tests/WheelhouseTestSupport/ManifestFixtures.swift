public import Foundation

/// Wheels for any tag, and the Glue oracle (`Tests/Fixtures/glue_oracle.py`), for the manifest tests.
public enum ManifestFixtures {
    /// What the oracle installed: normalized name → version, and the files it downloaded.
    public struct OracleResult: Sendable, Decodable {
        /// What the manifest added or replaced (preinstalled libraries left as they were are not listed).
        public var installed: [String: String]
        /// Each preinstalled library's version afterwards.
        public var preinstalled: [String: String]
        public var downloaded: [String]
        /// The installer's pip version.
        public var pip: String
    }

    /// How the oracle stands in for a Glue version: its Python, the platform tags pip is given
    /// for a foreign Python (none: this interpreter's 3.11 on this host), its pip, its list.
    public struct GlueRuntime: Sendable {
        public var python: String
        public var platforms: [String]
        public var pip: String
        public var preinstalled: URL

        public static func glue(_ version: String) -> GlueRuntime {
            let list = TestSupport.repositoryRoot.appendingPathComponent("glue/glue-\(version).txt")
            switch version {
            case "4.0": return GlueRuntime(python: "3.10", platforms: manylinuxPlatforms(glibcMinor: 26), pip: "23.0.1", preinstalled: list)
            case "5.0": return GlueRuntime(python: "3.11", platforms: [], pip: "23.0.1", preinstalled: list)
            case "5.1": return GlueRuntime(python: "3.11", platforms: [], pip: "24.0", preinstalled: list)
            default: return GlueRuntime(python: "3.13", platforms: manylinuxPlatforms(glibcMinor: 34), pip: "24.0", preinstalled: list)
            }
        }
    }

    /// The oracle as a Glue runtime: its pip version, its preinstalled libraries in place.
    public static func glueOracle(endpoint: URL, value: String, glue version: String) async throws -> OracleResult {
        let runtime = GlueRuntime.glue(version)
        return try await glueOracle(
            endpoint: endpoint, value: value, python: runtime.python, platforms: runtime.platforms, pip: runtime.pip,
            preinstalled: runtime.preinstalled)
    }

    /// A wheel `{name}-{version}-{tag}.whl` written by `make_dist.py` into `directory`.
    public static func wheel(
        _ name: String, _ version: String, tag: String = "py3-none-any", in directory: URL,
        requiresDist: [String] = [], requiresPython: String? = nil, providesExtra: [String] = []
    ) async throws -> URL {
        var args = [DistFixtures.script, directory.path, name, version, "--tag", tag]
        if let requiresPython { args += ["--requires-python", requiresPython] }
        for requirement in requiresDist { args += ["--requires-dist", requirement] }
        for extra in providesExtra { args += ["--provides-extra", extra] }
        let result = try await ProcessRunner.check(TestSupport.python, args)
        return URL(fileURLWithPath: result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Downloads every URI of `value` from the S3 emulator and installs them all at once with
    /// `pip install --no-index` for the target, then runs `pip check` (native target) or the
    /// same dependency check with packaging (foreign target). Throws `ProcessFailure` carrying
    /// pip's output when pip refuses the set or a dependency is unmet.
    public static func glueOracle(
        endpoint: URL, value: String, python: String, platforms: [String] = [], pip: String? = nil, preinstalled: URL? = nil
    ) async throws -> OracleResult {
        let out = try TestSupport.makeTemporaryDirectory("glue-oracle")
        let script = TestSupport.repositoryRoot.appendingPathComponent("Tests/Fixtures/glue_oracle.py").path
        var args = [script, endpoint.absoluteString, out.path, value, "--python", python]
        for platform in platforms { args += ["--platform", platform] }
        if let pip { args += ["--pip", pip] }
        if let preinstalled { args += ["--preinstalled", preinstalled.path] }
        let result = try await ProcessRunner.check(TestSupport.python, args)
        return try JSONDecoder().decode(OracleResult.self, from: result.stdout)
    }

    /// `wheelhouse serve` on a local `store` with extra `arguments` and `environment` (the
    /// AWS settings of a server that publishes a manifest).
    public static func startServer(store: URL, arguments: [String], environment: [String: String]) async throws -> ServerProcess {
        try await ServerProcess.start(storeURL: store.path, environment: environment, extraArguments: arguments)
    }

    /// The platform tags pip must be given (`--platform`, repeatable) to accept what a glibc
    /// `2.minor` system accepts natively: every `manylinux_2_N` up to it and the legacy aliases
    /// (pip does not map `manylinux2014` to `manylinux_2_17` by itself).
    public static func manylinuxPlatforms(glibcMinor: Int, arch: String = "x86_64") -> [String] {
        var tags = (5...glibcMinor).reversed().map { "manylinux_2_\($0)_\(arch)" }
        if glibcMinor >= 17 { tags.append("manylinux2014_\(arch)") }
        if glibcMinor >= 12 { tags.append("manylinux2010_\(arch)") }
        tags.append("manylinux1_\(arch)")
        tags.append("linux_\(arch)")
        return tags
    }
}
