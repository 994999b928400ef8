public import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A `moto_server` (AWS emulator from PyPI) on a free loopback port, for S3 tests.
///
/// A `ChildProcess`, so in a process group of its own: `moto_server` may be a shim whose child
/// is the real server, so stopping kills the whole group. Servers still running when the test
/// process exits are killed then.
public final class MotoServer: @unchecked Sendable {
    public let port: Int
    public let child: ChildProcess
    public let logFile: URL
    public var endpointString: String { "http://127.0.0.1:\(port)" }
    /// `http://127.0.0.1:PORT`.
    public var endpoint: URL { URL(string: endpointString) ?? URL(fileURLWithPath: "/") }

    /// The dummy credentials moto accepts while its authentication is off.
    public static let dummyAccessKeyId = "testing"
    public static let dummySecretAccessKey = "testing"

    /// One server shared by the tests of this process (each test makes its own buckets).
    public static func shared() async throws -> MotoServer {
        try await SharedMoto.threaded.server()
    }

    /// One shared server that handles one request at a time. moto checks `If-Match` and
    /// `If-None-Match` and then writes without a lock (moto/s3/responses.py `put_object`), so
    /// under concurrent writers its conditional writes are not atomic, as S3's are; handling
    /// requests one by one makes them so.
    public static func sharedSerialized() async throws -> MotoServer {
        try await SharedMoto.serialized.server()
    }

    /// One shared server, handling one request at a time, whose authentication is on: every
    /// request must carry a valid SigV4 signature by the returned key (buckets must be created
    /// with a signed request too).
    public static func sharedAuthenticated() async throws -> (server: MotoServer, accessKeyId: String, secretAccessKey: String) {
        try await SharedMoto.authenticated.authenticatedServer()
    }

    /// moto's own server (`moto_server`), but with `threaded=False`.
    static let serializedScript = """
        import sys
        from werkzeug.serving import run_simple
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        run_simple("127.0.0.1", int(sys.argv[1]), DomainDispatcherApplication(create_backend_app),
                   threaded=False, request_handler=MotoRequestHandler)
        """

    /// The `moto_server` executable: $WHEELHOUSE_MOTO_SERVER, else the test venv's.
    public static var executable: String {
        if let path = ProcessInfo.processInfo.environment["WHEELHOUSE_MOTO_SERVER"], !path.isEmpty { return path }
        return Products.venvTool("moto_server")
    }

    /// Starts a server; `serializingRequests` handles one request at a time (see `sharedSerialized`).
    public static func start(serializingRequests: Bool = false) async throws -> MotoServer {
        let port = try freeLoopbackPort()
        let logFile = FileManager.default.temporaryDirectory.appendingPathComponent("moto-\(port)-\(UUID().uuidString.prefix(6)).log")
        let (command, arguments) =
            serializingRequests
            ? (TestSupport.python, ["-c", serializedScript, "\(port)"])
            : (executable, ["-H", "127.0.0.1", "-p", "\(port)"])
        let child = try ChildProcess(
            command, arguments, environment: ProcessInfo.processInfo.environment, currentDirectory: nil, stdin: nil,
            stdout: logFile, stderr: logFile)
        RunningGroups.add(child.pid)
        let server = MotoServer(port: port, child: child, logFile: logFile)
        try await server.waitUntilAnswering()
        return server
    }

    init(port: Int, child: ChildProcess, logFile: URL) {
        self.port = port
        self.child = child
        self.logFile = logFile
    }

