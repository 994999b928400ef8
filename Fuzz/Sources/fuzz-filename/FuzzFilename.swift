import FuzzSupport
import WheelhouseCore

/// Wheel (PEP 427) and sdist (PEP 625) filenames, as an upload's `filename` or a path under
/// /packages/ gives them. Input: `filename` or `filename\nproject hint`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFilename(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let (name, hint) = FuzzInput.split(FuzzInput.bytes(data, size), at: UInt8(ascii: "\n"))
    let filename = String(decoding: name, as: UTF8.self)
    let projectHint = hint.isEmpty ? nil : String(decoding: hint, as: UTF8.self)

    if let wheel = try? WheelFilename(filename) {
        // What a parsed filename promises: it re-parses to the same thing, and its parts are usable.
        guard let again = try? WheelFilename(wheel.filename), again == wheel else {
            fatalError("wheel filename does not re-parse: \(filename)")
        }
        precondition(!wheel.tags.isEmpty && wheel.tags.count <= Tag.defaultExpansionLimit)
        precondition((try? Version(wheel.version.description)) == wheel.version)
        _ = wheel.buildTag.map { $0 < BuildTag(number: 0, suffix: "") }
        _ = ProjectName.normalize(wheel.name)
    }
    if let sdist = try? SdistFilename(filename, projectHint: projectHint) {
        guard let again = try? SdistFilename(sdist.filename, projectHint: projectHint), again == sdist else {
            fatalError("sdist filename does not re-parse: \(filename)")
        }
        precondition(ProjectName.isValid(sdist.name))
    }
    if let dist = try? DistributionFilename(filename, projectHint: projectHint) {
        _ = (dist.filename, dist.normalizedName, dist.description)
    }
    _ = try? StorageLayoutProbe.check(filename)
    return 0
}

/// The filename errors are shown to clients: building their text must not trap either.
enum StorageLayoutProbe {
    static func check(_ filename: String) throws {
        do {
            _ = try DistributionFilename(filename)
        } catch {
            _ = error.description
        }
    }
}
