import Foundation
import Testing
import WheelhouseTestSupport

/// What a hostile or unlucky client found (issue 13), each against a real `wheelhouse serve`.
@Suite(.serialized, .tags(.endToEnd), .skippedInFastTier)
struct HardeningEndToEndTests {
    static let hostileClient = TestSupport.repositoryRoot.appendingPathComponent("Tests/Fixtures/hostile_client.py").path

    static func hostile(_ arguments: [String]) async throws -> [String: Any] {
        let result = try await ProcessRunner.check(TestSupport.python, [hostileClient] + arguments)
        return try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any], "\(result.stdoutText)")
    }

    @Test func earlyAnsweredConnectionsAreClosedAndTheirDescriptorsReleased() async throws {
        let work = try TestSupport.makeTemporaryDirectory("wh-fds")
        let server = try await ServerProcess.start(
            store: work.appendingPathComponent("store"), extraArguments: ["--tokens-required-for", "none", "--max-upload-size", "1"])
        // Clients that read the answer and keep their socket open, as an attacker would.
        let report = try await Self.hostile(["early-answers", "\(server.port)", "\(server.child.pid)", "200"])
        await server.stop()
        let statuses = report["statuses"] as? [String: Int] ?? [:]
        #expect(statuses == ["431": 67, "413": 67, "400": 66], "\(report)")
        let baseline = try #require(report["baseline"] as? Int), after = try #require(report["after"] as? Int)
        #expect(after <= baseline + 2, "the server kept \(after - baseline) descriptors of answered connections: \(report)")
        #expect((report["settle_seconds"] as? Double ?? 99) < 5, "\(report)")
        #expect(report["healthz"] as? String == "200", "\(report)")
    }

    /// A connection kept alive after answers from the front fast path does not hold up a
    /// graceful shutdown: the server exits at once, with status 0.
    @Test func aKeptAliveConnectionDoesNotHoldUpShutdown() async throws {
        let work = try TestSupport.makeTemporaryDirectory("wh-quiesce")
        let server = try await ServerProcess.start(store: work.appendingPathComponent("store"))
        let connection = try RawFastPathTests.Connection(port: server.port)
        for _ in 0..<3 {
            connection.send("GET /simple/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(try await connection.response().status.hasPrefix("HTTP/1.1 200"))
        }
        let started = ContinuousClock.now
        let status = await server.stop()
        #expect(status == 0, "graceful shutdown on SIGTERM should exit 0")
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func aConnectionThatSendsNothingIsClosedAfterTheIdleTimeout() async throws {
        let work = try TestSupport.makeTemporaryDirectory("wh-idle")
        let server = try await ServerProcess.start(
            store: work.appendingPathComponent("store"), extraArguments: ["--idle-timeout", "2"])
        let report = try await Self.hostile(["idle", "\(server.port)", "\(server.child.pid)", "20", "6"])
        await server.stop()
        #expect(report["closed"] as? Int == 20, "\(report)")
        let baseline = try #require(report["baseline"] as? Int), after = try #require(report["after"] as? Int)
        #expect(after <= baseline + 2, "\(report)")
    }

    @Test(.enabled(if: Tmpfs.available, "needs root to mount a tmpfs"))
    func aFailedUploadRemovesItsBytesSoAnotherFileOfThatNameIsAccepted() async throws {
        let work = try TestSupport.makeTemporaryDirectory("wh-full")
        let disk = try await Tmpfs.mount(at: work.appendingPathComponent("disk"), size: "8m")
        defer { disk.unmount() }
        let store = disk.path.appendingPathComponent("store")
        let spool = work.appendingPathComponent("spool")
        try FileManager.default.createDirectory(at: spool, withIntermediateDirectories: true)
        let server = try await ServerProcess.start(
            store: store, extraArguments: ["--tokens-required-for", "none", "--spool-dir", spool.path])
        let first = try await DistFixtures.make("diskfull", "1.0", in: work.appendingPathComponent("a"), payload: 300_000)
        let other = try await DistFixtures.make(
            "diskfull", "1.0", in: work.appendingPathComponent("b"), payload: 300_000, headers: ["Keywords: other"])
        let size = try #require(try FileManager.default.attributesOfItem(atPath: first.path)[.size] as? Int)
        // Room for the file's bytes and nothing more: its metadata (or record) cannot be written.
        try disk.fill(leaving: Int64((size + 4095) / 4096 * 4096))
        let (status, body, _) = try await curlUpload(server.uploadURL, file: first)
        #expect(status == 503, "\(body)")
        #expect(!body.contains(disk.path.path) && !body.contains("_wheelhouse"), "the answer names server paths: \(body)")
        let key = "packages/diskfull/\(first.lastPathComponent)"
        #expect(!FileManager.default.fileExists(atPath: store.appendingPathComponent(key).path), "the failed upload left its bytes")

        try FileManager.default.removeItem(at: disk.path.appendingPathComponent("filler"))
        let (again, againBody, _) = try await curlUpload(server.uploadURL, file: other)
        #expect(again == 200, "another file of that name was refused: \(againBody)")
        let (listed, page) = try await rawStatus(server.baseURL, "/simple/diskfull/")
        #expect(listed == 200 && page.contains(first.lastPathComponent))
        let stored = try Data(contentsOf: store.appendingPathComponent(key))
        #expect(stored == (try Data(contentsOf: other)))
        await server.stop()
    }

    @Test(.enabled(if: Tmpfs.available, "needs root to mount a tmpfs"))
    func aFullSpoolDiskAnswers503WithoutNamingServerPaths() async throws {
        let work = try TestSupport.makeTemporaryDirectory("wh-spoolfull")
        let disk = try await Tmpfs.mount(at: work.appendingPathComponent("spool"), size: "1m")
        defer { disk.unmount() }
        let server = try await ServerProcess.start(
            store: work.appendingPathComponent("store"), extraArguments: ["--tokens-required-for", "none", "--spool-dir", disk.path.path])
        let wheel = try await DistFixtures.make("bigspool", "1.0", in: work.appendingPathComponent("d"), payload: 3 << 20)
        let (status, body, head) = try await curlUpload(server.uploadURL, file: wheel)
        #expect(status == 503, "\(body)")
        #expect(head.lowercased().contains("retry-after:"), "\(head)")
        #expect(!body.contains(disk.path.path) && !body.contains("wheelhouse-upload"), "the answer names server paths: \(body)")
        // The cause, with the server path, is in the log instead.
        let log = String(decoding: server.log, as: UTF8.self)
        #expect(log.contains("request failed") && log.contains(disk.path.path), "\(log)")
        // Nothing is left in the spool.
        let left =
            FileManager.default.enumerator(atPath: disk.path.path)?.allObjects.compactMap { $0 as? String }
            .filter { !$0.hasSuffix(".lock") && $0.contains("wheelhouse-upload") } ?? []
        #expect(left.isEmpty, "\(left)")
        await server.stop()
    }

    @Test func aRevokedTokenIsRefusedWithinSecondsWhateverTheIndexStaleness() async throws {
        let work = try TestSupport.makeTemporaryDirectory("wh-revoke")
        let store = work.appendingPathComponent("store")
        let created = try await ProcessRunner.check(
            Products.wheelhouse, ["token", "create", "reader", "--scope", "read", "--store", store.path, "--json"])
        let token = try #require((try JSONSerialization.jsonObject(with: created.stdout) as? [String: Any])?["token"] as? String)
        let server = try await ServerProcess.start(
            store: store, extraArguments: ["--tokens-required-for", "read", "--index-staleness", "30"])
        let auth = "Authorization: Basic \(Data("__token__:\(token)".utf8).base64EncodedString())"
        #expect(try await rawStatus(server.baseURL, "/simple/", headers: [auth]).0 == 200)
        try await ProcessRunner.check(Products.wheelhouse, ["token", "revoke", "reader", "--store", store.path])
        let revoked = ContinuousClock.now
        var status = 200
        while status == 200, ContinuousClock.now - revoked < .seconds(10) {
            status = try await rawStatus(server.baseURL, "/simple/", headers: [auth]).0
            if status == 200 { try await Task.sleep(for: .milliseconds(200)) }
        }
        let waited = ContinuousClock.now - revoked
        await server.stop()
        #expect(status == 403)
        #expect(waited < .seconds(4), "a revoked token was still accepted for \(waited)")
    }

    @Test func aBodyThatStopsArrivingIsAnswered408AndItsConnectionClosed() async throws {
        let work = try TestSupport.makeTemporaryDirectory("wh-408")
        let store = work.appendingPathComponent("store")
        let server = try await ServerProcess.start(
            store: store, extraArguments: ["--tokens-required-for", "none", "--request-timeout", "2", "--idle-timeout", "10"])
        let report = try await Self.hostile(["stalled-body", "\(server.port)"])
        // The server still answers, and nothing of the stalled upload was published.
        let (page, _) = try await rawStatus(server.baseURL, "/simple/stall/")
        await server.stop()
        #expect(report["status"] as? String == "408", "\(report)")
        let seconds = try #require(report["seconds"] as? Double)
        #expect(seconds >= 1.5 && seconds < 6, "answered after \(seconds) s with --request-timeout 2: \(report)")
        #expect(report["closed"] as? Bool == true, "\(report)")
        #expect(page == 404)
    }

    @Test func anUploadPastTheConcurrencyLimitIsAnswered503BeforeItsBodyIsRead() async throws {
        let work = try TestSupport.makeTemporaryDirectory("wh-slots")
        let store = work.appendingPathComponent("store")
        let server = try await ServerProcess.start(
            store: store, extraArguments: ["--tokens-required-for", "none", "--max-concurrent-uploads", "1"])
        let wheel = try await DistFixtures.make("slotted", "1.0", in: work.appendingPathComponent("d"))
        // One upload that takes the only slot and holds it (64 KiB sent of 8 MiB, then nothing).
        let clientLog = work.appendingPathComponent("client.log")
        let holder = try ChildProcess(
            TestSupport.python, [Self.hostileClient, "hang-upload", "\(server.port)", "60", "1"], environment: ProcessInfo.processInfo.environment,
            currentDirectory: nil, stdin: nil, stdout: clientLog, stderr: clientLog)
        let deadline = ContinuousClock.now + .seconds(20)
        while ((try? String(contentsOf: clientLog, encoding: .utf8)) ?? "").isEmpty, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        let (busy, busyBody, busyHead) = try await curlUpload(server.uploadURL, file: wheel)
        holder.signal(SIGKILL)
        _ = await holder.wait()
        // The slot is free again once the held upload's connection is gone.
        var (status, body) = (0, "")
        let retryDeadline = ContinuousClock.now + .seconds(30)
        repeat {
            (status, body, _) = try await curlUpload(server.uploadURL, file: wheel)
            if status == 503 { try await Task.sleep(for: .milliseconds(200)) }
        } while status == 503 && ContinuousClock.now < retryDeadline
        await server.stop()
        #expect(busy == 503, "\(busyBody)")
        #expect(busyHead.lowercased().contains("retry-after: 5"), "\(busyHead)")
        #expect(busyBody.contains("uploads already"), "\(busyBody)")
        #expect(status == 200, "\(body)")
    }

    @Test func expectContinueIsAnsweredOnlyAfterTheUploadIsAuthorized() async throws {
        let work = try TestSupport.makeTemporaryDirectory("wh-continue")
        let store = work.appendingPathComponent("store")
        let created = try await ProcessRunner.check(
            Products.wheelhouse, ["token", "create", "ci", "--scope", "upload", "--store", store.path, "--json"])
        let token = try #require((try JSONSerialization.jsonObject(with: created.stdout) as? [String: Any])?["token"] as? String)
        let server = try await ServerProcess.start(store: store)
        let wheel = try await DistFixtures.make("continued", "1.0", in: work.appendingPathComponent("d"))
        let accepted = try await Self.hostile(["expect-continue", "\(server.port)", token, wheel.path])
        let refused = try await Self.hostile(["expect-continue", "\(server.port)", "wh_not-a-token", wheel.path])
        let (page, listing) = try await rawStatus(server.baseURL, "/simple/continued/")
        await server.stop()
        #expect(accepted["interim"] as? String == "100" && accepted["final"] as? String == "200", "\(accepted)")
        // A refused client never gets the 100 and never sends its body.
        #expect(refused["interim"] as? String == "403", "\(refused)")
        #expect(page == 200 && listing.contains(wheel.lastPathComponent))
    }

    @Test func aFormThatEndsBeforeItsClosingBoundaryIsRefused() async throws {
        let work = try TestSupport.makeTemporaryDirectory("wh-trunc")
        let store = work.appendingPathComponent("store")
        let server = try await ServerProcess.start(store: store, extraArguments: ["--tokens-required-for", "none"])
        let wheel = try await DistFixtures.make("truncform", "1.0", in: work.appendingPathComponent("d"))
        let report = try await Self.hostile(["truncated-form", "\(server.port)", wheel.path])
        let (page, _) = try await rawStatus(server.baseURL, "/simple/truncform/")
        await server.stop()
        #expect(report["status"] as? String == "400", "\(report)")
        #expect((report["body"] as? String ?? "").contains("closing boundary"), "\(report)")
        #expect(page == 404, "an incomplete form was published")
    }

    @Test func accessLogOffWritesNoRequestLines() async throws {
        let work = try TestSupport.makeTemporaryDirectory("wh-accesslog")
        let quiet = try await ServerProcess.start(store: work.appendingPathComponent("a"), extraArguments: ["--access-log", "off"])
        let loud = try await ServerProcess.start(store: work.appendingPathComponent("b"))
        for server in [quiet, loud] {
            for _ in 0..<3 { #expect(try await rawStatus(server.baseURL, "/simple/").0 == 200) }
        }
        // Lines are written within 50 ms; the stop flushes what is left.
        await quiet.stop()
        await loud.stop()
        let quietLog = String(decoding: quiet.log, as: UTF8.self), loudLog = String(decoding: loud.log, as: UTF8.self)
        #expect(!quietLog.contains("[WheelhouseApp] request"), "\(quietLog)")
        #expect(loudLog.components(separatedBy: "path=/simple/ status=200").count - 1 == 3, "\(loudLog)")
    }

    @Test func aFormWithMoreThanAThousandFieldsIsRefused() async throws {
        let work = try TestSupport.makeTemporaryDirectory("wh-fields")
        let server = try await ServerProcess.start(
            store: work.appendingPathComponent("store"), extraArguments: ["--tokens-required-for", "none"])
        let wheel = try await DistFixtures.make("manyfields", "1.0", in: work.appendingPathComponent("d"))
        var fields: [String: String] = [:]
        for i in 0..<1000 { fields["classifier\(i)"] = "x" }
        let (status, body, _) = try await curlUpload(server.uploadURL, file: wheel, fields: fields)
        let (fewer, fewerBody, _) = try await curlUpload(server.uploadURL, file: wheel, fields: ["classifiers": "x"])
        await server.stop()
        #expect(status == 400 && body.contains("more than 1000 fields"), "\(status) \(body)")
        #expect(fewer == 200, "\(fewerBody)")
    }

    @Test func spoolFilesOfAKilledServerAreRemovedAtTheNextStart() async throws {
        let work = try TestSupport.makeTemporaryDirectory("wh-spoolcrash")
        let store = work.appendingPathComponent("store")
        let spoolRoot = store.appendingPathComponent("_wheelhouse/tmp/spool")
        func spoolFiles() -> [String] {
            (FileManager.default.enumerator(atPath: spoolRoot.path)?.allObjects.compactMap { $0 as? String } ?? [])
                .filter { $0.contains("wheelhouse-upload") }
        }
        let server = try await ServerProcess.start(store: store, extraArguments: ["--tokens-required-for", "none"])
        let clientLog = work.appendingPathComponent("client.log")
        let client = try ChildProcess(
            TestSupport.python, [Self.hostileClient, "hang-upload", "\(server.port)", "60"], environment: ProcessInfo.processInfo.environment,
            currentDirectory: nil, stdin: nil, stdout: clientLog, stderr: clientLog)
        let deadline = ContinuousClock.now + .seconds(20)
        while spoolFiles().isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        #expect(spoolFiles().count == 1, "the upload is not spooled in the store's own temporary folder")
        server.child.signal(SIGKILL)
        _ = await server.child.wait()
        client.signal(SIGKILL)
        _ = await client.wait()
        #expect(spoolFiles().count == 1, "the killed server's spool file should still be there")

        let restarted = try await ServerProcess.start(store: store, extraArguments: ["--tokens-required-for", "none"])
        #expect(spoolFiles().isEmpty, "the spool files of the killed server are still there: \(spoolFiles())")
        await restarted.stop()
        // A clean stop removes the server's own folder.
        let left = (try? FileManager.default.contentsOfDirectory(atPath: spoolRoot.path)) ?? []
        #expect(left.isEmpty, "\(left)")
    }

    @Test func invalidProjectNamesAreNotFoundNeverAServerError() async throws {
        let work = try TestSupport.makeTemporaryDirectory("wh-names")
        let store = work.appendingPathComponent("store")
        let wheel = try await DistFixtures.make("demo-pkg", "1.0", in: work.appendingPathComponent("d"))
        try await ProcessRunner.check(Products.wheelhouse, ["upload", "--store", store.path, wheel.path])
        let server = try await ServerProcess.start(store: store)
        let long = String(repeating: "a", count: 8192)
        let paths = [
            "/packages/Demo-Pkg/x.whl", "/packages/demo_pkg/x.whl", "/packages/../x.whl", "/packages/%2e%2e/x.whl",
            "/packages/demo-pkg/%2e%2e", "/packages/demo-pkg/" + String(repeating: "b", count: 4000) + ".whl",
            "/packages/\(long)/x.whl", "/simple/%2e%2e/", "/simple/a%2fb/", "/simple/demo%20pkg/", "/simple/\(long)/",
            "/simple/%00/", "/simple/-/", "/simple/demo--pkg/",
        ]
        for path in paths {
            let (status, body) = try await rawStatus(server.baseURL, path)
            #expect(status == 404 || status == 301, "\(path.prefix(60)): \(status) \(body.prefix(200))")
            #expect(!body.contains(long), "the answer echoes the 8 KiB name")
        }
        #expect(try await rawStatus(server.baseURL, "/simple/Demo_Pkg/").0 == 301)
        await server.stop()
        #expect(!String(decoding: server.log, as: UTF8.self).contains("store unavailable"))
    }

    @Test func aWheelRenamedToTagsItsWheelFileDoesNotDeclareIsRefused() async throws {
        let work = try TestSupport.makeTemporaryDirectory("wh-tags")
        let server = try await ServerProcess.start(
            store: work.appendingPathComponent("store"), extraArguments: ["--tokens-required-for", "none"])
        let pure = try await ManifestFixtures.wheel("retagged", "1.0", in: work.appendingPathComponent("p"))
        let renamed = work.appendingPathComponent("retagged-1.0-py3-none-manylinux1_x86_64.whl")
        try FileManager.default.copyItem(at: pure, to: renamed)
        let (status, body, _) = try await curlUpload(server.uploadURL, file: renamed)
        #expect(status == 400, "\(body)")
        #expect(body.contains("py3-none-manylinux1_x86_64 is not among the Tag lines"), "\(body)")
        // A compressed tag set whose WHEEL lists each tag (as numpy's) is accepted, and so is the pure wheel.
        let numpyLike = try await ManifestFixtures.wheel(
            "retagged", "1.0", tag: "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64", in: work.appendingPathComponent("n"))
        #expect(try await curlUpload(server.uploadURL, file: numpyLike).0 == 200)
        #expect(try await curlUpload(server.uploadURL, file: pure).0 == 200)
        await server.stop()
    }

    @Test func serveOnAMissingBucketRefusesToStart() async throws {
        let moto = try await MotoServer.sharedSerialized()
        let port = try freeLoopbackPort()
        let result = try await ProcessRunner.run(
            Products.wheelhouse,
            ["serve", "--store", "s3://no-such-bucket-\(port)/index?region=us-east-1&endpoint=\(moto.endpointString)", "--port", "\(port)"],
            environment: TestStore.awsEnvironment, timeout: .seconds(120))
        #expect(result.status == 1, "\(result.stderrText)")
        #expect(result.stderrText.contains("cannot be read") && result.stderrText.contains("NoSuchBucket"), "\(result.stderrText)")
    }

    @Test func controlCharactersInLoggedClientValuesCannotForgeALogLine() async throws {
        let work = try TestSupport.makeTemporaryDirectory("wh-forge")
        let server = try await ServerProcess.start(
            store: work.appendingPathComponent("store"), extraArguments: ["--tokens-required-for", "none"])
        let forged = "2099-01-01T00:00:00+0000 notice wheelhouse : forged-entry user=admin"
        let report = try await Self.hostile(["forged-filename", "\(server.port)", forged])
        #expect(report["status"] as? String == "400", "\(report)")
        await server.stop()
        let log = String(decoding: server.log, as: UTF8.self)
        #expect(log.contains("forged-entry"), "the refused upload was not logged")
        let lines = log.split(separator: "\n")
        #expect(!lines.contains { $0.hasPrefix("2099-01-01") }, "a client forged a log line")
    }
}

/// A small tmpfs, to fill a disk on purpose (root only; the tests that need one are skipped otherwise).
struct Tmpfs {
    let path: URL
    static var available: Bool { getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/bin/mount") }

    static func mount(at path: URL, size: String) async throws -> Tmpfs {
        try FileManager.default.createDirectory(at: path, withIntermediateDirectories: true)
        try await ProcessRunner.check("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size)", "tmpfs", path.path])
        return Tmpfs(path: path)
    }

    /// Free bytes, as the file system reports them.
    var freeBytes: Int64 {
        get throws {
            let attributes = try FileManager.default.attributesOfFileSystem(forPath: path.path)
            return (attributes[.systemFreeSize] as? NSNumber)?.int64Value ?? 0
        }
    }

    /// Fills the file system but for `leaving` bytes.
    func fill(leaving: Int64, name: String = "filler") throws {
        let free = try freeBytes
        let filler = path.appendingPathComponent(name)
        _ = FileManager.default.createFile(atPath: filler.path, contents: nil)
        let handle = try FileHandle(forWritingTo: filler)
        defer { try? handle.close() }
        var left = free - leaving
        let block = Data(count: 1 << 16)
        while left > 0 {
            let n = Int(min(Int64(block.count), left))
            try handle.write(contentsOf: block.prefix(n))
            left -= Int64(n)
        }
    }

    func unmount() {
        _ = try? ProcessRunner.runBlocking("/bin/umount", ["-l", path.path])
    }
}

/// An upload as twine sends it, through curl: the status, the body and the headers.
func curlUpload(_ url: String, file: URL, fields: [String: String] = [:], token: String? = nil) async throws -> (Int, String, String) {
    let dir = try TestSupport.makeTemporaryDirectory("wh-curl")
    defer { try? FileManager.default.removeItem(at: dir) }
    var args = [
        "-s", "-o", dir.appendingPathComponent("body").path, "-D", dir.appendingPathComponent("head").path,
        "-w", "%{http_code}", "-F", ":action=file_upload", "-F", "protocol_version=1",
    ]
    for (k, v) in fields.sorted(by: { $0.key < $1.key }) { args += ["-F", "\(k)=\(v)"] }
    args += ["-F", "content=@\(file.path)"]
    if let token { args += ["-u", "__token__:\(token)"] }
    let result = try await ProcessRunner.run("/usr/bin/curl", args + [url])
    let body = (try? String(contentsOf: dir.appendingPathComponent("body"), encoding: .utf8)) ?? ""
    let head = (try? String(contentsOf: dir.appendingPathComponent("head"), encoding: .utf8)) ?? ""
    return (Int(result.stdoutText) ?? 0, body, head)
}

/// The status of a GET of `path` exactly as written (curl does not resolve `..` nor re-encode).
func rawStatus(_ base: String, _ path: String, headers: [String] = []) async throws -> (Int, String) {
    let dir = try TestSupport.makeTemporaryDirectory("wh-raw")
    defer { try? FileManager.default.removeItem(at: dir) }
    var args = ["-s", "--path-as-is", "-o", dir.appendingPathComponent("body").path, "-w", "%{http_code}"]
    for h in headers { args += ["-H", h] }
    let result = try await ProcessRunner.run("/usr/bin/curl", args + [base + path])
    return (Int(result.stdoutText) ?? 0, (try? String(contentsOf: dir.appendingPathComponent("body"), encoding: .utf8)) ?? "")
}
