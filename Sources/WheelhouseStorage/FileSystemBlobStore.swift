import Crypto
public import Foundation
import NIOCore
public import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A `BlobStore` in a local directory: the key `packages/demo/x.whl` is the file
/// `<root>/packages/demo/x.whl`.
///
/// Every write goes to a new file in `<root>/_wheelhouse/tmp/` (same file system as its
/// destination), is fsynced, then renamed (or, for `.ifAbsent`, hard-linked, which fails
/// atomically when the key exists) into place, and the directory is fsynced: a reader sees the
/// old object or the new one, and a completed write survives a crash.
///
/// Writes and deletes of a key hold an exclusive `flock` on a lock file in
/// `<root>/_wheelhouse/locks/` while they check their condition and rename, so compare-and-swap
/// (`.ifMatch`) is safe across threads, store instances and processes sharing the directory.
/// Lock files are striped by the first byte of SHA-256(key): 256 files at most, however many
/// keys; two keys sharing a stripe only wait for each other's rename.
///
/// Blocking system calls run on a `NIOThreadPool`, never on Swift's cooperative pool (only a
/// few threads wide; one stuck in a slow disk or a held lock would stall unrelated tasks).
/// Reads use `pread` on a descriptor owned by the body stream rather than `_NIOFileSystem`'s
/// handles, which must be closed explicitly and asynchronously: a body dropped half-read (a
/// client gone) would leak them.
///
/// Limitations next to S3: a key cannot be both an object and a "directory" of other keys
/// (`a` and `a/b`; such a write throws `BlobStoreError.backend`), and `contentType` is not
/// kept (a file has none; whoever serves it derives one from the key). Deleting leaves empty
/// directories behind: removing them would race with writers creating files in them.
public final class FileSystemBlobStore: BlobStore {
    /// The default size of the chunks a body yields: large enough that the per-chunk hop to
    /// the thread pool costs little next to copying the bytes.
    public static let defaultChunkSize = 512 * 1024

    /// The root directory, absolute and standardized.
    public let root: URL
    public let displayName: String
    private let rootPath: String
    private let temporaryDirectory: String
    private let lockDirectory: String
    private let chunkSize: Int
    private let threadPool: NIOThreadPool

    /// Opens (creating it if needed) a store rooted at `root`, and removes temporary files left
    /// by writers that crashed: those last modified more than `staleTemporaryFileAge` ago.
    ///
    /// - Parameters:
    ///   - chunkSize: the size of the chunks `get` yields.
    ///   - threadPool: where blocking system calls run.
    ///   - now: the current time, for telling stale temporary files.
    public init(
        root: URL,
        chunkSize: Int = FileSystemBlobStore.defaultChunkSize,
        threadPool: NIOThreadPool = .singleton,
        staleTemporaryFileAge: TimeInterval = 3600,
        now: Date = Date()
    ) throws {
        precondition(chunkSize > 0, "chunkSize must be positive")
        let root = StoreLocation.normalizedDirectory(root)
        self.root = root
        self.rootPath = root.path
        self.displayName = StoreLocation.fileSystem(root).description
        self.temporaryDirectory = rootPath + "/_wheelhouse/tmp"
        self.lockDirectory = rootPath + "/_wheelhouse/locks"
        self.chunkSize = chunkSize
        self.threadPool = threadPool
        try POSIX.makeDirectories(temporaryDirectory)
        try POSIX.makeDirectories(lockDirectory)
        try removeStaleTemporaryFiles(olderThan: now.addingTimeInterval(-staleTemporaryFileAge))
    }

    // MARK: Reading

    public func head(_ key: String) async throws -> BlobInfo? {
        let path = try path(for: key)
        return try await threadPool.runIfActive {
            guard let status = try POSIX.linkStatus(path), POSIX.isRegularFile(status) else { return nil }
            return Self.info(key, status)
        }
    }

