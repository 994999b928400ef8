import CArchive
import Foundation

/// One pass over an archive through libarchive, entry by entry, data in fixed-size chunks.
/// Enforces `ArchiveLimits` and the hostile-entry rules; never holds more than one chunk
/// (plus what a caller chooses to collect) in memory. Not thread-safe: one reader per task.
final class ArchiveReader {
    enum Format {
        /// Zip read through its central directory, as pip's `zipfile` does.
        case zip
        case tarGz
    }

    struct Entry {
        let path: String
        let isDirectory: Bool
    }

    private let archive: OpaquePointer
    private let limits: ArchiveLimits
    private let archiveSize: Int64
    private let chunk: UnsafeMutableRawBufferPointer
    private var entryCount = 0
    private var seen: Set<String> = []
    private var current: String?
    private(set) var totalUncompressed: Int64 = 0

    /// Read-ahead inside zlib and libarchive can credit an entry's compressed bytes to its
    /// neighbour; this much slack keeps that from ever inflating a measured ratio.
    private static let compressedSlack: Int64 = 64 << 10
    static let chunkSize = 64 << 10

    // archive_entry.h's AE_IF* values (casts in C macros, so not imported into Swift).
    private static let typeRegular: mode_t = 0o100000
    private static let typeDirectory: mode_t = 0o040000
    private static let typeSymlink: mode_t = 0o120000

