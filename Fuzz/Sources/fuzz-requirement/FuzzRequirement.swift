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
    if let requirement = try? Requirement(text) {
        // packaging's str(Requirement) parses back to the same requirement.
        guard let again = try? Requirement(requirement.description), again == requirement else {
            fatalError("requirement does not round-trip: \(text) -> \(requirement)")
        }
        for env in environments { _ = requirement.marker?.evaluate(env, extras: Set(requirement.extras)) }
    }
    if let marker = try? Marker(text) {
        guard let again = try? Marker(marker.description), again == marker else {
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
