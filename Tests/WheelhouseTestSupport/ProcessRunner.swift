public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

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

/// A child process started with `posix_spawn` and reaped with `waitpid` on a thread of its own.
///
/// Foundation's `Process` is not used: with many children started concurrently from several
/// tasks its termination notifications were seen to go missing, hanging the suite. Output goes
/// to files, so a chatty child can never block on a full pipe.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    private let lock = NSLock()
    private var exitStatus: Int32?
    private var waiters: [@Sendable (Int32) -> Void] = []

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc
    /// module does not declare; nil where the C library lacks it.
    nonisolated(unsafe) static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    public init(
        _ executable: String, _ arguments: [String], environment: [String: String],
        currentDirectory: URL?, stdin: URL?, stdout: URL, stderr: URL
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin?.path ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if stderr == stdout {
            // One file for both, through one description, so neither overwrites the other.
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, stderr.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        }
        // Nothing else of the test process reaches the child: an inherited socket or pipe end
        // would keep a peer waiting for an end-of-file that never comes while the child lives.
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, so a child's children can be stopped together; and an empty
        // signal mask with default handlers, since the test runner blocks SIGTERM in its threads
        // and a child would inherit that.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGTERM)
        sigaddset(&defaults, SIGINT)
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        // A working directory through coreutils' `env -C` (glibc's addchdir is not exported here).
        let command = currentDirectory.map { ["/usr/bin/env", "-C", $0.path, executable] } ?? [executable]
        let argv = (command + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, command[0], &actions, &attributes, argv, envp)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
        pid = child
        let spawned = child
        let thread = Thread { [self] in
            var status: Int32 = 0
            while waitpid(spawned, &status, 0) < 0 && errno == EINTR {}
            // WIFEXITED / WEXITSTATUS / WTERMSIG by hand (they are macros).
            let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            lock.lock()
            exitStatus = code
            let pending = waiters
            waiters = []
            lock.unlock()
            pending.forEach { $0(code) }
        }
        thread.start()
    }

    public var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return exitStatus == nil
    }

    /// Calls `body` with the exit status once the child has exited (at once if it has).
    private func onExit(_ body: @escaping @Sendable (Int32) -> Void) {
        lock.lock()
        if let exitStatus {
            lock.unlock()
            body(exitStatus)
        } else {
            waiters.append(body)
            lock.unlock()
        }
    }

    /// Waits for the child to exit and returns its status (128 + signal when killed).
    public func wait() async -> Int32 {
        await withCheckedContinuation { continuation in onExit { continuation.resume(returning: $0) } }
    }

    /// Blocks the calling thread until the child exits, for synchronous callers (static fixture
    /// initializers); killed after `timeout`.
    public func waitBlocking(timeout: Duration) -> Int32 {
        let done = DispatchSemaphore(value: 0)
        let box = StatusBox()
        onExit { status in
            box.set(status)
            done.signal()
        }
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        if done.wait(timeout: .now() + seconds) == .timedOut {
            signal(SIGKILL)
            done.wait()
        }
        return box.value
    }

    /// Sends `signal` to the child's process group.
    public func signal(_ signal: Int32) {
        if isRunning { kill(-pid, signal) }
    }
}

private final class StatusBox: @unchecked Sendable {
    private let lock = NSLock()
    private var status: Int32 = -1
    var value: Int32 { lock.withLock { status } }
    func set(_ value: Int32) { lock.withLock { status = value } }
}

/// The one way tests run child processes (pip, uv, twine, python, curl, the wheelhouse binary):
/// `ChildProcess` underneath, output to files, never blocking Swift's cooperative thread pool
/// (except `runBlocking`, for synchronous callers).
public enum ProcessRunner {
    static func environment(_ extra: [String: String]?) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        // Keep the clients away from any index but ours and from user configuration.
        env["PIP_CONFIG_FILE"] = "/dev/null"
        env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
        env["PIP_NO_INPUT"] = "1"
        env["PIP_FIND_LINKS"] = nil
        env["UV_NO_CONFIG"] = "1"
        env["NO_COLOR"] = "1"
        for (k, v) in extra ?? [:] { env[k] = v }
        return env
    }

    /// Runs `executable` with `arguments` and returns its exit status and output.
    public static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        currentDirectory: URL? = nil,
        stdin: Data? = nil,
        timeout: Duration = .seconds(600)
    ) async throws -> ProcessResult {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wh-proc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("stdout"), err = dir.appendingPathComponent("stderr")
        var input: URL?
        if let stdin {
            input = dir.appendingPathComponent("stdin")
            try stdin.write(to: dir.appendingPathComponent("stdin"))
        }
        let child = try ChildProcess(
            executable, arguments, environment: Self.environment(environment), currentDirectory: currentDirectory,
            stdin: input, stdout: out, stderr: err)
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            child.signal(SIGKILL)
        }
        let status = await child.wait()
        watchdog.cancel()
        return ProcessResult(
            status: status, stdout: (try? Data(contentsOf: out)) ?? Data(), stderr: (try? Data(contentsOf: err)) ?? Data())
    }

    /// `run` for synchronous callers: blocks the calling thread until the child exits.
    public static func runBlocking(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        currentDirectory: URL? = nil,
        stdin: Data? = nil,
        timeout: Duration = .seconds(600)
    ) throws -> ProcessResult {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wh-proc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("stdout"), err = dir.appendingPathComponent("stderr")
        var input: URL?
        if let stdin {
            input = dir.appendingPathComponent("stdin")
            try stdin.write(to: dir.appendingPathComponent("stdin"))
        }
        let child = try ChildProcess(
            executable, arguments, environment: Self.environment(environment), currentDirectory: currentDirectory,
            stdin: input, stdout: out, stderr: err)
        let status = child.waitBlocking(timeout: timeout)
        return ProcessResult(
            status: status, stdout: (try? Data(contentsOf: out)) ?? Data(), stderr: (try? Data(contentsOf: err)) ?? Data())
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
