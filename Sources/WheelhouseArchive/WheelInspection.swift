import Crypto
public import WheelhouseCore

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
///
/// `checkTags`: also require the filename's tags among WHEEL's `Tag` lines (`checkWheelTags(_:declaredIn:entry:)`);
/// off for files a mirror copies from an upstream index, which must stay installable as they are there.
public func inspectWheel(
    at path: String, filename: WheelFilename, limits: ArchiveLimits = .default, checkTags: Bool = true
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
        let wanted =
            components.count == 2 && components[0].hasSuffix(".dist-info")
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
    if checkTags { try checkWheelTags(filename, declaredIn: wheelFile.values("Tag"), entry: wheelEntry) }

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

/// PEP 427: the filename's tags must be among the WHEEL file's `Tag` lines. Installers such as
/// uv read the WHEEL file; a wheel renamed by hand (`py3-none-any` listed as
/// `py3-none-manylinux1_x86_64`) would otherwise be offered for platforms it was not built for,
/// and the same bytes could be listed under many filenames.
///
/// One allowance, for wheels on PyPI retagged without rewriting WHEEL: a `linux_{arch}` Tag
/// line also covers the filename's `manylinux…_{arch}` and `musllinux…_{arch}` tags.
func checkWheelTags(_ filename: WheelFilename, declaredIn lines: [String], entry: String) throws(ArchiveError) {
    var declared = Set<Tag>()
    for line in lines {
        let trimmed = line.filter { $0 != " " && $0 != "\t" }
        declared.formUnion((try? Tag.expand(trimmed)) ?? [])
    }
    for tag in filename.tags where !declared.contains(tag) {
        if let arch = linuxArchitecture(ofPolicyTag: tag.platform),
            declared.contains(Tag(interpreter: tag.interpreter, abi: tag.abi, platform: "linux_" + arch))
        {
            continue
        }
        throw .tagMismatch(entry: entry, tag: tag.description, declared: declared.map(\.description).sorted())
    }
}

/// `x86_64` for `manylinux1_x86_64`, `manylinux2014_x86_64`, `manylinux_2_17_x86_64` and
/// `musllinux_1_2_x86_64` (PEP 513, 599, 600, 656); nil for any other platform tag.
func linuxArchitecture(ofPolicyTag platform: String) -> String? {
    for prefix in ["manylinux_", "musllinux_"] where platform.hasPrefix(prefix) {
        let parts = platform.dropFirst(prefix.count).split(separator: "_", maxSplits: 2)
        guard parts.count == 3, parts[0].allSatisfy(\.isNumber), parts[1].allSatisfy(\.isNumber) else { return nil }
        return String(parts[2])
    }
    guard platform.hasPrefix("manylinux") else { return nil }
    let rest = platform.dropFirst("manylinux".count)
    let digits = rest.prefix { $0.isNumber }
    guard !digits.isEmpty, rest.dropFirst(digits.count).first == "_" else { return nil }
    let arch = rest.dropFirst(digits.count + 1)
    return arch.isEmpty ? nil : String(arch)
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
