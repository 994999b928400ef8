import Foundation
import Testing
import WheelhouseTestSupport

/// Several processes writing one store at once, and uploads cut off mid-body.
@Suite(.serialized, .tags(.endToEnd), .skippedInFastTier)
struct ConcurrencyEndToEndTests {
    let work: URL
    let store: URL

    init() throws {
        work = try TestSupport.makeTemporaryDirectory("wh-conc")
        store = work.appendingPathComponent("store")
    }

    @Test func fiftyConcurrentUploadsFromSeveralProcessesAllEndUpInTheIndex() async throws {
        let spool = work.appendingPathComponent("spool")
        try FileManager.default.createDirectory(at: spool, withIntermediateDirectories: true)
        let server = try await ServerProcess.start(
            store: store, extraArguments: ["--index-staleness", "0.5", "--spool-dir", spool.path])
        defer { Task { await server.stop() } }
        let tokenResult = try await ProcessRunner.check(
            Products.wheelhouse, ["token", "create", "ci", "--store", store.path, "--json"])
        let token = try #require(
            (try JSONSerialization.jsonObject(with: tokenResult.stdout) as? [String: Any])?["token"] as? String)

        // 10 batches of 5 distinct files: 5 batches straight into the store (5 processes), 5 over
        // HTTP to the server (5 more processes), all at once.
        var batches: [URL] = []
        for b in 0..<10 {
            let dir = work.appendingPathComponent("batch\(b)")
            for i in 0..<5 {
                _ = try await DistFixtures.make("busy-project", "1.\(b * 5 + i)", in: dir)
            }
            batches.append(dir)
        }
        let results = try await withThrowingTaskGroup(of: ProcessResult.self) { group in
            for (b, dir) in batches.enumerated() {
                let args =
                    b % 2 == 0
                    ? ["upload", "--store", store.path, dir.path]
                    : ["upload", "--repository-url", server.uploadURL, "--token", token, dir.path]
                group.addTask { try await ProcessRunner.run(Products.wheelhouse, args) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for r in results { #expect(r.status == 0, "\(r.stdoutText)\(r.stderrText)") }

        let list = try await ProcessRunner.check(Products.wheelhouse, ["list", "busy-project", "--store", store.path, "--json"])
        let record = try #require(try JSONSerialization.jsonObject(with: list.stdout) as? [String: Any])
        #expect((record["files"] as? [Any])?.count == 50)

        // The server sees every file within its staleness bound, also those another process wrote.
        try await poll("the server listing 50 files", timeout: .seconds(10)) {
            let (data, _) = try await HTTP.get(
                "\(server.indexURL)busy-project/", headers: ["Accept": "application/vnd.pypi.simple.v1+json"])
            return ((try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["files"] as? [Any])?.count == 50
        }
        let (data, response) = try await HTTP.get(
            "\(server.indexURL)busy-project/", headers: ["Accept": "application/vnd.pypi.simple.v1+json"])
        #expect(response.statusCode == 200)
        let page = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect((page["files"] as? [Any])?.count == 50)
        #expect((page["versions"] as? [String])?.count == 50)

        let verify = try await ProcessRunner.run(Products.wheelhouse, ["verify", "--store", store.path])
        #expect(verify.status == 0, "\(verify.stdoutText)")
        #expect(spoolFiles(spool).isEmpty)
    }

    @Test func anUploadCutOffMidBodyLeavesNoTrace() async throws {
        let spool = work.appendingPathComponent("spool")
        try FileManager.default.createDirectory(at: spool, withIntermediateDirectories: true)
        let server = try await ServerProcess.start(store: store, extraArguments: ["--spool-dir", spool.path])
        defer { Task { await server.stop() } }
        let tokenResult = try await ProcessRunner.check(
            Products.wheelhouse, ["token", "create", "ci", "--store", store.path, "--json"])
        let token = try #require(
            (try JSONSerialization.jsonObject(with: tokenResult.stdout) as? [String: Any])?["token"] as? String)
        let before = try DistFixtures.treeSnapshot(store)

        // Announce 20 MB, send 2 MB of the file part, then close the connection.
        let script = """
            import base64, socket, sys, time
            port, token = int(sys.argv[1]), sys.argv[2]
            b = "cutoffboundary"
            head = (f"--{b}\\r\\nContent-Disposition: form-data; name=\\":action\\"\\r\\n\\r\\nfile_upload\\r\\n"
                    f"--{b}\\r\\nContent-Disposition: form-data; name=\\"content\\"; filename=\\"cut-1.0-py3-none-any.whl\\"\\r\\n"
                    f"Content-Type: application/octet-stream\\r\\n\\r\\n").encode()
            auth = base64.b64encode(f"__token__:{token}".encode()).decode()
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall((f"POST /legacy/ HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nAuthorization: Basic {auth}\\r\\n"
                       f"Content-Type: multipart/form-data; boundary={b}\\r\\nContent-Length: 20000000\\r\\n\\r\\n").encode())
            s.sendall(head)
            for _ in range(32):
                s.sendall(b"x" * 65536)
            time.sleep(0.3)
            s.close()
            """
        let cut = try await ProcessRunner.run(TestSupport.python, ["-c", script, "\(server.port)", token])
        #expect(cut.status == 0, "\(cut.stderrText)")
        // Let the server notice the disconnect and clean up.
        var leftovers: [String] = []
        // (Up to 30 s: on a machine busy with disk writes the server can take seconds to see it.)
        for _ in 0..<300 {
            leftovers = spoolFiles(spool)
            if leftovers.isEmpty { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(leftovers.isEmpty, "spool files left behind: \(leftovers)")
        // A client that went away is no server error.
        #expect(!String(decoding: server.log, as: UTF8.self).contains("status=500"))
        #expect(try DistFixtures.treeSnapshot(store) == before)
        let (_, health) = try await HTTP.get("\(server.baseURL)/healthz")
        #expect(health.statusCode == 200)
        let status = await server.stop()
        #expect(status == 0, "graceful shutdown on SIGTERM should exit 0")
    }
}

/// The upload spool files under a `--spool-dir` (each server spools in a folder of its own,
/// `{id}/`, next to its `{id}.lock`).
func spoolFiles(_ root: URL) -> [String] {
    let all = FileManager.default.enumerator(atPath: root.path)?.allObjects.compactMap { $0 as? String } ?? []
    return all.filter { path in
        var isDirectory: ObjCBool = false
        FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path, isDirectory: &isDirectory)
        return !isDirectory.boolValue && !path.hasSuffix(".lock")
    }
}
