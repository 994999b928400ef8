import Foundation

/// A loopback TCP proxy in front of moto that spoils requests on a schedule, for end-to-end
/// fault tests of `wheelhouse` processes (a Python asyncio script, standard library only).
///
/// `schedule` is a cycle of actions applied to requests in turn: `pass`, `503` (S3's
/// `SlowDown`), `500` (`InternalError`), `drop` (the connection closed without an answer), or
/// `delay` (the answer held back 1.5 s, then passed). `outage()` makes every request fail with
/// 503 until `restore()`, to outlast any retry budget. `requests` counts what it saw.
public final class ScheduledFaultProxy: @unchecked Sendable {
    public let port: Int
    let child: ChildProcess
    let control: URL
    public var endpointString: String { "http://127.0.0.1:\(port)" }

    static let script = #"""
        import asyncio, os, sys
        listen, upstream, schedule, control = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].split(","), sys.argv[4]
        state = {"seen": 0}
        def error(code, reason, s3code):
            body = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{s3code}</Code><Message>injected</Message>'
                    f'<RequestId>FAULT</RequestId></Error>').encode()
            return (f"HTTP/1.1 {code} {reason}\r\nContent-Type: application/xml\r\nConnection: close\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n").encode() + body

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
            except (asyncio.IncompleteReadError, ConnectionError):
                writer.close(); return
            action = schedule[state["seen"] % len(schedule)]
            state["seen"] += 1
            with open(control + ".count", "w") as f:
                f.write(str(state["seen"]))
            if os.path.exists(control + ".outage"):
                action = "503"
            if action in ("503", "500"):
                writer.write(error(503, "Slow Down", "SlowDown") if action == "503" else error(500, "Internal Error", "InternalError"))
                await writer.drain(); writer.close(); return
            if action == "drop":
                writer.close(); return
            if action == "delay":
                await asyncio.sleep(1.5)
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", upstream)
            # One request per upstream connection: the answer ends when moto closes.
            head = head.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1) if b"connection:" not in head.lower() else head
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

    public static func start(upstream: Int, schedule: [String]) async throws -> ScheduledFaultProxy {
        let port = try freeLoopbackPort()
        let control = FileManager.default.temporaryDirectory.appendingPathComponent("fault-proxy-\(port)-\(UUID().uuidString.prefix(6))")
        let log = URL(fileURLWithPath: control.path + ".log")
        let child = try ChildProcess(
            TestSupport.python, ["-c", script, "\(port)", "\(upstream)", schedule.joined(separator: ","), control.path],
            environment: ProcessInfo.processInfo.environment, currentDirectory: nil, stdin: nil, stdout: log, stderr: log)
        let proxy = ScheduledFaultProxy(port: port, child: child, control: control)
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if canConnect(port) { return proxy }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw POSIXError(.ETIMEDOUT)
    }

    private init(port: Int, child: ChildProcess, control: URL) {
        self.port = port
        self.child = child
        self.control = control
    }

    /// Every request fails with 503 from now on.
    public func outage() { FileManager.default.createFile(atPath: control.path + ".outage", contents: Data()) }
    /// Back to the schedule.
    public func restore() { try? FileManager.default.removeItem(atPath: control.path + ".outage") }
    /// Requests seen so far.
    public var requests: Int {
        (try? String(contentsOfFile: control.path + ".count", encoding: .utf8)).flatMap { Int($0) } ?? 0
    }

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
