public import Foundation

/// Why Python could not be run at all (as opposed to running and failing, which is a status).
public struct PythonRunnerError: Error, CustomStringConvertible {
    public let description: String

    public init(description: String) { self.description = description }
}

/// Runs `python -c script args...` with the test venv's interpreter (`TestSupport.python`),
/// feeding `stdin` and collecting both output streams, through `ProcessRunner` (output goes to
/// files, so a child that fills one stream while the other is read never deadlocks).
public func runPython(
    script: String, args: [String] = [], stdin: Data? = nil, interpreter: String = TestSupport.python
) throws -> (status: Int32, stdout: Data, stderr: Data) {
    guard FileManager.default.isExecutableFile(atPath: interpreter) else {
        throw PythonRunnerError(
            description: "No Python interpreter at \(interpreter): run scripts/bootstrap.sh, or set WHEELHOUSE_TEST_PYTHON.")
    }
    let result = try ProcessRunner.runBlocking(interpreter, ["-c", script] + args, stdin: stdin)
    return (result.status, result.stdout, result.stderr)
}
