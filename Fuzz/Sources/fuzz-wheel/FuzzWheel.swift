import FuzzSupport
import WheelhouseArchive
import WheelhouseCore

/// Wheel inspection of arbitrary bytes, as an upload or a mirrored file reaches it: the bytes
/// are written to a file named as the seed wheel (so a mutated seed gets past the name checks)
/// and inspected with the server's default limits (the WHEEL tag check on for even sizes).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWheel(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = FuzzInput.bytes(data, size)
    guard let filename = try? WheelFilename("demo-1.0-py3-none-any.whl") else { fatalError("seed filename") }
    FuzzScratch.withFile(named: filename.filename, bytes: bytes) { path in
        do throws(ArchiveError) {
            let inspection = try inspectWheel(at: path, filename: filename, checkTags: size & 1 == 0)
            _ = (inspection.metadata.name, inspection.metadataBytes.count, inspection.recordEntries)
        } catch {
            _ = (error.description, error.entry)
        }
    }
    return 0
}
