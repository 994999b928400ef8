import CArchive
public import Foundation

/// Writes a flat zip (APPNOTE, Zip64 only past 4 GiB) through libarchive, entry by entry: each
/// entry's size is declared first and its bytes are then written in chunks, so a member is
/// never held in memory. Entries are deflated: libarchive writes as a stream, so each entry's
/// CRC-32 goes in a data descriptor after its bytes (and in the central directory), and a
/// streaming reader such as Java's `ZipInputStream` accepts a data descriptor only after
/// deflated data, not after stored data. (Wheels are zips already: deflating them again gains
/// little room but costs little time.) Timestamps are fixed (1980-01-01) and owners are 0, so the same members
/// give the same bytes. Not thread-safe: one writer per task.
public final class ZipWriter {
    private let archive: OpaquePointer
    private let path: String
    /// The entry being written: its name, declared size and the bytes written so far.
    private var current: (name: String, size: Int64, written: Int64)?
    private var closed = false

    /// 1980-01-01T00:00:00Z, the earliest time a zip's DOS timestamps hold.
    private static let epoch1980 = 315_532_800
    // archive_entry.h's AE_IFREG (a cast in a C macro, so not imported into Swift).
    private static let typeRegular: mode_t = 0o100000

    public enum WriteError: Error, Sendable, Equatable, CustomStringConvertible {
        case cannotCreate(path: String, message: String)
        case failed(path: String, entry: String?, message: String)
        case sizeMismatch(entry: String, declared: Int64, written: Int64)

        public var description: String {
            switch self {
            case .cannotCreate(let path, let message): "cannot create the zip '\(path)': \(message)"
            case .failed(let path, let entry, let message):
                "writing the zip '\(path)'\(entry.map { " (entry \($0))" } ?? "") failed: \(message)"
            case .sizeMismatch(let entry, let declared, let written):
                "the zip entry \(entry) was declared as \(declared) bytes but \(written) were written"
            }
        }
    }

    /// Creates (or truncates) the zip file at `path`.
    public init(path: String) throws(WriteError) {
        guard let archive = archive_write_new() else {
            throw .cannotCreate(path: path, message: "libarchive could not allocate a writer")
        }
        self.archive = archive
        self.path = path
        guard archive_write_set_format_zip(archive) == ARCHIVE_OK,
            archive_write_set_options(archive, "zip:compression=deflate") == ARCHIVE_OK,
            archive_write_set_bytes_in_last_block(archive, 1) == ARCHIVE_OK,
            archive_write_open_filename(archive, path) == ARCHIVE_OK
        else {
            // deinit frees the writer.
            closed = true
            throw .cannotCreate(path: path, message: Self.errorString(archive))
        }
    }

    deinit {
        if !closed { archive_write_close(archive) }
        archive_write_free(archive)
    }

    /// Starts the entry `name` (a relative path with `/` separators) of exactly `size` bytes;
    /// the previous entry must have been written in full.
    public func beginEntry(_ name: String, size: Int64) throws(WriteError) {
        try finishCurrent()
        guard let entry = archive_entry_new() else {
            throw .failed(path: path, entry: name, message: "libarchive could not allocate an entry")
        }
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname_utf8(entry, name)
        archive_entry_set_filetype(entry, UInt32(Self.typeRegular))
        archive_entry_set_perm(entry, 0o644)
        archive_entry_set_size(entry, size)
        archive_entry_set_mtime(entry, Self.epoch1980, 0)
        archive_entry_set_uid(entry, 0)
        archive_entry_set_gid(entry, 0)
        guard archive_write_header(archive, entry) == ARCHIVE_OK else {
            throw .failed(path: path, entry: name, message: Self.errorString(archive))
        }
        current = (name, size, 0)
    }

    /// Appends bytes to the current entry.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(WriteError) {
        guard let (name, size, written) = current else {
            throw .failed(path: path, entry: nil, message: "bytes written outside an entry")
        }
        guard Int64(bytes.count) <= size - written else {
            throw .sizeMismatch(entry: name, declared: size, written: written + Int64(bytes.count))
        }
        var offset = 0
        while offset < bytes.count {
            let count = archive_write_data(archive, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
            guard count > 0 else { throw .failed(path: path, entry: name, message: Self.errorString(archive)) }
            offset += count
        }
        current = (name, size, written + Int64(bytes.count))
    }

    public func write(_ data: Data) throws(WriteError) {
        var failure: WriteError?
        data.withUnsafeBytes { raw in
            do throws(WriteError) {
                try write(raw)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
    }

    /// Finishes the last entry and writes the central directory.
    public func close() throws(WriteError) {
        try finishCurrent()
        closed = true
        guard archive_write_close(archive) == ARCHIVE_OK else {
            throw .failed(path: path, entry: nil, message: Self.errorString(archive))
        }
    }

    private func finishCurrent() throws(WriteError) {
        guard let (name, size, written) = current else { return }
        guard written == size else { throw .sizeMismatch(entry: name, declared: size, written: written) }
        current = nil
        guard archive_write_finish_entry(archive) == ARCHIVE_OK else {
            throw .failed(path: path, entry: name, message: Self.errorString(archive))
        }
    }

    private static func errorString(_ archive: OpaquePointer) -> String {
        archive_error_string(archive).map { String(cString: $0) } ?? "unknown libarchive error"
    }
}
