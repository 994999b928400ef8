import Dispatch
import Foundation

/// The result of a finished child process.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: Data
    public var stderr: Data
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    public var succeeded: Bool { status == 0 }
}

public struct ProcessFailure: Error, CustomStringConvertible {
    public var command: String
    public var result: ProcessResult
    public var description: String {
        "\(command) exited \(result.status)\nstdout:\n\(result.stdoutText)\nstderr:\n\(result.stderrText)"
    }
}

/// Runs child processes (pip, uv, twine, python, the wheelhouse binary) without blocking Swift's
/// cooperative thread pool: waiting and pipe reading happen on Dispatch threads.
public enum ProcessRunner {
    /// Runs `executable` with `arguments` and returns its exit status and output.
    public static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        currentDirectory: URL? = nil,
        stdin: Data? = nil,
        timeout: Duration = .seconds(600)
    ) async throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        // Keep the clients away from any index but ours and from user configuration.
        env["PIP_CONFIG_FILE"] = "/dev/null"
        env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
        env["PIP_NO_INPUT"] = "1"
        env["UV_NO_CONFIG"] = "1"
        env["NO_COLOR"] = "1"
        for (k, v) in environment ?? [:] { env[k] = v }
        process.environment = env
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input

        let outData = PipeCollector(out.fileHandleForReading)
        let errData = PipeCollector(err.fileHandleForReading)
        return try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { p in
                let result = ProcessResult(status: p.terminationStatus, stdout: outData.wait(), stderr: errData.wait())
                continuation.resume(returning: result)
            }
            do {
                try process.run()
            } catch {
                continuation.resume(throwing: error)
                return
            }
            DispatchQueue.global().async {
                if let stdin { input.fileHandleForWriting.write(stdin) }
                try? input.fileHandleForWriting.close()
            }
            let pid = process.processIdentifier
            let seconds = Double(timeout.components.seconds)
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
                if process.isRunning { kill(pid, SIGKILL) }
            }
        }
    }

    /// Like `run`, but throws `ProcessFailure` (with the output) on a non-zero exit.
    @discardableResult
    public static func check(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        currentDirectory: URL? = nil, stdin: Data? = nil
    ) async throws -> ProcessResult {
        let result = try await run(
            executable, arguments, environment: environment, currentDirectory: currentDirectory, stdin: stdin)
        guard result.succeeded else {
            throw ProcessFailure(command: ([executable] + arguments).joined(separator: " "), result: result)
        }
        return result
    }
}

/// Drains a pipe on a Dispatch thread so a chatty child never blocks on a full pipe.
final class PipeCollector: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        DispatchQueue.global().async {
            self.data = handle.readDataToEndOfFile()
            self.done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        done.signal()
        return data
    }
}