    init(path: String, format: Format, limits: ArchiveLimits) throws(ArchiveError) {
        guard let archive = archive_read_new() else {
            throw .cannotOpen(path: path, message: "libarchive could not allocate a reader")
        }
        switch format {
        case .zip:
            archive_read_support_format_zip_seekable(archive)
        case .tarGz:
            archive_read_support_filter_gzip(archive)
            archive_read_support_format_tar(archive)
        }
        guard archive_read_open_filename(archive, path, Self.chunkSize) == ARCHIVE_OK else {
            let message = Self.errorString(archive)
            archive_read_free(archive)
            // A file that exists but does not open as an archive is broken, not missing.
            if FileManager.default.isReadableFile(atPath: path) { throw .corrupt(entry: nil, message: message) }
            throw .cannotOpen(path: path, message: message)
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
        self.archive = archive
        self.limits = limits
        self.archiveSize = max(size ?? 1, 1)
        self.chunk = .allocate(byteCount: Self.chunkSize, alignment: 16)
    }

    deinit {
        archive_read_free(archive)
        chunk.deallocate()
    }

    /// The next entry, checked for hostile names and types; nil at the end.
    func next() throws(ArchiveError) -> Entry? {
        var entryPointer: OpaquePointer?
        let status = archive_read_next_header(archive, &entryPointer)
        if status == ARCHIVE_EOF { return nil }
        guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry = entryPointer else {
            throw .corrupt(entry: current, message: Self.errorString(archive))
        }
        entryCount += 1
        if entryCount > limits.maxEntries { throw .tooManyEntries(limit: limits.maxEntries) }

        guard let cPath = archive_entry_pathname(entry) else {
            throw .corrupt(entry: current, message: "an entry has no name")
        }
        let nameBytes = Array(UnsafeRawBufferPointer(start: cPath, count: strlen(cPath)))
        guard let rawPath = String(validating: nameBytes, as: UTF8.self) else {
            throw .nonUTF8Name(entry: nameBytes.map { (0x20..<0x7F).contains($0) ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }.joined())
        }
        current = rawPath
        let isDirectory = rawPath.hasSuffix("/") || archive_entry_filetype(entry) == Self.typeDirectory
        let path = try Self.checkedPath(rawPath)
        if archive_entry_hardlink(entry) != nil || archive_entry_symlink(entry) != nil
            || archive_entry_filetype(entry) == Self.typeSymlink
        {
            throw .link(entry: rawPath)
        }
        let type = archive_entry_filetype(entry)
        if !isDirectory && type != Self.typeRegular && type != 0 { throw .specialFile(entry: rawPath) }
        guard seen.insert(path + (isDirectory ? "/" : "")).inserted else { throw .duplicateEntry(entry: rawPath) }
        if archive_entry_size_is_set(entry) != 0, archive_entry_size(entry) > limits.maxTotalUncompressedSize - totalUncompressed {
            throw .tooLarge(entry: rawPath, limit: limits.maxTotalUncompressedSize)
        }
        return Entry(path: path, isDirectory: isDirectory)
    }

    /// Streams the current entry's bytes to `body`, chunk by chunk, judging size and
    /// compression ratio by the bytes actually decompressed. Returns the entry's size.
    @discardableResult
    func readData(_ body: (UnsafeRawBufferPointer) throws(ArchiveError) -> Void) throws(ArchiveError) -> Int64 {
        let entry = current ?? ""
        let compressedStart = archive_filter_bytes(archive, -1)
        var size: Int64 = 0
        while true {
            let n = archive_read_data(archive, chunk.baseAddress, chunk.count)
            if n == 0 { break }
            guard n > 0 else { throw .corrupt(entry: entry, message: Self.errorString(archive)) }
            size += Int64(n)
            totalUncompressed += Int64(n)
            if totalUncompressed > limits.maxTotalUncompressedSize {
                throw .tooLarge(entry: entry, limit: limits.maxTotalUncompressedSize)
            }
            if size > limits.ratioCheckThreshold {
                let compressed = max(archive_filter_bytes(archive, -1) - compressedStart, 0) + Self.compressedSlack
                let ratio = Double(size) / Double(compressed)
                if ratio > limits.maxCompressionRatio {
                    throw .compressionRatio(entry: entry, ratio: ratio, limit: limits.maxCompressionRatio)
                }
            }
            if totalUncompressed > limits.ratioCheckThreshold {
                let ratio = Double(totalUncompressed) / Double(archiveSize)
                if ratio > limits.maxCompressionRatio {
                    throw .compressionRatio(entry: entry, ratio: ratio, limit: limits.maxCompressionRatio)
                }
            }
            try body(UnsafeRawBufferPointer(start: chunk.baseAddress, count: n))
        }
        return size
    }

    /// Reads the current entry into memory, refusing more than `maxMetadataSize` bytes.
    func collectData() throws(ArchiveError) -> [UInt8] {
        var bytes: [UInt8] = []
        let entry = current ?? ""
        let limit = limits.maxMetadataSize
        try readData { (chunk) throws(ArchiveError) in
            if bytes.count + chunk.count > limit { throw .metadataTooLarge(entry: entry, limit: limit) }
            bytes.append(contentsOf: chunk)
        }
        return bytes
    }

    /// Entry names are hostile: refuse anything that could land outside the extraction
    /// directory or mean different files on different systems. Returns the path without a
    /// trailing `/`.
    static func checkedPath(_ raw: String) throws(ArchiveError) -> String {
        if raw.utf8.contains(0) { throw .unsafePath(entry: raw, reason: "contains a NUL byte") }
        if raw.contains("\\") { throw .unsafePath(entry: raw, reason: "contains a backslash") }
        if raw.hasPrefix("/") || raw.utf8.dropFirst().first == UInt8(ascii: ":") {
            throw .unsafePath(entry: raw, reason: "is an absolute path")
        }
        let trimmed = raw.hasSuffix("/") ? String(raw.dropLast()) : raw
        let components = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        if components.contains("..") { throw .unsafePath(entry: raw, reason: "escapes the archive root") }
        if components.contains(where: { $0.isEmpty || $0 == "." }) {
            throw .unsafePath(entry: raw, reason: "has an empty or '.' path component")
        }
        if components.contains(where: { $0.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } }) {
            throw .unsafePath(entry: raw, reason: "contains control characters")
        }
        return trimmed
    }

    private static func errorString(_ archive: OpaquePointer) -> String {
        archive_error_string(archive).map { String(cString: $0) } ?? "unknown libarchive error"
    }
}
