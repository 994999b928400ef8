public import Foundation

/// Shared helpers for the test targets: temp dirs, the repository root, the Python venv
/// with the real clients (pip, uv, twine, packaging, moto) that `make test` creates.
public enum TestSupport {
    /// `pipe(2)` with both ends close-on-exec, so that the processes other tests start in the
    /// meantime do not hold the write end open (a reader would then never see the pipe's end).
    public static func makePipe(_ fds: inout [Int32]) -> Int32 {
        let rc = pipe(&fds)
        if rc == 0 { for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) } }
        return rc
    }

    /// The repository root, found from this file's path.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // WheelhouseTestSupport
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    /// The Python interpreter of the test venv: $WHEELHOUSE_TEST_PYTHON, else .venv/bin/python.
    public static var python: String {
        if let p = ProcessInfo.processInfo.environment["WHEELHOUSE_TEST_PYTHON"], !p.isEmpty { return p }
        return repositoryRoot.appendingPathComponent(".venv/bin/python").path
    }

    /// A new empty directory under the system temp dir.
    public static func makeTemporaryDirectory(_ label: String = "wheelhouse-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
