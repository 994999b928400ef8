import Foundation
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An open file descriptor, closed when the last reference goes away. A body stream that is
/// dropped half-read thus still closes its file: `AsyncThrowingStream(unfolding:)` has no
/// termination hook to do it.
final class POSIXFile: Sendable {
    let descriptor: CInt
    /// For error messages.
    let path: String

    private init(descriptor: CInt, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit {
        close(descriptor)
    }

    /// Opens `path`; `ENOENT`, `ENOTDIR` and `ELOOP` (the last component is a symlink and
    /// `O_NOFOLLOW` was given) come back as nil.
    static func makeIfExists(_ path: String, flags: CInt, mode: mode_t = 0o644) throws -> POSIXFile? {
        let descriptor = retryingOnInterrupt { open(path, flags | O_CLOEXEC, mode) }
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR || code == ELOOP { return nil }
            throw POSIX.error("cannot open", path, code)
        }
        return POSIXFile(descriptor: descriptor, path: path)
    }

    static func make(_ path: String, flags: CInt, mode: mode_t = 0o644) throws -> POSIXFile {
        let descriptor = retryingOnInterrupt { open(path, flags | O_CLOEXEC, mode) }
        guard descriptor >= 0 else { throw POSIX.error("cannot open", path, errno) }
        return POSIXFile(descriptor: descriptor, path: path)
    }

    func status() throws -> stat {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw POSIX.error("cannot stat", path, errno) }
        return status
    }

    /// Reads exactly `count` bytes at `offset` into a new buffer (the only allocation per chunk).
    /// Files are replaced, never truncated, so a short read means someone else changed the file.
    func readChunk(count: Int, at offset: Int64) throws -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: count)
        try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { memory in
            try readFully(into: UnsafeMutableRawBufferPointer(rebasing: memory[..<count]), at: offset)
            return count
        }
        return buffer
    }

    func readFully(into memory: UnsafeMutableRawBufferPointer, at offset: Int64) throws {
        var done = 0
        while done < memory.count {
            let n = retryingOnInterrupt {
                pread(descriptor, memory.baseAddress.map { $0 + done }, memory.count - done, off_t(offset) + off_t(done))
            }
            guard n >= 0 else { throw POSIX.error("cannot read", path, errno) }
            guard n > 0 else {
                throw BlobStoreError.backend(.truncated(path: path, endedAt: offset + Int64(done), expected: offset + Int64(memory.count)))
            }
            done += n
        }
    }

    func writeAll(_ memory: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < memory.count {
            let n = retryingOnInterrupt { write(descriptor, memory.baseAddress.map { $0 + done }, memory.count - done) }
            guard n >= 0 else { throw POSIX.error("cannot write", path, errno) }
            done += n
        }
    }

    /// Reads up to `memory.count` bytes at the current position; 0 at the end of the file.
    func readSome(into memory: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = retryingOnInterrupt { read(descriptor, memory.baseAddress, memory.count) }
        guard n >= 0 else { throw POSIX.error("cannot read", path, errno) }
        return n
    }

    func sync() throws {
        guard retryingOnInterrupt({ fsync(descriptor) }) == 0 else { throw POSIX.error("cannot fsync", path, errno) }
    }

    /// Sets the modification time to the current time of the fine-grained clock. The kernel
    /// stamps files with a coarse clock (a tick of 1–10 ms), which would make etags of two
    /// writes in one tick collide when the file system reuses the inode number.
    func stampModificationTime() throws {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let times = [now, now]
        guard futimens(descriptor, times) == 0 else { throw POSIX.error("cannot set the time of", path, errno) }
    }

    /// Takes an exclusive `flock`, blocking. It is released when the descriptor is closed.
    func lockExclusively() throws {
        guard retryingOnInterrupt({ flock(descriptor, LOCK_EX) }) == 0 else { throw POSIX.error("cannot lock", path, errno) }
    }
}

enum POSIX {
    static func error(_ what: String, _ path: String, _ code: CInt) -> BlobStoreError {
        .backend(.system(operation: what, path: path, errno: code))
    }

    static func modificationDate(_ status: stat) -> Date {
        #if canImport(Darwin)
            let time = status.st_mtimespec
        #else
            let time = status.st_mtim
        #endif
        return Date(timeIntervalSince1970: TimeInterval(time.tv_sec) + TimeInterval(time.tv_nsec) / 1e9)
    }

    /// The etag of a file: `<inode>-<mtime in ns>-<size>`. Every write creates a new file and
    /// renames (or links) it into place, so replacing an object always changes the inode or,
    /// when a freed inode number is reused, the nanosecond modification time that
    /// `stampModificationTime` gives each new file. Nothing edits an object in place.
    static func etag(_ status: stat) -> String {
        #if canImport(Darwin)
            let time = status.st_mtimespec
        #else
            let time = status.st_mtim
        #endif
        let nanoseconds = Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
        return "\(status.st_ino)-\(nanoseconds)-\(status.st_size)"
    }

    static func isRegularFile(_ status: stat) -> Bool {
        (status.st_mode & S_IFMT) == S_IFREG
    }

    static func isDirectory(_ status: stat) -> Bool {
        (status.st_mode & S_IFMT) == S_IFDIR
    }

    /// `lstat`, or nil when nothing is there.
    static func linkStatus(_ path: String) throws -> stat? {
        var status = stat()
        guard lstat(path, &status) == 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return nil }
            throw error("cannot stat", path, code)
        }
        return status
    }

    /// Flushes a directory's entries (a rename or link in it) to disk.
    static func syncDirectory(_ path: String) throws {
        let directory = try POSIXFile.make(path, flags: O_RDONLY | O_DIRECTORY)
        try directory.sync()
    }

    /// Creates `path` and its missing parents (each one made durable in its parent).
    static func makeDirectories(_ path: String) throws {
        if let status = try linkStatus(path), isDirectory(status) { return }
        let parent = (path as NSString).deletingLastPathComponent
        if parent != path, !parent.isEmpty { try makeDirectories(parent) }
        guard mkdir(path, 0o755) == 0 else {
            let code = errno
            if code == EEXIST { return }  // made meanwhile by another writer
            throw error("cannot create directory", path, code)
        }
        try syncDirectory(parent)
    }
}

func retryingOnInterrupt<T: BinaryInteger>(_ call: () -> T) -> T {
    while true {
        let result = call()
        if result == -1 && errno == EINTR { continue }
        return result
    }
}