    private func waitUntilAnswering() async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if !child.isRunning {
                throw ProcessFailure(
                    command: "moto_server", result: ProcessResult(status: await child.wait(), stdout: Data(), stderr: log))
            }
            if let (_, response) = try? await request("GET", "/moto-api/"), response.statusCode < 500 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        await stop()
        throw ProcessFailure(command: "moto_server (no answer after 60 s)", result: ProcessResult(status: -1, stdout: Data(), stderr: log))
    }

    public var log: Data { (try? Data(contentsOf: logFile)) ?? Data() }

    /// Sends a raw, unsigned request to the server.
    @discardableResult
    public func request(
        _ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:]
    ) async throws -> (Data, HTTPResponse) {
        try await HTTP.request(method, endpointString + path, headers: headers, body: body)
    }

    /// A new bucket with a unique name starting with `label` (created while authentication is off).
    public func makeBucket(_ label: String = "test") async throws -> String {
        let cleaned = label.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
        let name = String(String(cleaned).prefix(40)) + "-" + UUID().uuidString.lowercased().prefix(8)
        let (data, response) = try await request("PUT", "/\(name)")
        guard response.statusCode == 200 else {
            throw ProcessFailure(
                command: "create bucket \(name)",
                result: ProcessResult(status: Int32(response.statusCode), stdout: data, stderr: Data()))
        }
        return name
    }

    /// Creates an IAM user with an access key allowed everything (while authentication is still
    /// off), then turns moto's authentication on: from then on requests must carry a valid
    /// SigV4 signature by a known key. Returns the key pair.
    public func enableAuthentication() async throws -> (accessKeyId: String, secretAccessKey: String) {
        let script = """
            import boto3, json, sys
            iam = boto3.client("iam", endpoint_url=sys.argv[1], region_name="us-east-1",
                               aws_access_key_id="testing", aws_secret_access_key="testing")
            iam.create_user(UserName="wheelhouse")
            iam.put_user_policy(UserName="wheelhouse", PolicyName="all", PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
            key = iam.create_access_key(UserName="wheelhouse")["AccessKey"]
            print(key["AccessKeyId"]); print(key["SecretAccessKey"])
            """
        let result = try await ProcessRunner.check(TestSupport.python, ["-c", script, endpointString])
        let lines = result.stdoutText.split(separator: "\n").map(String.init)
        guard lines.count == 2 else { throw ProcessFailure(command: "create IAM access key", result: result) }
        let (data, response) = try await request(
            "POST", "/moto-api/reset-auth", body: Data("0".utf8), headers: ["Content-Type": "text/plain"])
        guard response.statusCode == 200 else {
            throw ProcessFailure(
                command: "reset-auth", result: ProcessResult(status: Int32(response.statusCode), stdout: data, stderr: Data()))
        }
        return (lines[0], lines[1])
    }

    /// Kills the server's process group (SIGKILL: a child of the test process inherits its
    /// blocked signals, SIGTERM among them; moto keeps nothing worth a clean shutdown) and waits
    /// for it to exit.
    public func stop() async {
        kill(-child.pid, SIGKILL)
        _ = await child.wait()
        RunningGroups.remove(child.pid)
    }

    deinit {
        kill(-child.pid, SIGKILL)
    }
}

private actor SharedMoto {
    static let threaded = SharedMoto(serializingRequests: false)
    static let serialized = SharedMoto(serializingRequests: true)
    static let authenticated = SharedMoto(serializingRequests: true)
    private let serializingRequests: Bool
    private var started: Task<MotoServer, any Error>?
    private var key: Task<(String, String), any Error>?

    func authenticatedServer() async throws -> (server: MotoServer, accessKeyId: String, secretAccessKey: String) {
        let moto = try await server()
        if key == nil { key = Task { try await moto.enableAuthentication() } }
        guard let key else { throw POSIXError(.EINVAL) }
        let (id, secret) = try await key.value
        return (moto, id, secret)
    }

    init(serializingRequests: Bool) {
        self.serializingRequests = serializingRequests
    }

    func server() async throws -> MotoServer {
        if let started { return try await started.value }
        let serializingRequests = self.serializingRequests
        let task = Task { try await MotoServer.start(serializingRequests: serializingRequests) }
        started = task
        return try await task.value
    }
}

/// Process groups to kill when the test process exits (the shared server is never stopped
/// by a test).
private enum RunningGroups {
    nonisolated(unsafe) static var pids: Set<Int32> = []
    static let lock = NSLock()
    nonisolated(unsafe) static var registered = false

    static func add(_ pid: Int32) {
        lock.withLock {
            pids.insert(pid)
            if !registered {
                registered = true
                atexit {
                    RunningGroups.lock.withLock { for pid in RunningGroups.pids { kill(-pid, SIGKILL) } }
                }
            }
        }
    }

    static func remove(_ pid: Int32) {
        _ = lock.withLock { pids.remove(pid) }
    }
}
