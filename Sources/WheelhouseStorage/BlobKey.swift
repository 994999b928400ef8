/// The rules every backend applies to keys, so that all stores accept and refuse the same keys.
///
/// Keys are hostile input (they are built from uploaded filenames): a key is a `/`-separated
/// relative path whose components are never empty, `.` or `..`, and which contains no
/// backslash, NUL or other control character. Keys under `_wheelhouse/tmp` and
/// `_wheelhouse/locks` are reserved for the file-system backend's own machinery.
enum BlobKey {
    /// S3's limit on key length, in UTF-8 bytes.
    static let maximumLength = 1024
    /// The usual file-system limit on one path component (`NAME_MAX`), in UTF-8 bytes.
    static let maximumComponentLength = 255
    /// Directories of `FileSystemBlobStore` that hold no objects.
    static let reservedDirectories = ["_wheelhouse/tmp", "_wheelhouse/locks"]

    /// Throws `BlobStoreError.invalidKey` unless `key` is acceptable to every backend.
    static func validate(_ key: String) throws(BlobStoreError) {
        guard isValid(key) else { throw .invalidKey(key) }
    }

    static func isValid(_ key: String) -> Bool {
        let bytes = key.utf8
        guard !bytes.isEmpty, bytes.count <= maximumLength else { return false }
        // C0 controls (NUL included), DEL and backslash: never part of a sane filename, and
        // backslash is a separator on Windows.
        guard !bytes.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "\\") }) else {
            return false
        }
        // Splitting with empty components kept catches a leading `/` (absolute), a trailing
        // `/` and `//` alike.
        for component in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            guard isValidComponent(component) else { return false }
        }
        return !isReserved(key)
    }

    static func isValidComponent(_ component: Substring.UTF8View) -> Bool {
        !component.isEmpty
            && component.count <= maximumComponentLength
            && !component.elementsEqual(".".utf8)
            && !component.elementsEqual("..".utf8)
    }

    static func isReserved(_ key: String) -> Bool {
        reservedDirectories.contains { reserved in
            key.utf8.elementsEqual(reserved.utf8) || key.utf8.starts(with: (reserved + "/").utf8)
        }
    }

    /// Whether `key` starts with `prefix`, byte for byte (not by Unicode canonical equivalence,
    /// which `String.hasPrefix` uses and S3 does not).
    static func key(_ key: String, hasPrefix prefix: String) -> Bool {
        key.utf8.starts(with: prefix.utf8)
    }

    /// Sort order of listings: UTF-8 byte order, as S3 lists keys.
    static func precedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
