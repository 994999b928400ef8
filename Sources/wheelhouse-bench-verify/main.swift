import Foundation
import WheelhouseArchive
import WheelhouseCore

// Verifies one wheel as an upload would (full RECORD check) and prints the time taken.
// Usage: wheelhouse-bench-verify PATH.whl

let arguments = CommandLine.arguments
guard arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: wheelhouse-bench-verify PATH.whl\n".utf8))
    exit(2)
}
let path = arguments[1]
do {
    let filename = try WheelFilename(URL(fileURLWithPath: path).lastPathComponent)
    let start = ContinuousClock.now
    let inspection = try inspectWheel(at: path, filename: filename, limits: .default)
    let elapsed = start.duration(to: .now)
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let megabytes = Double(inspection.uncompressedSize) / 1_000_000
    print(
        String(
            format: "verified %d files, %.1f MB uncompressed in %.3f s (%.0f MB/s)",
            inspection.fileCount, megabytes, seconds, megabytes / seconds))
} catch {
    FileHandle.standardError.write(Data("refused: \(error)\n".utf8))
    exit(1)
}
