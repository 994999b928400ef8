public import Foundation

/// Builds wheels and sdists for tests by running the committed
/// `Tests/WheelhouseArchiveTests/Fixtures/make_fixtures.py` with `TestSupport.python` (real
/// `pip wheel` / `python -m build` projects, hostile archives): end-to-end tier only. The fast
/// tier builds its wheels with `WheelBuilder`.
public enum WheelFixtures {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The fixture script, found from this file's path.
    public static let script: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // WheelhouseTestSupport
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("WheelhouseArchiveTests/Fixtures/make_fixtures.py")

    /// A real project built by `pip wheel`; returns the wheel's URL.
    public static func buildWheel(
        name: String, version: String, requiresPython: String? = nil, requiresDist: [String] = [],
        into directory: URL
    ) throws -> URL {
        try buildProject(name: name, version: version, requiresPython: requiresPython, requiresDist: requiresDist, into: directory).wheel
    }

    /// A real project built by `pip wheel` and `python -m build --sdist`.
    public static func buildProject(
        name: String, version: String, requiresPython: String? = nil, requiresDist: [String] = [],
        into directory: URL
    ) throws -> (wheel: URL, sdist: URL) {
        var arguments = ["build", directory.path, "--name", name, "--version", version]
        if let requiresPython { arguments += ["--requires-python", requiresPython] }
        for requirement in requiresDist { arguments += ["--requires-dist", requirement] }
        let paths = try run(arguments)
        guard let wheel = paths["wheel"], let sdist = paths["sdist"] else {
            throw Failure(description: "make_fixtures.py build returned \(paths)")
        }
        return (URL(fileURLWithPath: wheel), URL(fileURLWithPath: sdist))
    }

    /// Hand-made broken and hostile archives, keyed by case name (`good`, `tampered_hash`,
    /// `zip_bomb`, `sdist_symlink`, …; see make_fixtures.py `bad`). Each file keeps a valid
    /// filename (`demo_pkg-1.0-py3-none-any.whl`, `demo_pkg-1.0.tar.gz`) in its own folder.
    public static func makeBadArchives(into directory: URL) throws -> [String: URL] {
        try run(["bad", directory.path]).mapValues { URL(fileURLWithPath: $0) }
    }

    /// A valid wheel of about `megabytes` MB of incompressible data.
    public static func makeBigWheel(megabytes: Int, into directory: URL) throws -> URL {
        guard let path = try run(["big", directory.path, "--megabytes", String(megabytes)])["wheel"] else {
            throw Failure(description: "make_fixtures.py big returned no wheel")
        }
        return URL(fileURLWithPath: path)
    }

    private static func run(_ arguments: [String]) throws -> [String: String] {
        let result = try ProcessRunner.runBlocking(TestSupport.python, [script.path] + arguments)
        guard result.succeeded else {
            throw Failure(description: "make_fixtures.py \(arguments.joined(separator: " ")) failed: \(result.stderrText)")
        }
        guard let object = try JSONSerialization.jsonObject(with: result.stdout) as? [String: String] else {
            throw Failure(description: "make_fixtures.py printed \(result.stdoutText)")
        }
        return object
    }
}
