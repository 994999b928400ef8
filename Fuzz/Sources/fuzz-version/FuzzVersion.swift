import FuzzSupport
import WheelhouseCore

/// PEP 440 versions and specifier sets. Input: `specifier set\nversion\nversion`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzVersion(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let lines = FuzzInput.text(data, size).split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
    var versions: [Version] = []
    for text in lines {
        _ = Version.isValid(text)
        guard let version = try? Version(text) else { continue }
        // The normalized form parses back to an equal version (packaging's round trip).
        guard let again = try? Version(version.description), again == version, again.hashValue == version.hashValue else {
            fatalError("version does not round-trip: \(text) -> \(version)")
        }
        _ = (version.isPrerelease, version.isDevrelease, version.publicVersion, version.baseVersion, version.local)
        versions.append(version)
    }
    if versions.count >= 2 {
        let (a, b) = (versions[0], versions[1])
        precondition([a < b, a == b, b < a].filter { $0 }.count == 1, "ordering is not total: \(a) \(b)")
    }
    if let first = lines.first, let set = try? SpecifierSet(first) {
        guard let again = try? SpecifierSet(set.description), again == set else {
            fatalError("specifier set does not round-trip: \(first) -> \(set)")
        }
        for version in versions {
            _ = set.contains(version)
            _ = set.contains(version, prereleases: true)
        }
        _ = set.filter(versions)
        for text in lines.dropFirst() { _ = set.contains(text) }
    }
    return 0
}
