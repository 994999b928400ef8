import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why Python could not be run at all (as opposed to running and failing, which is a status).
public struct PythonRunnerError: Error, CustomStringConvertible {
    public let description: String

    public init(description: String) { self.description = description }
}

/// Runs `python -c script args...` with the test venv's interpreter (`TestSupport.python`),
/// feeding `stdin` and collecting both output streams.
///
/// stdin is written and stdout/stderr are drained on their own threads, so a child that fills
/// one pipe while the other side is still writing or reading never deadlocks.
public func runPython(
    script: String, args: [String] = [], stdin: Data? = nil, interpreter: String = TestSupport.python
) throws -> (status: Int32, stdout: Data, stderr: Data) {
    guard FileManager.default.isExecutableFile(atPath: interpreter) else {
        throw PythonRunnerError(
            description: "No Python interpreter at \(interpreter): run scripts/bootstrap.sh, or set WHEELHOUSE_TEST_PYTHON.")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: interpreter)
    process.arguments = ["-c", script] + args
    let input = Pipe()
    let output = Pipe()
    let errors = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = errors
    // A child that exits before reading all of stdin must not kill the test process.
    signal(SIGPIPE, SIG_IGN)
    try process.run()

    let collected = CollectedOutput()
    let group = DispatchGroup()
    let readOut = output.fileHandleForReading
    let readErr = errors.fileHandleForReading
    DispatchQueue.global().async(group: group) { collected.setStdout(readOut.readDataToEndOfFile()) }
    DispatchQueue.global().async(group: group) { collected.setStderr(readErr.readDataToEndOfFile()) }
    let writeIn = input.fileHandleForWriting
    let stdinData = stdin
    DispatchQueue.global().async(group: group) {
        if let stdinData, !stdinData.isEmpty {
            // The child may exit without reading everything; a broken pipe is its answer, not ours.
            try? writeIn.write(contentsOf: stdinData)
        }
        try? writeIn.close()
    }
    group.wait()
    process.waitUntilExit()
    return (process.terminationStatus, collected.stdout, collected.stderr)
}

/// The two output streams, filled from the reader threads.
private final class CollectedOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var out = Data()
    private var err = Data()

    var stdout: Data { lock.withLock { out } }
    var stderr: Data { lock.withLock { err } }
    func setStdout(_ data: Data) { lock.withLock { out = data } }
    func setStderr(_ data: Data) { lock.withLock { err = data } }
}