    public func get(_ key: String, range: ByteRange?) async throws -> (info: BlobInfo, body: BlobBody) {
        let path = try path(for: key)
        let (file, info) = try await threadPool.runIfActive { try Self.openObject(key, path) }
        let reader = FileChunkReader(
            file: file, bounds: ByteBounds(range, size: info.size), chunkSize: chunkSize, threadPool: threadPool
        )
        return (info, BlobBody(unfolding: { try await reader.next() }))
    }

    public func read(_ key: String) async throws -> (data: Data, info: BlobInfo)? {
        let path = try path(for: key)
        return try await threadPool.runIfActive {
            guard let (file, info) = try Self.openObjectIfExists(key, path) else { return nil }
            var data = Data(count: Int(info.size))
            try data.withUnsafeMutableBytes { try file.readFully(into: $0, at: 0) }
            return (data, info)
        }
    }

    public func list(prefix: String) async throws -> [BlobInfo] {
        try await threadPool.runIfActive { try self.walk(prefix: prefix) }
    }

    // MARK: Writing

    @discardableResult
    public func write(
        _ key: String, data: Data, contentType: String?, condition: WriteCondition
    ) async throws -> BlobInfo {
        let path = try path(for: key)
        return try await threadPool.runIfActive {
            try Self.precheck(condition, key: key, path: path)
            let temporary = try self.makeTemporaryFile()
            do {
                try data.withUnsafeBytes { try temporary.writeAll($0) }
                return try self.commit(temporary, key: key, path: path, condition: condition)
            } catch {
                unlink(temporary.path)
                throw error
            }
        }
    }

    @discardableResult
    public func write(
        _ key: String, contentsOf file: URL, contentType: String?, condition: WriteCondition
    ) async throws -> BlobInfo {
        let path = try path(for: key)
        let source = try await threadPool.runIfActive {
            try Self.precheck(condition, key: key, path: path)
            return try POSIXFile.make(file.path, flags: O_RDONLY)
        }
        let temporary = try await threadPool.runIfActive { try self.makeTemporaryFile() }
        do {
            // One chunk per hop to the pool, so a large upload does not hold a thread for long.
            let chunkSize = max(self.chunkSize, 1 << 20)
            while try await threadPool.runIfActive({ try Self.copyChunk(from: source, to: temporary, size: chunkSize) }) {
                try Task.checkCancellation()
            }
            return try await threadPool.runIfActive {
                try self.commit(temporary, key: key, path: path, condition: condition)
            }
        } catch {
            unlink(temporary.path)
            throw error
        }
    }

    public func delete(_ key: String) async throws {
        let path = try path(for: key)
        try await threadPool.runIfActive {
            let deleted = try self.withLock(on: key) {
                guard unlink(path) == 0 else {
                    let code = errno
                    // Nothing there, or only a "directory" of other keys (EISDIR on Linux,
                    // EPERM on Darwin): no object to delete.
                    if code == ENOENT || code == ENOTDIR { return false }
                    if let status = try POSIX.linkStatus(path), POSIX.isDirectory(status) { return false }
                    throw POSIX.error("cannot delete", path, code)
                }
                return true
            }
            if deleted { try POSIX.syncDirectory(Self.parent(of: path)) }
        }
    }

    /// Opens the object `key` to send it straight from its file (sendfile), synchronously: its
    /// descriptor, which the caller then owns and closes, and its size. Nil when there is no such
    /// object (or it cannot be opened). Never follows a symlink in the last component, as `get`.
    public func openForSending(_ key: String) -> (descriptor: CInt, size: Int64)? {
        guard let path = try? path(for: key) else { return nil }
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        var status = stat()
        guard fstat(descriptor, &status) == 0, POSIX.isRegularFile(status) else {
            close(descriptor)
            return nil
        }
        return (descriptor, Int64(status.st_size))
    }

    // MARK: Internals

    /// The file of `key`; throws `invalidKey` for keys that could escape the root.
    private func path(for key: String) throws -> String {
        try BlobKey.validate(key)
        return rootPath + "/" + key
    }

    private static func parent(of path: String) -> String {
        (path as NSString).deletingLastPathComponent
    }

