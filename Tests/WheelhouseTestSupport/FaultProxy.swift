public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A loopback TCP proxy in front of moto that spoils requests, for the fault tests of the AWS
/// clients and of `wheelhouse` processes (a Python asyncio script, standard library only, run
/// with `TestSupport.python` as a `ChildProcess`).
///
/// Each request is given an action: the first `faults` get `mode`, the rest `schedule`'s in turn:
/// - `pass`: forwarded to moto;
/// - `503`: `503 SlowDown` (S3's throttling answer), `500`: `500 InternalError`;
/// - `throttle`: SSM's `400 ThrottlingException` (AWS JSON protocol);
/// - `drop`: the connection closed without an answer (a reset);
/// - `hang`: no answer at all (a timeout);
/// - `delay`: the answer held back 1.5 s, then passed.
///
/// With `tunnel`, a connection whose request was passed becomes a plain tunnel to moto (later
/// requests on it are not inspected, keep-alive works); without, every request is forwarded on a
/// connection of its own (`Connection: close`) and given its action. `outage()` fails every
/// request with 503 until `restore()`, to outlast any retry budget; `requests` counts what it saw.
public final class FaultProxy: @unchecked Sendable {
    public let port: Int
    let child: ChildProcess
    let control: URL
    public var endpointString: String { "http://127.0.0.1:\(port)" }
    public var endpoint: URL { URL(string: endpointString) ?? URL(fileURLWithPath: "/") }

    static let script = #"""
        import asyncio, os, sys
        listen, upstream = int(sys.argv[1]), int(sys.argv[2])
        first_mode, _, first_count = sys.argv[3].partition(":")
        first_count = int(first_count or 0)
        cycle = [a for a in sys.argv[4].split(",") if a] or ["pass"]
        control, tunnel = sys.argv[5], sys.argv[6] == "tunnel"
        state = {"seen": 0}

        def error(code, reason, s3code, message):
            body = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{s3code}</Code><Message>{message}</Message>'
                    f'<RequestId>FAULT</RequestId></Error>').encode()
            return (f"HTTP/1.1 {code} {reason}\r\nContent-Type: application/xml\r\nConnection: close\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n").encode() + body

        SLOWDOWN = error(503, "Slow Down", "SlowDown", "Please reduce your request rate.")
        INTERNAL = error(500, "Internal Error", "InternalError", "We encountered an internal error. Please try again.")
        THROTTLE_BODY = b'{"__type": "com.amazonaws.ssm#ThrottlingException", "message": "Rate exceeded"}'
        THROTTLE = (b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.1\r\nConnection: close\r\n"
                    + b"Content-Length: " + str(len(THROTTLE_BODY)).encode() + b"\r\n\r\n" + THROTTLE_BODY)

        def next_action():
            seen = state["seen"]
            state["seen"] += 1
            with open(control + ".count", "w") as f:
                f.write(str(state["seen"]))
            if os.path.exists(control + ".outage"):
                return "503"
            if seen < first_count:
                return first_mode
            return cycle[(seen - first_count) % len(cycle)]

        async def pipe(reader, writer):
            try:
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                writer.close()

        async def handle(reader, writer):
            try:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                body = await reader.readexactly(length) if length else b""
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                writer.close(); return
            action = next_action()
            answers = {"503": SLOWDOWN, "500": INTERNAL, "throttle": THROTTLE}
            if action in answers:
                writer.write(answers[action])
                await writer.drain(); writer.close(); return
            if action == "drop":
                writer.close(); return
            if action == "hang":
                await asyncio.sleep(3600)
                writer.close(); return
            if action == "delay":
                await asyncio.sleep(1.5)
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", upstream)
            if tunnel:
                up_writer.write(head + body)
                await up_writer.drain()
                await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
                return
            # One request per upstream connection: the answer ends when moto closes.
            if b"connection:" not in head.lower():
                head = head.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1)
            up_writer.write(head + body)
            await up_writer.drain()
            await pipe(up_reader, writer)
            up_writer.close()

        async def main():
            server = await asyncio.start_server(handle, "127.0.0.1", listen)
            async with server:
                await server.serve_forever()

        asyncio.run(main())
        """#

    /// Spoils the first `faults` requests with `mode` (`503`, `500`, `throttle`, `drop`, `hang`,
    /// `delay`), then passes everything through, tunnelling passed connections.
    public static func start(upstream: Int, faults: Int, mode: String) async throws -> FaultProxy {
        try await launch(upstream: upstream, first: "\(mode):\(faults)", schedule: [], tunnel: true)
    }

    /// Applies `schedule` to requests in turn, over and over; every request on its own connection.
    public static func start(upstream: Int, schedule: [String]) async throws -> FaultProxy {
        try await launch(upstream: upstream, first: "", schedule: schedule, tunnel: false)
    }

    private static func launch(
        upstream: Int, first: String, schedule: [String], tunnel: Bool
    ) async throws -> FaultProxy {
        let port = try freeLoopbackPort()
        let control = FileManager.default.temporaryDirectory.appendingPathComponent("fault-proxy-\(port)-\(UUID().uuidString.prefix(6))")
        let log = URL(fileURLWithPath: control.path + ".log")
        let child = try ChildProcess(
            TestSupport.python,
            [
                "-c", script, "\(port)", "\(upstream)", first, schedule.joined(separator: ","), control.path,
                tunnel ? "tunnel" : "per-request",
            ],
            environment: ProcessInfo.processInfo.environment, currentDirectory: nil, stdin: nil, stdout: log, stderr: log)
        let proxy = FaultProxy(port: port, child: child, control: control)
        try await poll("fault proxy on port \(port) accepting connections", timeout: .seconds(20)) {
            guard child.isRunning else {
                throw ProcessFailure(
                    command: "fault proxy", result: ProcessResult(status: await child.wait(), stdout: Data(), stderr: (try? Data(contentsOf: log)) ?? Data()))
            }
            return canConnect(port)
        }
        return proxy
    }

    private init(port: Int, child: ChildProcess, control: URL) {
        self.port = port
        self.child = child
        self.control = control
    }

    /// Every request fails with 503 from now on.
    public func outage() { _ = FileManager.default.createFile(atPath: control.path + ".outage", contents: Data()) }
    /// Back to the schedule.
    public func restore() { try? FileManager.default.removeItem(atPath: control.path + ".outage") }
    /// Requests seen so far.
    public var requests: Int {
        (try? String(contentsOfFile: control.path + ".count", encoding: .utf8)).flatMap { Int($0) } ?? 0
    }

    /// SIGKILL to the proxy (synchronously; the exit is reaped by the child's waiter thread).
    public func stop() { child.signal(SIGKILL) }

    deinit { child.signal(SIGKILL) }
}

/// Whether something accepts TCP connections on the loopback port.
public func canConnect(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = UInt16(port).bigEndian
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}
