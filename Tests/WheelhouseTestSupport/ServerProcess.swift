public import Foundation

/// Locations of the built products and the Python clients.
public enum Products {
    /// The `wheelhouse` executable built next to the test bundle ($WHEELHOUSE_BIN overrides).
    public static var wheelhouse: String {
        if let bin = ProcessInfo.processInfo.environment["WHEELHOUSE_BIN"], !bin.isEmpty { return bin }
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("wheelhouse").path
        }
        let candidates = [
            Bundle.main.bundleURL.appendingPathComponent("wheelhouse").path,
            TestSupport.repositoryRoot.appendingPathComponent(".build/debug/wheelhouse").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[1]
    }

    /// A tool installed in the test venv (pip, uv, twine, moto_server).
    public static func venvTool(_ name: String) -> String {
        URL(fileURLWithPath: TestSupport.python).deletingLastPathComponent().appendingPathComponent(name).path
    }
}

/// Picks a free TCP port on 127.0.0.1 by binding port 0 and releasing it.
public func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
    }
    guard named == 0 else { throw POSIXError(.EIO) }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// A `wheelhouse serve` child process on a free loopback port, stopped with SIGTERM.
public final class ServerProcess: @unchecked Sendable {
    public let port: Int
    /// The `--store` value.
    public let store: String
    public let child: ChildProcess
    public let logFile: URL
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    public var indexURL: String { "\(baseURL)/simple/" }
    public var uploadURL: String { "\(baseURL)/legacy/" }

    public static func start(store: URL, extraArguments: [String] = []) async throws -> ServerProcess {
        try await start(storeURL: store.path, extraArguments: extraArguments)
    }

    /// A server on `store` (a local store or an S3 bucket on moto, with the environment it needs).
    public static func start(store: TestStore, extraArguments: [String] = []) async throws -> ServerProcess {
        try await start(storeURL: store.url, environment: store.environment, extraArguments: extraArguments)
    }

    public static func start(
        storeURL: String, environment: [String: String]? = nil, extraArguments: [String] = []
    ) async throws -> ServerProcess {
        let port = try freeLoopbackPort()
        let logFile = FileManager.default.temporaryDirectory.appendingPathComponent(
            "wheelhouse-server-\(port)-\(UUID().uuidString.prefix(6)).log")
        let child = try ChildProcess(
            Products.wheelhouse,
            ["serve", "--store", storeURL, "--host", "127.0.0.1", "--port", "\(port)"] + extraArguments,
            environment: ProcessRunner.environment(environment), currentDirectory: nil, stdin: nil, stdout: logFile,
            stderr: logFile)
        let server = ServerProcess(port: port, store: storeURL, child: child, logFile: logFile)
        try await server.waitUntilHealthy()
        return server
    }

    init(port: Int, store: String, child: ChildProcess, logFile: URL) {
        self.port = port
        self.store = store
        self.child = child
        self.logFile = logFile
    }

    func waitUntilHealthy() async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            guard child.isRunning else {
                throw ProcessFailure(
                    command: "wheelhouse serve", result: ProcessResult(status: await child.wait(), stdout: Data(), stderr: log))
            }
            if let (_, response) = try? await HTTP.get("\(baseURL)/healthz", timeout: 2), response.statusCode == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ProcessFailure(command: "wheelhouse serve (not healthy after 60 s)", result: ProcessResult(status: -1, stdout: Data(), stderr: log))
    }

    public var log: Data { (try? Data(contentsOf: logFile)) ?? Data() }

    /// Sends SIGTERM and waits for the process to exit; returns its exit status.
    @discardableResult
    public func stop() async -> Int32 {
        child.signal(SIGTERM)
        let child = self.child
        let killer = Task {
            try await Task.sleep(for: .seconds(20))
            child.signal(SIGKILL)
        }
        let status = await child.wait()
        killer.cancel()
        return status
    }

    deinit {
        child.signal(SIGKILL)
    }
}

/// A response as the tests see it.
public struct HTTPResponse: Sendable {
    public var statusCode: Int
    public var headers: [String: String]
    public func value(forHTTPHeaderField name: String) -> String? { headers[name.lowercased()] }
}

/// Minimal HTTP for tests, through curl (redirects are not followed, nothing is decoded).
public enum HTTP {
    public static func get(
        _ url: String, headers: [String: String] = [:], method: String = "GET", timeout: Int = 60
    ) async throws -> (Data, HTTPResponse) {
        try await request(method, url, headers: headers, body: nil, timeout: timeout)
    }

    public static func request(
        _ method: String, _ url: String, headers: [String: String] = [:], body: Data? = nil, timeout: Int = 60
    ) async throws -> (Data, HTTPResponse) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("wh-http-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let headerFile = dir.appendingPathComponent("headers"), bodyFile = dir.appendingPathComponent("body")
        var args = ["-s", "-S", "--max-time", "\(timeout)", "-X", method, "-D", headerFile.path, "-o", bodyFile.path]
        if method == "HEAD" { args = ["-s", "-S", "--max-time", "\(timeout)", "-I", "-D", headerFile.path, "-o", bodyFile.path] }
        for (k, v) in headers { args += ["-H", "\(k): \(v)"] }
        if let body {
            let bodyIn = dir.appendingPathComponent("request-body")
            try body.write(to: bodyIn)
            args += ["--data-binary", "@\(bodyIn.path)"]
        }
        args.append(url)
        let result = try await ProcessRunner.run("/usr/bin/curl", args)
        guard result.succeeded else { throw ProcessFailure(command: "curl \(url)", result: result) }
        let head = String(decoding: (try? Data(contentsOf: headerFile)) ?? Data(), as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.isEmpty ? "" : lines.removeFirst()
        let code = statusLine.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        var fields: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return ((try? Data(contentsOf: bodyFile)) ?? Data(), HTTPResponse(statusCode: code, headers: fields))
    }
}
