public import Foundation

/// The record of one project, stored at `_wheelhouse/projects/{project}.json`: the source of
/// truth the simple pages and the static export are rendered from (DESIGN.md §2).
///
/// A value: every change returns a new record, so the caller can compare-and-swap the encoded
/// bytes and retry on conflict.
public struct ProjectRecord: Codable, Sendable, Equatable {
    /// The version of this record's JSON layout; `decode` refuses newer ones.
    public static let currentSchemaVersion = 1

    /// PEP 503 normalized name.
    public let name: String
    /// The name as first uploaded, shown on the project list.
    public let displayName: String
    /// Sorted by filename, at most one entry per filename.
    public private(set) var files: [FileRecord]
    public let schemaVersion: Int
    /// PEP 792 project status. Stored only when not `active`, so records written before it
    /// existed (and by older Wheelhouses) read as active and active records keep their bytes.
    public private(set) var status: ProjectStatus

    public init(name: String, displayName: String, files: [FileRecord] = [], status: ProjectStatus = .active) {
        self.name = name
        self.displayName = displayName
        self.files = files.sorted { $0.filename < $1.filename }
        self.schemaVersion = Self.currentSchemaVersion
        self.status = status
    }

    enum CodingKeys: String, CodingKey {
        case name
        case displayName = "display_name"
        case files
        case schemaVersion = "schema_version"
        case status = "project_status"
    }

    /// PEP 792: the record with `status` (replacing the previous status and reason).
    public func withStatus(_ status: ProjectStatus) -> ProjectRecord {
        var copy = self
        copy.status = status
        return copy
    }

    /// The record with the file named `filename` replaced by `change(file)`; nil when there is none.
    public func updatingFile(named filename: String, _ change: (inout FileRecord) -> Void) -> ProjectRecord? {
        guard let index = index(of: filename) else { return nil }
        var copy = self
        change(&copy.files[index])
        return copy
    }

    /// The file with this filename, if the project has it.
    public func file(named filename: String) -> FileRecord? {
        index(of: filename).map { files[$0] }
    }

    /// The record with `file` added. Adding a file that is already there with the same sha256
    /// changes nothing (an identical re-upload is a no-op); the same filename with other bytes
    /// is a conflict, because a file key never changes once written.
    public func adding(_ file: FileRecord) throws(RecordError) -> ProjectRecord {
        if let existing = self.file(named: file.filename) {
            guard existing.sha256 == file.sha256 else {
                throw .conflict(filename: file.filename, existingSha256: existing.sha256, newSha256: file.sha256)
            }
            return self
        }
        var copy = self
        let position = files.firstIndex { $0.filename > file.filename } ?? files.endIndex
        copy.files.insert(file, at: position)
        return copy
    }

    /// PEP 592: marks every file of `version` (a normalized version string) as yanked. Yanking
    /// again replaces the reason.
    public func yanking(version: String, reason: String?) throws(RecordError) -> ProjectRecord {
        let reason = reason.flatMap { $0.isEmpty ? nil : $0 }
        return try updatingFiles(ofVersion: version) {
            $0.yanked = true; $0.yankedReason = reason
        }
    }

    /// PEP 592: rescinds the yank of every file of `version` (a normalized version string).
    public func unyanking(version: String) throws(RecordError) -> ProjectRecord {
        try updatingFiles(ofVersion: version) {
            $0.yanked = false; $0.yankedReason = nil
        }
    }

    /// The record without the file named `filename`.
    public func removing(filename: String) throws(RecordError) -> ProjectRecord {
        guard let index = index(of: filename) else { throw .fileNotFound(project: name, filename: filename) }
        var copy = self
        copy.files.remove(at: index)
        return copy
    }

