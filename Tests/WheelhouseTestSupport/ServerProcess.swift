import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

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
    public let store: URL
    public let process: Process
    public let logFile: URL
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    public var indexURL: String { "\(baseURL)/simple/" }
    public var uploadURL: String { "\(baseURL)/legacy/" }

    public static func start(store: URL, extraArguments: [String] = []) async throws -> ServerProcess {
        let port = try freeLoopbackPort()
        let logFile = FileManager.default.temporaryDirectory.appendingPathComponent("wheelhouse-server-\(port)-\(UUID().uuidString.prefix(6)).log")
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Products.wheelhouse)
        process.arguments = ["serve", "--store", store.path, "--host", "127.0.0.1", "--port", "\(port)"] + extraArguments
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let server = ServerProcess(port: port, store: store, process: process, logFile: logFile)
        try await server.waitUntilHealthy()
        return server
    }

    init(port: Int, store: URL, process: Process, logFile: URL) {
        self.port = port
        self.store = store
        self.process = process
        self.logFile = logFile
    }

    func waitUntilHealthy() async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if !process.isRunning {
                throw ProcessFailure(
                    command: "wheelhouse serve",
                    result: ProcessResult(status: process.terminationStatus, stdout: Data(), stderr: (try? Data(contentsOf: logFile)) ?? Data()))
            }
            if let (_, response) = try? await HTTP.get("\(baseURL)/healthz"), response.statusCode == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ProcessFailure(command: "wheelhouse serve (not healthy after 30 s)", result: ProcessResult(status: -1, stdout: Data(), stderr: log))
    }

    public var log: Data { (try? Data(contentsOf: logFile)) ?? Data() }

    /// Sends SIGTERM and waits for the process to exit; returns its exit status.
    @discardableResult
    public func stop() async -> Int32 {
        if process.isRunning { process.terminate() }
        let deadline = ContinuousClock.now + .seconds(20)
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// Minimal HTTP helpers for tests (URLSession; redirects are not followed).
public enum HTTP {
    final class NoRedirect: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
        func urlSession(
            _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
            newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
        ) {
            completionHandler(nil)
        }
    }
    static let session: URLSession = {
        let config = URLSessionConfiguration.ephemeral
        config.requestCachePolicy = .reloadIgnoringLocalCacheData
        config.urlCache = nil
        return URLSession(configuration: config, delegate: NoRedirect(), delegateQueue: nil)
    }()

    public static func get(_ url: String, headers: [String: String] = [:], method: String = "GET") async throws -> (Data, HTTPURLResponse) {
        guard let u = URL(string: url) else { throw URLError(.badURL) }
        var request = URLRequest(url: u)
        request.httpMethod = method
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        let (data, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
        return (data, http)
    }
}
