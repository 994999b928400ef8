import FuzzSupport
import WheelhouseCore

/// pip requirements files (`manifest lock -r`, `mirror -r`). Every `-r`/`-c` include reads the
/// same text again, so include cycles and deep nesting are exercised too.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequirementsFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = FuzzInput.text(data, size)
    do {
        let file = try RequirementsFile.parse(text: text, path: "requirements.txt", read: { _ in text })
        _ = file.ignoredOptionsNote
        _ = file.allowedSHA256
        let env = MarkerEnvironment.cpython(pythonVersion: "3.12", platform: .linuxX86_64)
        if let name = try? ProjectName("demo"), let version = try? Version("1.0") {
            for entry in file.constraints + file.requirements {
                _ = entry.requirement.excludes(name, version, on: env)
                _ = (entry.source, entry.hashes)
            }
        }
    } catch {
        _ = error.description
    }
    return 0
}
