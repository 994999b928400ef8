public import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The folder one server spools upload bodies into: `<root>/<id>/`, owned by this process
/// through an exclusive `flock` on `<root>/<id>.lock` held for its lifetime.
///
/// At start, the folders of servers that are gone (their lock is free: the process exited or
/// was killed, and the kernel released its lock) are removed with everything in them, so the
/// spool files of a crashed server never pile up (issue 13). Several servers may share a root
/// (several `serve` processes on one local store): a live server's folder is never touched.
public final class SpoolDirectory: Sendable {
    /// The folder this server spools into.
    public let url: URL
    private let lockPath: String
    private let lockDescriptor: Int32

    /// The spool root of a server: `<store>/_wheelhouse/tmp/spool` for a local store (the same
    /// file system as the store, inside the store's own temporary folder), else
    /// `$TMPDIR/wheelhouse-spool`.
    public static func defaultRoot(localStore: URL?) -> URL {
        if let localStore {
            return localStore.appendingPathComponent("_wheelhouse/tmp/spool", isDirectory: true)
        }
        return FileManager.default.temporaryDirectory.appendingPathComponent("wheelhouse-spool", isDirectory: true)
    }

    /// Creates this server's folder under `root` and removes those of servers that are gone.
    public init(root: URL) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: root, withIntermediateDirectories: true)
        let id = UUID().uuidString.lowercased()
        let lockPath = root.appendingPathComponent("\(id).lock").path
        // The lock first, then the folder: a folder without a lock file is never a live one.
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SpoolDirectoryError(path: lockPath, errno: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(fd)
            throw SpoolDirectoryError(path: lockPath, errno: code)
        }
        self.lockPath = lockPath
        self.lockDescriptor = fd
        self.url = root.appendingPathComponent(id, isDirectory: true)
        try fm.createDirectory(at: url, withIntermediateDirectories: false)
        removedFiles = Self.removeAbandoned(root: root, keeping: id)
    }

    /// How many spool files of gone servers were removed at start.
    public let removedFiles: Int

    /// Removes this server's folder (at a clean shutdown) and releases its lock.
    public func remove() {
        try? FileManager.default.removeItem(at: url)
        unlink(lockPath)
        close(lockDescriptor)
    }

    /// Removes the folders (and lock files) under `root` whose lock no live process holds.
    static func removeAbandoned(root: URL, keeping id: String) -> Int {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: root.path) else { return 0 }
        var removed = 0
        let locks = Set(names.filter { $0.hasSuffix(".lock") }.map { String($0.dropLast(".lock".count)) })
        for name in Set(names.map { $0.hasSuffix(".lock") ? String($0.dropLast(".lock".count)) : $0 }) where name != id {
            let folder = root.appendingPathComponent(name)
            let lock = root.appendingPathComponent(name + ".lock").path
            if locks.contains(name) {
                let fd = open(lock, O_RDWR | O_CLOEXEC)
                guard fd >= 0 else { continue }
                defer { close(fd) }
                // Held: a live server's folder.
                guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { continue }
                removed += countFiles(folder)
                try? fm.removeItem(at: folder)
                unlink(lock)
            } else {
                removed += countFiles(folder)
                try? fm.removeItem(at: folder)
            }
        }
        return removed
    }

    static func countFiles(_ folder: URL) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: folder.path).count) ?? 0
    }
}

/// The spool folder could not be created or locked.
public struct SpoolDirectoryError: Error, CustomStringConvertible {
    public let path: String
    public let errno: Int32
    public var description: String { "cannot claim the spool folder lock \(path): \(String(cString: strerror(errno)))" }
}
