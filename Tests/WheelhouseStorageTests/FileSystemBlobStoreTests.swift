import Foundation
import Testing
import WheelhouseStorage
import WheelhouseTestSupport

/// What only the file-system backend has: paths, temp files, lock files, other processes.
@Suite("FileSystemBlobStore")
struct FileSystemBlobStoreTests {
    let root: URL

    init() throws {
        root = try TestSupport.makeTemporaryDirectory("fsblobstore")
    }

    private func file(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    private func temporaryFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: file("_wheelhouse/tmp").path)
    }

    @Test func keysAreFilesUnderTheRootAndNoTemporaryFileRemains() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try FileSystemBlobStore(root: root)
        #expect(store.displayName == "file://" + root.standardizedFileURL.path)
        try await store.write("packages/demo/demo-1.0.tar.gz", data: Data("sdist".utf8), contentType: nil, condition: .ifAbsent)
        try await store.write("packages/demo/demo-1.0.tar.gz", data: Data("again".utf8), contentType: nil, condition: .none)
        #expect(try Data(contentsOf: file("packages/demo/demo-1.0.tar.gz")) == Data("again".utf8))
        await #expect(throws: BlobStoreError.preconditionFailed(key: "packages/demo/demo-1.0.tar.gz")) {
            try await store.write("packages/demo/demo-1.0.tar.gz", data: Data("x".utf8), contentType: nil, condition: .ifAbsent)
        }
        #expect(try temporaryFiles().isEmpty)
    }

    @Test func crashLeftoversAreInvisibleAndStaleOnesRemovedOnOpen() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        _ = try FileSystemBlobStore(root: root)
        let stale = file("_wheelhouse/tmp/stale.tmp")
        let fresh = file("_wheelhouse/tmp/fresh.tmp")
        try Data("half a wheel".utf8).write(to: stale)
        try Data("a write in progress".utf8).write(to: fresh)
        let now = Date()
        try FileManager.default.setAttributes([.modificationDate: now.addingTimeInterval(-7200)], ofItemAtPath: stale.path)

        let store = try FileSystemBlobStore(root: root, now: now)
        #expect(try temporaryFiles() == ["fresh.tmp"])
        try await store.write("_wheelhouse/state", data: Data("s".utf8), contentType: nil, condition: .none)
        #expect(try await store.list(prefix: "").map(\.key) == ["_wheelhouse/state"])
        #expect(try await store.list(prefix: "_wheelhouse/t").isEmpty)
        #expect(try await store.list(prefix: "_wheelhouse/locks/").isEmpty)
        await #expect(throws: BlobStoreError.invalidKey("_wheelhouse/tmp/fresh.tmp")) {
            try await store.get("_wheelhouse/tmp/fresh.tmp", range: nil)
        }
    }

    @Test func symlinksAreNotObjects() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try FileSystemBlobStore(root: root)
        let outside = try TestSupport.makeTemporaryDirectory("fsblobstore-outside")
        defer { try? FileManager.default.removeItem(at: outside) }
        try Data("secret".utf8).write(to: outside.appendingPathComponent("secret"))
        try FileManager.default.createSymbolicLink(at: file("link"), withDestinationURL: outside.appendingPathComponent("secret"))
        #expect(try await store.head("link") == nil)
        #expect(try await store.read("link") == nil)
        await #expect(throws: BlobStoreError.notFound(key: "link")) { try await store.get("link", range: nil) }
        #expect(try await store.list(prefix: "").isEmpty)
    }

    @Test func anObjectCannotAlsoBeADirectory() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try FileSystemBlobStore(root: root)
        try await store.write("a", data: Data("a".utf8), contentType: nil, condition: .none)
        await #expect(throws: BlobStoreError.self) {
            try await store.write("a/b", data: Data("b".utf8), contentType: nil, condition: .none)
        }
        try await store.write("c/d", data: Data("d".utf8), contentType: nil, condition: .none)
        await #expect(throws: BlobStoreError.self) {
            try await store.write("c", data: Data("c".utf8), contentType: nil, condition: .none)
        }
        #expect(try await store.list(prefix: "").map(\.key) == ["a", "c/d"])
        #expect(try temporaryFiles().isEmpty)
    }

    /// Separate instances open separate lock descriptors, so this exercises `flock` itself,
    /// as separate processes would.
    @Test func compareAndSwapAcrossInstancesOnOneRoot() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let stores = try (0..<8).map { _ in try FileSystemBlobStore(root: root) }
        let writers = 50
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                let store = stores[writer % stores.count]
                group.addTask { try await appendLine("writer \(writer)", to: "records/shared", in: store) }
            }
            try await group.waitForAll()
        }
        let record = try #require(try await stores[0].read("records/shared"))
        #expect(Set(lines(of: record.data)) == Set((0..<writers).map { "writer \($0)" }))
        #expect(lines(of: record.data).count == writers)
        #expect(try temporaryFiles().isEmpty)
    }

    /// Python processes follow the same protocol as the store (etag from `stat`, temp file,
    /// stripe lock by SHA-256 of the key, check, rename or link) while Swift tasks append too.
    @Test(.tags(.endToEnd), .skippedInFastTier, .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")))
    func compareAndSwapAgainstOtherProcesses() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let root = self.root
        let store = try FileSystemBlobStore(root: root)
        let script = root.appendingPathComponent("cas_append.py")
        try Data(Self.casAppendScript.utf8).write(to: script)
        let key = "records/cross-process"
        let processes = 4
        let linesPerProcess = 15
        let swiftLines = 30

        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<processes {
                group.addTask {
                    let result = try await ProcessRunner.run(
                        "/usr/bin/python3", [script.path, root.path, key, "python\(index)", String(linesPerProcess)])
                    #expect(result.status == 0, "\(result.stderrText)")
                }
            }
            for line in 0..<swiftLines {
                group.addTask { try await appendLine("swift-\(line)", to: key, in: store) }
            }
            try await group.waitForAll()
        }

        let record = try #require(try await store.read(key))
        let expected =
            (0..<processes).flatMap { p in (0..<linesPerProcess).map { "python\(p)-\($0)" } }
            + (0..<swiftLines).map { "swift-\($0)" }
        #expect(lines(of: record.data).count == expected.count)
        #expect(Set(lines(of: record.data)) == Set(expected))
        #expect(try temporaryFiles().isEmpty)
    }

    /// The store's write protocol, for `compareAndSwapAgainstOtherProcesses`.
    static let casAppendScript = #"""
        import fcntl, hashlib, os, sys, time, uuid

        root, key, label, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
        path = os.path.join(root, key)
        temporary_directory = os.path.join(root, "_wheelhouse", "tmp")
        lock_path = os.path.join(root, "_wheelhouse", "locks", hashlib.sha256(key.encode()).hexdigest()[:2] + ".lock")

        def etag(status):
            return f"{status.st_ino}-{status.st_mtime_ns}-{status.st_size}"

        os.makedirs(os.path.dirname(path), exist_ok=True)
        for i in range(count):
            line = f"{label}-{i}\n".encode()
            while True:
                try:
                    with open(path, "rb") as f:
                        expected, data = etag(os.fstat(f.fileno())), f.read()
                except FileNotFoundError:
                    expected, data = None, b""
                temporary = os.path.join(temporary_directory, uuid.uuid4().hex + ".tmp")
                with open(temporary, "wb") as f:
                    f.write(data + line)
                    f.flush()
                    now = time.time_ns()
                    os.utime(f.fileno(), ns=(now, now))
                    os.fsync(f.fileno())
                lock = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX)
                    if expected is None:
                        try:
                            os.link(temporary, path)
                            swapped = True
                        except FileExistsError:
                            swapped = False
                        os.unlink(temporary)
                    else:
                        try:
                            swapped = etag(os.lstat(path)) == expected
                        except FileNotFoundError:
                            swapped = False
                        if swapped:
                            os.rename(temporary, path)
                        else:
                            os.unlink(temporary)
                finally:
                    os.close(lock)
                if swapped:
                    break
        """#
}