    /// The record as stored: JSON with sorted keys and dates as RFC 3339 with microseconds, so
    /// the same record always gives the same bytes.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339Timestamp.format(date))
        }
        do {
            return try encoder.encode(self)
        } catch {
            // Strings, integers, booleans and formatted dates cannot fail to encode.
            preconditionFailure("encoding a ProjectRecord failed: \(error)")
        }
    }

    /// Reads a stored record, checking what the rest of the code relies on: a supported schema
    /// version, a normalized name, valid timestamps and one entry per filename.
    public static func decode(_ data: Data) throws(RecordError) -> ProjectRecord {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = RFC3339Timestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(text.debugDescription) is not an RFC 3339 timestamp")
            }
            return date
        }
        let record: ProjectRecord
        do {
            record = try decoder.decode(ProjectRecord.self, from: data)
        } catch let error as DecodingError {
            throw .corrupt(reason: Self.describe(error))
        } catch {
            throw .corrupt(reason: "\(error)")
        }
        guard record.schemaVersion <= currentSchemaVersion else {
            throw .unsupportedSchemaVersion(record.schemaVersion, supported: currentSchemaVersion)
        }
        guard StorageLayout.isNormalizedProjectName(record.name) else {
            throw .corrupt(reason: "the project name \(record.name.debugDescription) is not a normalized name")
        }
        for (previous, next) in zip(record.files, record.files.dropFirst()) where previous.filename == next.filename {
            throw .corrupt(reason: "the file \(next.filename.debugDescription) is listed twice")
        }
        for file in record.files {
            for digest in [file.sha256, file.metadataSha256, file.provenanceSha256].compactMap({ $0 }) where !isSha256Hex(digest) {
                throw .corrupt(reason: "\(file.filename) has an invalid sha256 \(digest.debugDescription)")
            }
        }
        return record
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.name = try container.decode(String.self, forKey: .name)
        self.displayName = try container.decode(String.self, forKey: .displayName)
        self.files = try container.decode([FileRecord].self, forKey: .files).sorted { $0.filename < $1.filename }
        self.schemaVersion = try container.decode(Int.self, forKey: .schemaVersion)
        self.status = try container.decodeIfPresent(ProjectStatus.self, forKey: .status) ?? .active
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(displayName, forKey: .displayName)
        try container.encode(files, forKey: .files)
        try container.encode(schemaVersion, forKey: .schemaVersion)
        if status != .active { try container.encode(status, forKey: .status) }
    }

    private func index(of filename: String) -> Int? {
        files.firstIndex { $0.filename == filename }
    }

    private func updatingFiles(ofVersion version: String, _ change: (inout FileRecord) -> Void) throws(RecordError) -> ProjectRecord {
        var copy = self
        var found = false
        for index in copy.files.indices where copy.files[index].version == version {
            change(&copy.files[index])
            found = true
        }
        guard found else { throw .versionNotFound(project: name, version: version) }
        return copy
    }

    /// 64 lowercase hex digits, the form `FileRecord` keeps digests in.
    static func isSha256Hex(_ text: String) -> Bool {
        text.utf8.count == 64
            && text.utf8.allSatisfy { ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f")) }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            var path = ""
            for key in context.codingPath {
                if let index = key.intValue { path += "[\(index)]" } else { path += (path.isEmpty ? "" : ".") + key.stringValue }
            }
            return path.isEmpty ? "" : " at \(path)"
        }
        func message(_ context: DecodingError.Context) -> String {
            let text = context.debugDescription
            return (text.hasSuffix(".") ? String(text.dropLast()) : text) + path(context)
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing key \(key.stringValue.debugDescription)\(path(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return message(context)
        @unknown default:
            return "\(error)"
        }
    }
}

/// One distribution file of a project, as the record keeps it.
public struct FileRecord: Codable, Sendable, Equatable {
    public let filename: String
    /// The PEP 440 normalized version string from the filename.
    public let version: String
    /// `bdist_wheel` or `sdist`, as twine's `filetype`.
    public let packageType: String
    /// Lowercase hex sha256 of the file.
    public let sha256: String
    public let size: Int64
    /// Kept to the microsecond, the precision PEP 700's `upload-time` carries.
    public let uploadTime: Date
    public let requiresPython: String?
    /// Lowercase hex sha256 of the PEP 658 `.metadata` file; nil when there is none.
    public let metadataSha256: String?
    public var yanked: Bool
    /// PEP 592: nil when not yanked or yanked without a reason.
    public var yankedReason: String?
    /// The wheel's python tag (`py3`, `cp311`), or `source` for an sdist, as twine's `pyversion`.
    public let pythonTag: String
    /// For a file mirrored from an upstream index: that index's URL (without credentials); nil
    /// for a file uploaded here. `uploadTime` of a mirrored file is the upstream's, when it gave one.
    public let origin: String?
    /// PEP 740: lowercase hex sha256 of the file's provenance object
    /// (`packages/{project}/{filename}.provenance`); nil when the file has none.
    public var provenanceSha256: String? {
        didSet { if let digest = provenanceSha256, digest != digest.lowercased() { provenanceSha256 = digest.lowercased() } }
    }
    /// Lowercase hex MD5 of the file, when it was computed at ingest (the legacy JSON API's
    /// `md5_digest`); only for files up to `md5SizeLimit`. On S3 it is also the ETag of an
    /// object written in one PUT, which lets `index rebuild` see from a listing alone that a
    /// file is the one recorded. Not a security check: sha256 is.
    public let md5: String?

    /// Files up to this size keep an MD5: S3's default multipart threshold, below which the
    /// MD5 is also the object's ETag. Above it the MD5 identifies nothing, and hashing it costs
    /// a large upload about a tenth of its time.
    public static let md5SizeLimit: Int64 = 64 << 20

    public init(
        filename: String, version: String, packageType: String, sha256: String, size: Int64, uploadTime: Date,
        requiresPython: String?, metadataSha256: String?, yanked: Bool = false, yankedReason: String? = nil,
        pythonTag: String, origin: String? = nil, provenanceSha256: String? = nil, md5: String? = nil
    ) {
        self.filename = filename
        self.version = version
        self.packageType = packageType
        self.sha256 = sha256.lowercased()
        self.size = size
        self.uploadTime = RFC3339Timestamp.normalized(uploadTime)
        self.requiresPython = requiresPython
        self.metadataSha256 = metadataSha256?.lowercased()
        self.yanked = yanked
        self.yankedReason = yanked ? yankedReason : nil
        self.pythonTag = pythonTag
        self.origin = origin
        self.provenanceSha256 = provenanceSha256?.lowercased()
        self.md5 = size <= Self.md5SizeLimit ? md5.flatMap { $0.isEmpty ? nil : $0.lowercased() } : nil
    }

    /// True for a file mirrored from an upstream index, false for one uploaded here.
    public var isMirrored: Bool { origin != nil }

    enum CodingKeys: String, CodingKey {
        case filename, version, sha256, size, yanked, origin, md5
        case packageType = "package_type"
        case uploadTime = "upload_time"
        case requiresPython = "requires_python"
        case metadataSha256 = "metadata_sha256"
        case yankedReason = "yanked_reason"
        case pythonTag = "python_tag"
        case provenanceSha256 = "provenance_sha256"
    }
}

/// Why a project record could not be changed or read.
public enum RecordError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The filename is already in the record with other bytes.
    case conflict(filename: String, existingSha256: String, newSha256: String)
    /// No file of the project has this version.
    case versionNotFound(project: String, version: String)
    /// The project has no file of this name.
    case fileNotFound(project: String, filename: String)
    /// The stored record is not valid JSON of the expected shape.
    case corrupt(reason: String)
    /// The record was written by a newer Wheelhouse.
    case unsupportedSchemaVersion(Int, supported: Int)

    public var description: String {
        switch self {
        case .conflict(let filename, let existing, let new):
            "File already exists: \(filename) was uploaded before with sha256 \(existing), this upload has sha256 \(new). A file cannot be replaced; upload a new version instead."
        case .versionNotFound(let project, let version):
            "Project \(project) has no files of version \(version)."
        case .fileNotFound(let project, let filename):
            "Project \(project) has no file named \(filename)."
        case .corrupt(let reason):
            "Corrupt project record: \(reason). Run `wheelhouse index rebuild` to rebuild records from packages/."
        case .unsupportedSchemaVersion(let version, let supported):
            "Project record schema version \(version) is newer than this Wheelhouse supports (\(supported)); upgrade Wheelhouse."
        }
    }
}
