import Crypto
import WheelhouseCore

/// What a fully verified wheel contains.
public struct WheelInspection: Sendable {
    public let metadata: CoreMetadata
    /// The exact METADATA bytes (served for PEP 658).
    public var metadataBytes: [UInt8] { metadata.rawBytes }
    /// The WHEEL file's fields in written order.
    public let wheelFields: [CoreMetadata.Field]
    /// `Wheel-Version` from WHEEL, e.g. "1.0".
    public let wheelVersion: String
    /// `{name}-{version}.dist-info`.
    public let distInfoDirectory: String
    /// Rows in RECORD.
    public let recordEntries: Int
    /// Bytes decompressed in total.
    public let uncompressedSize: Int64
    /// Regular files in the archive.
    public let fileCount: Int
}

/// Reads the wheel at `path` once, streaming, and verifies it completely:
/// - PEP 427: exactly one top-level `{name}-{version}.dist-info` matching the filename, holding
///   METADATA, WHEEL and RECORD; `Wheel-Version` 1.x (2.0 and later refused, as pip does);
/// - PEP 376/427: every file's sha256 and size equal its RECORD row (only RECORD and its
///   signatures may be unhashed), no file missing from RECORD, none listed but absent;
/// - the filename's name and version equal METADATA's, and METADATA validates;
/// - hostile archives refused (see `ArchiveReader` and `ArchiveLimits`).
public func inspectWheel(
    at path: String, filename: WheelFilename, limits: ArchiveLimits = .default
) throws(ArchiveError) -> WheelInspection {
    let reader = try ArchiveReader(path: path, format: .zip, limits: limits)
    var digests: [String: (sha256: String, size: Int64)] = [:]
    var distInfoDirs: [String] = []
    var collected: [String: [UInt8]] = [:]
    while let entry = try reader.next() {
        let components = entry.path.split(separator: "/")
        if let top = components.first, top.hasSuffix(".dist-info"), !distInfoDirs.contains(String(top)) {
            distInfoDirs.append(String(top))
        }
        if entry.isDirectory { continue }
        var hasher = SHA256()
        let wanted = components.count == 2 && components[0].hasSuffix(".dist-info")
            && ["METADATA", "WHEEL", "RECORD"].contains(components[1])
        if wanted {
            let bytes = try reader.collectData()
            hasher.update(data: bytes)
            collected[entry.path] = bytes
            digests[entry.path] = (WheelRecord.urlsafeBase64(hasher.finalize()), Int64(bytes.count))
        } else {
            let size = try reader.readData { chunk in hasher.update(bufferPointer: chunk) }
            digests[entry.path] = (WheelRecord.urlsafeBase64(hasher.finalize()), size)
        }
    }

    // PEP 427: one .dist-info directory, named after the distribution.
    let expectedDir = "\(filename.name)-\(filename.filename.split(separator: "-")[1]).dist-info"
    guard !distInfoDirs.isEmpty else { throw .missingDistInfo(expected: expectedDir) }
    guard distInfoDirs.count == 1, let distInfo = distInfoDirs.first else { throw .multipleDistInfo(distInfoDirs.sorted()) }
    let stem = distInfo.dropLast(".dist-info".count)
    guard let dash = stem.lastIndex(of: "-"),
        ProjectName.normalize(String(stem[..<dash])) == filename.normalizedName,
        (try? Version(String(stem[stem.index(after: dash)...]))) == filename.version
    else {
        throw .distInfoMismatch(directory: distInfo, filename: filename.filename)
    }
    func required(_ name: String) throws(ArchiveError) -> (String, [UInt8]) {
        let entry = "\(distInfo)/\(name)"
        guard let bytes = collected[entry] else { throw .missingRequiredFile(entry: entry) }
        return (entry, bytes)
    }
    let (metadataEntry, metadataBytes) = try required("METADATA")
    let (wheelEntry, wheelBytes) = try required("WHEEL")
    let (recordEntry, recordBytes) = try required("RECORD")

    // WHEEL: `Wheel-Version: 1.0`; a later major version means an incompatible format.
    let wheelFile = CoreMetadata.parse(wheelBytes)
    guard let wheelVersion = wheelFile.value("Wheel-Version") else { throw .missingWheelVersion(entry: wheelEntry) }
    let major = wheelVersion.split(separator: ".").first.flatMap { Int($0) }
    guard major == 1 else { throw .unsupportedWheelVersion(entry: wheelEntry, version: wheelVersion) }

    // RECORD against the bytes actually in the archive.
    let record = try WheelRecord(recordBytes, entry: recordEntry)
    let unhashed: Set = [recordEntry, "\(distInfo)/RECORD.jws", "\(distInfo)/RECORD.p7s"]
    var listed = Set<String>()
    for row in record.rows {
        listed.insert(row.path)
        guard let actual = digests[row.path] else { throw .missingFromArchive(entry: row.path) }
        if row.hash.isEmpty {
            guard unhashed.contains(row.path) else { throw .missingHash(entry: row.path) }
            continue
        }
        guard let equals = row.hash.firstIndex(of: "=") else {
            throw .malformedRecord(entry: recordEntry, line: row.line, message: "hash '\(row.hash)' is not algorithm=digest")
        }
        let algorithm = String(row.hash[..<equals])
        let recorded = String(row.hash[row.hash.index(after: equals)...])
        guard algorithm == "sha256" else { throw .unsupportedHashAlgorithm(entry: row.path, algorithm: algorithm) }
        if recorded != actual.sha256 { throw .hashMismatch(entry: row.path, recorded: recorded, actual: actual.sha256) }
        if !row.size.isEmpty {
            guard let size = Int64(row.size) else {
                throw .malformedRecord(entry: recordEntry, line: row.line, message: "size '\(row.size)' is not a number")
            }
            if size != actual.size { throw .sizeMismatch(entry: row.path, recorded: size, actual: actual.size) }
        }
    }
    for path in digests.keys.sorted() where !listed.contains(path) && !unhashed.contains(path) {
        throw .missingFromRecord(entry: path)
    }

    let metadata = try checkedMetadata(
        metadataBytes, entry: metadataEntry, name: filename.normalizedName, version: filename.version)
    return WheelInspection(
        metadata: metadata, wheelFields: wheelFile.fields, wheelVersion: wheelVersion,
        distInfoDirectory: distInfo, recordEntries: record.rows.count,
        uncompressedSize: reader.totalUncompressed, fileCount: digests.count)
}

/// Parses and validates METADATA / PKG-INFO and checks it names the same project and
/// version as the filename.
func checkedMetadata(
    _ bytes: [UInt8], entry: String, name: String, version: Version
) throws(ArchiveError) -> CoreMetadata {
    let metadata = CoreMetadata.parse(bytes)
    do {
        try metadata.validate()
    } catch {
        throw .invalidMetadata(entry: entry, error)
    }
    let metadataName = metadata.name ?? ""
    if ProjectName.normalize(metadataName) != name {
        throw .nameMismatch(entry: entry, filename: name, metadata: metadataName)
    }
    let metadataVersion = metadata.version ?? ""
    if (try? Version(metadataVersion)) != version {
        throw .versionMismatch(entry: entry, filename: version.description, metadata: metadataVersion)
    }
    return metadata
}
