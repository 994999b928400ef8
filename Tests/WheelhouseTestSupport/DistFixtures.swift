public import Foundation

/// Builds small valid wheels and sdists with `Tests/Fixtures/make_dist.py`.
public enum DistFixtures {
    public static var script: String {
        TestSupport.repositoryRoot.appendingPathComponent("Tests/Fixtures/make_dist.py").path
    }

    /// Writes a wheel (or, with `sdist`, an sdist) into `directory` and returns its URL.
    public static func make(
        _ name: String, _ version: String, in directory: URL,
        requiresPython: String? = nil, requiresDist: [String] = [], sdist: Bool = false, payload: Int = 0,
        metadataVersion: String? = nil, headers: [String] = []
    ) async throws -> URL {
        var args = [script, directory.path, name, version]
        if let metadataVersion { args += ["--metadata-version", metadataVersion] }
        for header in headers { args += ["--header", header] }
        if let requiresPython { args += ["--requires-python", requiresPython] }
        for req in requiresDist { args += ["--requires-dist", req] }
        if sdist { args.append("--sdist") }
        if payload > 0 { args += ["--payload", "\(payload)"] }
        let result = try await ProcessRunner.check(TestSupport.python, args)
        return URL(fileURLWithPath: result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Every file under `directory` with its bytes (lock files excepted), to prove a store did
    /// not change byte for byte.
    public static func treeSnapshot(_ directory: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey]) else {
            return out
        }
        for case let file as URL in walker {
            guard (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let rel = String(file.path.dropFirst(directory.path.count))
            if rel.contains("/_wheelhouse/locks/") || rel.contains("/_wheelhouse/tmp/") { continue }
            out[rel] = try Data(contentsOf: file)
        }
        return out
    }
}
