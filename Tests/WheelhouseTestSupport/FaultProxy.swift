import Foundation

/// A loopback TCP proxy in front of moto that spoils the first `faults` requests, then passes
/// everything through: `mode` "503" answers `503 SlowDown` (S3's throttling answer), "drop"
/// closes the connection without answering (a reset), "hang" answers nothing (a timeout),
/// "throttle" answers SSM's `400 ThrottlingException` (AWS JSON protocol).
/// The proxy is the Python script below (asyncio, standard library only), run by the tests.
/// Shared by the S3 client tests and the replication tests.
public final class FaultProxy: @unchecked Sendable {
    public let port: Int
    let process: Process
    public var endpoint: URL { URL(string: "http://127.0.0.1:\(port)") ?? URL(fileURLWithPath: "/") }

    static let script = #"""
        import asyncio, sys
        listen, upstream, faults, mode = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
        state = {"faults": faults, "seen": 0}
        BODY = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code>'
                b'<Message>Please reduce your request rate.</Message><RequestId>FAULT</RequestId></Error>')
        THROTTLE = b'{"__type": "com.amazonaws.ssm#ThrottlingException", "message": "Rate exceeded"}'

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
            except (asyncio.IncompleteReadError, ConnectionError):
                writer.close(); return
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            body = await reader.readexactly(length) if length else b""
            state["seen"] += 1
            if state["faults"] > 0:
                state["faults"] -= 1
                if mode == "503":
                    writer.write(b"HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nConnection: close\r\n"
                                 + b"Content-Length: " + str(len(BODY)).encode() + b"\r\n\r\n" + BODY)
                    await writer.drain()
                elif mode == "throttle":
                    writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.1\r\nConnection: close\r\n"
                                 + b"Content-Length: " + str(len(THROTTLE)).encode() + b"\r\n\r\n" + THROTTLE)
                    await writer.drain()
                elif mode == "hang":
                    await asyncio.sleep(3600)
                writer.close(); return
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", upstream)
            up_writer.write(head + body)
            await up_writer.drain()
            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

        async def main():
            server = await asyncio.start_server(handle, "127.0.0.1", listen)
            print("ready", flush=True)
            async with server:
                await server.serve_forever()

        asyncio.run(main())
        """#

    public static func start(upstream: Int, faults: Int, mode: String) async throws -> FaultProxy {
        let port = try freeLoopbackPort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestSupport.python)
        process.arguments = ["-c", script, "\(port)", "\(upstream)", "\(faults)", mode]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let proxy = FaultProxy(port: port, process: process)
        // Ready once it accepts connections.
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if canConnect(port) { return proxy }
            try await Task.sleep(for: .milliseconds(50))
        }
        proxy.stop()
        throw POSIXError(.ETIMEDOUT)
    }

    private init(port: Int, process: Process) {
        self.port = port
        self.process = process
    }

    /// SIGKILL: a child of the test process inherits its blocked signals, SIGTERM among them.
    public func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
