public import WheelhouseCore

/// What a verified sdist contains.
public struct SdistInspection: Sendable {
    public let metadata: CoreMetadata
    /// The exact PKG-INFO bytes (served for PEP 658).
    public var metadataBytes: [UInt8] { metadata.rawBytes }
    /// `{name}-{version}`, the directory everything is under.
    public let topLevelDirectory: String
    public let uncompressedSize: Int64
    public let fileCount: Int
}

/// Reads the sdist at `path` once, streaming (tar.gz or zip by the filename's format):
/// every entry under the single top-level `{name}-{version}/` directory (the sdist spec), the
/// same hostile-entry rules and limits as wheels, and `{name}-{version}/PKG-INFO` present,
/// valid, and naming the filename's project and version.
public func inspectSdist(
    at path: String, filename: SdistFilename, limits: ArchiveLimits = .default
) throws(ArchiveError) -> SdistInspection {
    let format: ArchiveReader.Format = filename.format == .zip ? .zip : .tarGz
    let reader = try ArchiveReader(path: path, format: format, limits: limits)
    let top = String(filename.filename.dropLast(filename.format.rawValue.count))
    let pkgInfoEntry = "\(top)/PKG-INFO"
    var pkgInfo: [UInt8]?
    var fileCount = 0
    while let entry = try reader.next() {
        guard entry.path == top || entry.path.hasPrefix(top + "/") else {
            throw .outsideTopLevelDirectory(entry: entry.path, expected: top)
        }
        if entry.isDirectory { continue }
        fileCount += 1
        if entry.path == pkgInfoEntry {
            pkgInfo = try reader.collectData()
        } else {
            try reader.readData { _ in }
        }
    }
    guard let pkgInfo else { throw .missingRequiredFile(entry: pkgInfoEntry) }
    let metadata = try checkedMetadata(
        pkgInfo, entry: pkgInfoEntry, name: filename.normalizedName, version: filename.version)
    return SdistInspection(
        metadata: metadata, topLevelDirectory: top, uncompressedSize: reader.totalUncompressed, fileCount: fileCount)
}
