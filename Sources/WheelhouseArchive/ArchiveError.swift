public import WheelhouseCore

/// Why a wheel or sdist was refused. Each case carries the entry at fault; `description` is
/// written for the person running twine or the CLI.
public enum ArchiveError: Error, Sendable, Hashable, CustomStringConvertible {
    case cannotOpen(path: String, message: String)
    /// libarchive could not read the archive (truncated, corrupt, not a zip/tar.gz).
    case corrupt(entry: String?, message: String)
    case tooManyEntries(limit: Int)
    case tooLarge(entry: String, limit: Int64)
    case compressionRatio(entry: String, ratio: Double, limit: Double)
    case metadataTooLarge(entry: String, limit: Int)
    /// Absolute path, `..` component, backslash, NUL or empty component.
    case unsafePath(entry: String, reason: String)
    /// The entry name bytes, escaped, are not UTF-8.
    case nonUTF8Name(entry: String)
    case link(entry: String)
    case specialFile(entry: String)
    case duplicateEntry(entry: String)
    case missingDistInfo(expected: String)
    case multipleDistInfo([String])
    case distInfoMismatch(directory: String, filename: String)
    case missingRequiredFile(entry: String)
    case missingWheelVersion(entry: String)
    case unsupportedWheelVersion(entry: String, version: String)
    case malformedRecord(entry: String, line: Int, message: String)
    case missingHash(entry: String)
    case unsupportedHashAlgorithm(entry: String, algorithm: String)
    case hashMismatch(entry: String, recorded: String, actual: String)
    case sizeMismatch(entry: String, recorded: Int64, actual: Int64)
    case missingFromRecord(entry: String)
    case missingFromArchive(entry: String)
    case nameMismatch(entry: String, filename: String, metadata: String)
    case versionMismatch(entry: String, filename: String, metadata: String)
    case invalidMetadata(entry: String, MetadataValidationError)
    case outsideTopLevelDirectory(entry: String, expected: String)
    /// A tag of the wheel's filename is not among the `Tag` lines of its WHEEL file.
    case tagMismatch(entry: String, tag: String, declared: [String])

    /// The archive entry the problem is about, when there is one.
    public var entry: String? {
        switch self {
        case .cannotOpen, .tooManyEntries, .multipleDistInfo, .missingDistInfo: nil
        case let .corrupt(e, _): e
        case let .tooLarge(e, _), let .compressionRatio(e, _, _), let .metadataTooLarge(e, _),
            let .unsafePath(e, _), let .nonUTF8Name(e), let .link(e), let .specialFile(e),
            let .duplicateEntry(e), let .distInfoMismatch(e, _), let .missingRequiredFile(e),
            let .missingWheelVersion(e), let .unsupportedWheelVersion(e, _), let .malformedRecord(e, _, _),
            let .missingHash(e), let .unsupportedHashAlgorithm(e, _), let .hashMismatch(e, _, _),
            let .sizeMismatch(e, _, _), let .missingFromRecord(e), let .missingFromArchive(e),
            let .nameMismatch(e, _, _), let .versionMismatch(e, _, _), let .invalidMetadata(e, _),
            let .outsideTopLevelDirectory(e, _), let .tagMismatch(e, _, _):
            e
        }
    }

    public var description: String {
        switch self {
        case let .cannotOpen(path, message): "cannot open '\(path)': \(message)"
        case let .corrupt(entry?, message): "the archive is corrupt or truncated at entry '\(entry)': \(message)"
        case let .corrupt(nil, message): "the archive is corrupt or truncated: \(message)"
        case let .tooManyEntries(limit): "the archive has more than \(limit) entries"
        case let .tooLarge(entry, limit):
            "the archive decompresses to more than \(limit) bytes (reached at entry '\(entry)')"
        case let .compressionRatio(entry, ratio, limit):
            "entry '\(entry)' decompresses \(Int(ratio)) times larger than its compressed size (limit \(Int(limit))); refusing a likely zip bomb"
        case let .metadataTooLarge(entry, limit): "entry '\(entry)' is larger than the \(limit)-byte limit for metadata files"
        case let .unsafePath(entry, reason): "entry '\(entry)' \(reason)"
        case let .nonUTF8Name(entry): "entry name '\(entry)' is not valid UTF-8"
        case let .link(entry): "entry '\(entry)' is a symbolic or hard link; links are not allowed in distributions"
        case let .specialFile(entry): "entry '\(entry)' is a device, FIFO or socket; only files and directories are allowed"
        case let .duplicateEntry(entry): "entry '\(entry)' appears more than once in the archive"
        case let .missingDistInfo(expected): "the wheel has no top-level '\(expected)' directory"
        case let .multipleDistInfo(dirs): "the wheel has more than one .dist-info directory: \(dirs.joined(separator: ", "))"
        case let .distInfoMismatch(dir, filename): "'\(dir)' does not match the wheel filename '\(filename)'"
        case let .missingRequiredFile(entry): "required file '\(entry)' is missing"
        case let .missingWheelVersion(entry): "'\(entry)' has no Wheel-Version"
        case let .unsupportedWheelVersion(entry, version):
            "'\(entry)' declares Wheel-Version \(version); only 1.x is supported"
        case let .malformedRecord(entry, line, message): "'\(entry)' line \(line): \(message)"
        case let .missingHash(entry): "RECORD has no hash for '\(entry)'"
        case let .unsupportedHashAlgorithm(entry, algorithm):
            "RECORD hashes '\(entry)' with '\(algorithm)'; Wheelhouse verifies sha256"
        case let .hashMismatch(entry, recorded, actual):
            "RECORD says \(entry) has sha256=\(recorded) but the archive's bytes hash to sha256=\(actual)"
        case let .sizeMismatch(entry, recorded, actual):
            "RECORD says \(entry) is \(recorded) bytes but the archive holds \(actual) bytes"
        case let .missingFromRecord(entry): "'\(entry)' is in the archive but not listed in RECORD"
        case let .missingFromArchive(entry): "RECORD lists '\(entry)' but the archive does not contain it"
        case let .nameMismatch(entry, filename, metadata):
            "the filename says project '\(filename)' but \(entry) says Name: \(metadata)"
        case let .versionMismatch(entry, filename, metadata):
            "the filename says version '\(filename)' but \(entry) says Version: \(metadata)"
        case let .invalidMetadata(entry, error): "\(entry): \(error)"
        case let .outsideTopLevelDirectory(entry, expected):
            "entry '\(entry)' is outside the sdist's top-level directory '\(expected)/'"
        case let .tagMismatch(entry, tag, declared):
            declared.isEmpty
                ? "the filename's tag \(tag) is not declared in \(entry), which has no Tag lines"
                : "the filename's tag \(tag) is not among the Tag lines of \(entry) (\(declared.prefix(8).joined(separator: ", "))\(declared.count > 8 ? ", ..." : ""))"
        }
    }
}