    private static func info(_ key: String, _ status: stat) -> BlobInfo {
        BlobInfo(
            key: key, size: Int64(status.st_size), etag: POSIX.etag(status),
            lastModified: POSIX.modificationDate(status)
        )
    }

    private static func openObject(_ key: String, _ path: String) throws -> (POSIXFile, BlobInfo) {
        guard let opened = try openObjectIfExists(key, path) else { throw BlobStoreError.notFound(key: key) }
        return opened
    }

    /// Opens the object's file, never following a symlink in its last component (the same
    /// files `list` reports).
    private static func openObjectIfExists(_ key: String, _ path: String) throws -> (POSIXFile, BlobInfo)? {
        guard let file = try POSIXFile.makeIfExists(path, flags: O_RDONLY | O_NOFOLLOW) else { return nil }
        let status = try file.status()
        guard POSIX.isRegularFile(status) else { return nil }
        return (file, info(key, status))
    }

    private func makeTemporaryFile() throws -> POSIXFile {
        try POSIXFile.make(
            temporaryDirectory + "/" + UUID().uuidString + ".tmp", flags: O_WRONLY | O_CREAT | O_EXCL
        )
    }

    /// Copies the next `size` bytes of `source` to `destination`; false at the end of `source`.
    private static func copyChunk(from source: POSIXFile, to destination: POSIXFile, size: Int) throws -> Bool {
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        defer { memory.deallocate() }
        var copied = 0
        while copied < size {
            let n = try source.readSome(into: UnsafeMutableRawBufferPointer(rebasing: memory[copied...]))
            if n == 0 { break }
            copied += n
        }
        try destination.writeAll(UnsafeRawBufferPointer(rebasing: memory[..<copied]))
        return copied == size
    }

    /// Fails early, before a file is copied and synced in vain, when `condition` already does
    /// not hold. `commit` checks again under the lock.
    private static func precheck(_ condition: WriteCondition, key: String, path: String) throws {
        switch condition {
        case .none:
            return
        case .ifAbsent:
            guard try POSIX.linkStatus(path) == nil else { throw BlobStoreError.preconditionFailed(key: key) }
        case .ifMatch(let etag):
            guard let current = try POSIX.linkStatus(path), POSIX.etag(current) == etag else {
                throw BlobStoreError.preconditionFailed(key: key)
            }
        }
    }

    /// Makes `temporary` durable and moves it to `path` if `condition` holds.
    private func commit(
        _ temporary: POSIXFile, key: String, path: String, condition: WriteCondition
    ) throws -> BlobInfo {
        try temporary.stampModificationTime()
        try temporary.sync()
        // The inode travels with the rename or link, so this is the object's info.
        let info = Self.info(key, try temporary.status())
        let directory = Self.parent(of: path)
        try POSIX.makeDirectories(directory)
        try withLock(on: key) {
            switch condition {
            case .none:
                try move(temporary.path, to: path, key: key)
            case .ifMatch(let etag):
                guard let current = try POSIX.linkStatus(path), POSIX.isRegularFile(current),
                    POSIX.etag(current) == etag
                else { throw BlobStoreError.preconditionFailed(key: key) }
                try move(temporary.path, to: path, key: key)
            case .ifAbsent:
                // link(2) fails with EEXIST if anything is there: an atomic "create if absent".
                guard link(temporary.path, path) == 0 else {
                    let code = errno
                    if code == EEXIST { throw BlobStoreError.preconditionFailed(key: key) }
                    throw POSIX.error("cannot link '\(temporary.path)' to", path, code)
                }
                unlink(temporary.path)
            }
        }
        // Outside the lock: other writers need not wait for the disk. Our caller does.
        try POSIX.syncDirectory(directory)
        return info
    }

    private func move(_ from: String, to path: String, key: String) throws {
        guard rename(from, path) == 0 else {
            let code = errno
            if code == EISDIR || code == ENOTDIR {
                throw BlobStoreError.backend(.directoryConflict(key: key))
            }
            throw POSIX.error("cannot rename '\(from)' to", path, code)
        }
    }

