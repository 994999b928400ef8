public import WheelhouseCore
import WheelhouseStorage

/// Why a distribution file was refused. Every message is written for the person who ran
/// `twine upload` or `wheelhouse upload`: it names the file and what is wrong with it.
public enum IngestError: Error, Sendable, CustomStringConvertible {
    /// The filename is not a valid wheel or sdist filename.
    case invalidFilename(filename: String, reason: String)
    /// The archive is damaged, hostile or inconsistent with its filename.
    case invalidArchive(filename: String, reason: String)
    /// A digest sent by the client does not match the bytes received.
    case digestMismatch(filename: String, algorithm: String)
    /// The same filename already exists with other bytes; the original is kept.
    case conflict(filename: String, existingSHA256: String, newSHA256: String)
    /// The file is larger than the configured upload limit.
    case tooLarge(filename: String, limit: Int64)
    /// The form fields sent with the upload contradict the file (name or version).
    case formMismatch(filename: String, reason: String)
    /// The store failed; nothing partial is visible.
    case store(filename: String, underlying: String)
    /// PEP 792: the project is archived or quarantined and takes no new upload.
    case projectClosed(filename: String, project: String, status: ProjectStatus)

    public var filename: String {
        switch self {
        case .invalidFilename(let f, _), .invalidArchive(let f, _), .digestMismatch(let f, _),
            .conflict(let f, _, _), .tooLarge(let f, _), .formMismatch(let f, _), .store(let f, _),
            .projectClosed(let f, _, _):
            f
        }
    }

    public var description: String {
        switch self {
        case .invalidFilename(let f, let reason):
            "Invalid distribution filename '\(f)': \(reason)"
        case .invalidArchive(let f, let reason):
            "Invalid distribution file '\(f)': \(reason)"
        case .digestMismatch(let f, let algorithm):
            "The \(algorithm) digest supplied for '\(f)' does not match the uploaded bytes"
        case .conflict(let f, let existing, let new):
            "File already exists: '\(f)' is already in the index with other contents "
                + "(stored sha256 \(existing), uploaded sha256 \(new)). "
                + "A published file never changes: upload a new version instead"
        case .tooLarge(let f, let limit):
            "'\(f)' is larger than the upload limit of \(limit) bytes"
        case .formMismatch(let f, let reason):
            "Upload of '\(f)' rejected: \(reason)"
        case .store(let f, let underlying):
            "Storing '\(f)' failed: \(underlying)"
        case .projectClosed(let f, let project, let status):
            "Upload of '\(f)' refused: project '\(project)' is \(status.state.rawValue) and takes no new uploads"
                + (status.reason.map { " (\($0))" } ?? "")
        }
    }
}

/// The result of ingesting one file.
public struct IngestOutcome: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable {
        /// The file is new and now visible in the index.
        case added
        /// The identical file was already there: nothing changed.
        case unchanged
    }
    public var status: Status
    public var project: String
    public var filename: String
    public var version: String
    public var sha256: String
    public var size: Int64
    /// What is unusual about the file's metadata; the file was accepted all the same.
    public var warnings: [String] = []
}
