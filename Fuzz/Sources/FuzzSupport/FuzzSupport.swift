import Foundation

/// Helpers shared by the fuzz targets. Nothing here may hide a failure: a harness either returns
/// (the input was handled, accepted or refused) or crashes (a finding).
public enum FuzzInput {
    /// The input as text: invalid UTF-8 is repaired as the server's decoders do.
    public static func text(_ data: UnsafePointer<UInt8>, _ size: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    }

    public static func bytes(_ data: UnsafePointer<UInt8>, _ size: Int) -> [UInt8] {
        Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// Splits at the first `separator` byte: (before, after). Without one, (all, []).
    public static func split(_ bytes: [UInt8], at separator: UInt8) -> ([UInt8], [UInt8]) {
        guard let i = bytes.firstIndex(of: separator) else { return (bytes, []) }
        return (Array(bytes[..<i]), Array(bytes[(i + 1)...]))
    }
}

/// A scratch folder for targets that must write the input to a file (archives, upload spools):
/// in /dev/shm when it exists, so the fuzzer is not slowed by a disk.
public enum FuzzScratch {
    public static let directory: URL = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let url = URL(fileURLWithPath: base).appendingPathComponent("wheelhouse-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// Writes `bytes` to a file named `name` in the scratch folder, runs `body` with its path,
    /// and removes it.
    public static func withFile<T>(named name: String, bytes: [UInt8], _ body: (String) throws -> T) rethrows -> T {
        let path = directory.appendingPathComponent(name).path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(fd >= 0, "cannot create \(path)")
        var written = 0
        bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let n = write(fd, raw.baseAddress.map { $0 + written }, raw.count - written)
                precondition(n > 0, "cannot write \(path)")
                written += n
            }
        }
        close(fd)
        defer { unlink(path) }
        return try body(path)
    }

    /// Files left in the scratch folder (a harness checks the code under test cleaned up).
    public static func leftovers() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    }
}
