import FuzzSupport
import WheelhouseCore

/// PEP 508 requirements and environment markers, as Requires-Dist, a requirements file or a
/// manifest gives them. Input: one requirement or marker.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequirement(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = FuzzInput.text(data, size)
    let environments: [MarkerEnvironment] = [
        .cpython(pythonVersion: "3.12", platform: .linuxX86_64),
        .cpython(pythonVersion: "3.8.10", platform: .windowsAMD64),
    ]
    let quotesBoth = text.contains("'") && text.contains("\"")
    if let requirement = try? Requirement(text) {
        // packaging's str(Requirement) parses back to the same requirement (but see markers below).
        if !quotesBoth, (try? Requirement(requirement.description)) != requirement {
            fatalError("requirement does not round-trip: \(text) -> \(requirement)")
        }
        for env in environments { _ = requirement.marker?.evaluate(env, extras: Set(requirement.extras)) }
    }
    if let marker = try? Marker(text) {
        // packaging writes every value in double quotes, so `'a"b'` prints as `"a"b"`, which does
        // not parse back; Marker matches packaging's str() there (see markers.tsv), so such
        // values are left out of the round-trip check.
        if !quotesBoth, (try? Marker(marker.description)) != marker {
            fatalError("marker does not round-trip: \(text) -> \(marker)")
        }
        for env in environments {
            _ = marker.evaluate(env)
            _ = marker.evaluate(env, extras: ["a", "b-c"])
            _ = try? marker.evaluateStrictly(env, extra: "x")
        }
    }
    return 0
}
