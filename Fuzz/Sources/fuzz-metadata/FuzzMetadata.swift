import Foundation
import FuzzSupport
import WheelhouseCore

/// Core metadata (METADATA / PKG-INFO, RFC 822 style) as an upload carries it: parse, validate,
/// the fields the index renders, and the JSON the API serves.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMetadata(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let metadata = CoreMetadata.parse(FuzzInput.bytes(data, size))
    _ = metadata.problems().map(\.description)
    do {
        try metadata.validate()
    } catch {
        _ = error.description
    }
    _ = (metadata.name, metadata.version, metadata.summary, metadata.usableRequiresPython)
    for line in metadata.values("Requires-Dist") {
        if let requirement = try? Requirement(line) {
            _ = requirement.description
            _ = requirement.marker?.evaluate(.cpython(pythonVersion: "3.12", platform: .linuxX86_64), extras: ["test"])
        }
    }
    _ = try? JSONEncoder().encode(metadata)
    return 0
}