    /// Runs `body` holding the exclusive lock of `key`'s stripe. `body` must not suspend:
    /// the lock is held by a pool thread until it returns.
    private func withLock<T>(on key: String, _ body: () throws -> T) throws -> T {
        let stripe: UInt8 = Array(SHA256.hash(data: Data(key.utf8))).first ?? 0
        let lock = try POSIXFile.make(
            lockDirectory + "/" + String(format: "%02x", stripe) + ".lock", flags: O_RDWR | O_CREAT
        )
        try lock.lockExclusively()
        return try body()  // closing `lock` when it goes away releases the flock
    }

    private func removeStaleTemporaryFiles(olderThan limit: Date) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: temporaryDirectory)
        for name in names {
            let path = temporaryDirectory + "/" + name
            guard let status = try POSIX.linkStatus(path), POSIX.modificationDate(status) < limit else { continue }
            unlink(path)
        }
    }

    /// Every object whose key starts with `prefix`, walking only the directories that can hold one.
    private func walk(prefix: String) throws -> [BlobInfo] {
        // The directory part of the prefix ("packages/de" → "packages"); if it is not a path
        // a valid key could have, no key has this prefix.
        let directoryPart = prefix.utf8.lastIndex(of: UInt8(ascii: "/")).map { String(prefix[..<$0]) } ?? ""
        if !directoryPart.isEmpty, !BlobKey.isValid(directoryPart + "/x") { return [] }
        var found: [BlobInfo] = []
        try walk(directory: directoryPart, prefix: prefix, into: &found)
        return found.sorted { BlobKey.precedes($0.key, $1.key) }
    }

    private func walk(directory: String, prefix: String, into found: inout [BlobInfo]) throws {
        let directoryPath = directory.isEmpty ? rootPath : rootPath + "/" + directory
        guard let handle = opendir(directoryPath) else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return }
            throw POSIX.error("cannot list", directoryPath, code)
        }
        defer { closedir(handle) }
        let descriptor = dirfd(handle)
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) {
                    String(validatingCString: $0)
                }
            }
            // Names that are not UTF-8 cannot be keys.
            guard let name, name != ".", name != ".." else { continue }
            let key = directory.isEmpty ? name : directory + "/" + name
            var status = stat()
            guard fstatat(descriptor, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else {
                let code = errno
                if code == ENOENT { continue }  // deleted meanwhile
                throw POSIX.error("cannot stat", directoryPath + "/" + name, code)
            }
            if POSIX.isDirectory(status) {
                guard !BlobKey.isReserved(key) else { continue }
                let subdirectory = key + "/"
                if BlobKey.key(subdirectory, hasPrefix: prefix) || BlobKey.key(prefix, hasPrefix: subdirectory) {
                    try walk(directory: key, prefix: prefix, into: &found)
                }
            } else if POSIX.isRegularFile(status), BlobKey.key(key, hasPrefix: prefix), BlobKey.isValid(key) {
                found.append(Self.info(key, status))
            }
        }
    }
}

/// Reads an open file chunk by chunk on the thread pool, one chunk per `next()`: the pull
/// that `BlobBody` promises. The descriptor stays open across chunks (a replaced object keeps
/// streaming its old inode) and is closed at the end, on error, or when the body is dropped.
private actor FileChunkReader {
    private var file: POSIXFile?
    private var offset: Int64
    private let end: Int64
    private let chunkSize: Int
    private let threadPool: NIOThreadPool

    init(file: POSIXFile, bounds: ByteBounds, chunkSize: Int, threadPool: NIOThreadPool) {
        self.file = bounds.count > 0 ? file : nil
        self.offset = bounds.start
        self.end = bounds.end
        self.chunkSize = chunkSize
        self.threadPool = threadPool
    }

    func next() async throws -> ByteBuffer? {
        guard let file, offset < end else {
            file = nil
            return nil
        }
        let count = Int(min(Int64(chunkSize), end - offset))
        let offset = self.offset
        do {
            let chunk = try await threadPool.runIfActive { try file.readChunk(count: count, at: offset) }
            self.offset += Int64(count)
            return chunk
        } catch {
            self.file = nil
            throw error
        }
    }
}
