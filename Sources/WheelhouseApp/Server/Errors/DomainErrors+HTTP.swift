public import HTTPTypes
import Hummingbird
public import WheelhouseCore
public import WheelhouseStorage

// The HTTP answers of the domain errors. Statuses twine and pip understand: 400 with the
// reason for an invalid file, 409 "File already exists" (twine's `--skip-existing` knows it),
// 413 past a limit, 503 + Retry-After when the same request may succeed later.

extension StorageLayoutError: ClientFacingError {
    /// A name from the URL that can be no key of the store (`..`, `a/b`, upper case, 8 KiB):
    /// nothing can be there.
    public var status: HTTPResponse.Status { .notFound }
    public var clientMessage: String { "No such project or file in this index." }
}

extension BlobStoreError: ClientFacingError {
    public var status: HTTPResponse.Status {
        switch self {
        case .notFound, .invalidKey: .notFound
        // A write that kept losing to concurrent writers, or a failing backend.
        case .preconditionFailed, .backend: .serviceUnavailable
        }
    }
    public var clientMessage: String {
        switch self {
        case .notFound, .invalidKey: "No such project or file in this index."
        case .preconditionFailed: "The store changed under this request, nothing was changed; try again."
        case .backend: "The store is unavailable, nothing was changed; try again."
        }
    }
    public var clientHeaders: HTTPFields { status == .serviceUnavailable ? [.retryAfter: "5"] : [:] }
}

extension IngestError: ClientFacingError {
    public var status: HTTPResponse.Status {
        switch self {
        case .conflict: .conflict
        // A refusal by the project's state, not a clash with a stored file: twine's and our
        // `--skip-existing` skip every 409, and must not skip this silently.
        case .projectClosed: .forbidden
        case .tooLarge: .contentTooLarge
        case .store: .serviceUnavailable
        case .invalidFilename, .invalidArchive, .digestMismatch, .formMismatch: .badRequest
        }
    }
    public var clientMessage: String {
        switch self {
        // The cause (paths, keys, request ids) is logged, not sent; the same upload may
        // simply be sent again.
        case .store: "The store is unavailable, nothing was published; try again."
        default: description
        }
    }
    public var clientHeaders: HTTPFields { status == .serviceUnavailable ? [.retryAfter: "5"] : [:] }
}

extension UpstreamError: ClientFacingError {
    /// The mirror's upstream failed or served something that does not match what it advertised.
    public var status: HTTPResponse.Status { isTimeout ? .gatewayTimeout : .badGateway }
    public var clientMessage: String { description }
}

extension MirrorRefusal: ClientFacingError {
    var status: HTTPResponse.Status { .badGateway }
    public var clientMessage: String { message }
}

/// A request of the mirror's upstream failed: 504 when it timed out, else 502.
struct UpstreamFailure: ClientFacingError {
    var cause: UpstreamError
    var message: String
    var status: HTTPResponse.Status { cause.isTimeout ? .gatewayTimeout : .badGateway }
    public var clientMessage: String { message }
}

/// PEP 792: what a project's status forbids on the read side.
enum ProjectStatusRefusal: ClientFacingError {
    /// A quarantined project offers no file, metadata or provenance.
    case quarantined(String, ProjectStatus)

    var status: HTTPResponse.Status { .notFound }
    var clientMessage: String {
        switch self {
        case .quarantined(let project, let status):
            "Project '\(project)' is quarantined: its files are not served" + (status.reason.map { " (\($0))" } ?? "") + "."
        }
    }
}

extension ProvenanceError: ClientFacingError {
    /// PEP 740: attestations not of the PEP's shape are refused; nothing was published.
    public var status: HTTPResponse.Status { .badRequest }
    public var clientMessage: String { description }
}
