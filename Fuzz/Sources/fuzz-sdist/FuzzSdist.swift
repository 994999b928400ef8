import FuzzSupport
import WheelhouseArchive
import WheelhouseCore

/// Sdist inspection of arbitrary bytes: gzip-looking input is read as `demo-1.0.tar.gz`,
/// anything else as `demo-1.0.zip` (both formats PEP 625 and older indexes have).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSdist(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = FuzzInput.bytes(data, size)
    let name = bytes.starts(with: [0x1F, 0x8B]) ? "demo-1.0.tar.gz" : "demo-1.0.zip"
    guard let filename = try? SdistFilename(name) else { fatalError("seed filename") }
    FuzzScratch.withFile(named: name, bytes: bytes) { path in
        do throws(ArchiveError) {
            let inspection = try inspectSdist(at: path, filename: filename)
            _ = (inspection.metadata.name, inspection.fileCount, inspection.topLevelDirectory)
        } catch {
            _ = (error.description, error.entry)
        }
    }
    return 0
}
