import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization
import WheelhouseCore

/// The twine-compatible legacy upload API: `POST /legacy/` (and `POST /`).
///
/// Statuses twine understands: 200 for a new file and for a re-upload of identical bytes,
/// 400 with the reason in the status line and body for an invalid file, 409 "File already
/// exists" for a filename that exists with other bytes (twine's `--skip-existing` recognises
/// it), 401/403 for missing/wrong credentials, 413 past the size limit.
struct UploadController: Sendable {
    let ingestor: Ingestor
    let auth: Authenticator
    let metrics: ServerMetrics
    let maxUploadBytes: Int64
    let spoolDirectory: URL
    let slots: UploadSlots

    func addRoutes(to router: Router<WheelhouseRequestContext>) {
        router.post("/legacy") { request, context in try await upload(request, context) }
        router.post("/") { request, context in try await upload(request, context) }
    }

    func upload(_ request: Request, _ context: WheelhouseRequestContext) async throws -> Response {
        do {
            return try await receive(request, context)
        } catch let error as AuthError {
            // Refused before the body was read: the connection closes after the answer.
            return try error.closingConnection(from: request, context: context)
        } catch {
            metrics.uploadFailed()
            if let error = error as? IngestError {
                context.logger.info("upload refused", metadata: ["filename": "\(error.filename)", "reason": "\(error)"])
            }
            throw error
        }
    }

    private func receive(_ request: Request, _ context: WheelhouseRequestContext) async throws -> Response {
        try await auth.authorize(request, for: .upload)
        guard let contentType = request.headers[.contentType],
            contentType.lowercased().hasPrefix("multipart/form-data"),
            let boundary = Self.boundary(contentType)
        else { throw UploadRefusal.notMultipart }
        if let length = request.headers[.contentLength].flatMap(Int64.init), length > maxUploadBytes + (1 << 20) {
            throw UploadRefusal.tooLarge(limit: maxUploadBytes)
        }
        guard slots.acquire() else {
            context.logger.notice("upload refused: too many at once", metadata: ["limit": "\(slots.limit)"])
            throw UploadRefusal.busy(limit: slots.limit)
        }
        defer { slots.release() }
        // Authorized and accepted: a client that asked to wait (`Expect: 100-continue`) may send the body now.
        context.sendContinueIfExpected(request)

        let form = try await MultipartUpload.read(
            body: request.body, boundary: boundary, maxBytes: maxUploadBytes, spoolDirectory: spoolDirectory)
        defer { form.discard() }

        // A field Wheelhouse checks must be sent once: with two digests, which one was verified
        // would be a guess.
        for name in Self.singleValuedFields where (form.fields[name]?.count ?? 0) > 1 {
            throw UploadRefusal.repeatedField(name)
        }
        guard form.field(":action") == "file_upload" else { throw UploadRefusal.unsupportedAction(form.field(":action")) }
        if let version = form.field("protocol_version"), version != "1" { throw UploadRefusal.unsupportedProtocol(version) }
        guard let spool = form.spoolFile, let digest = form.digest, let filename = form.filename, !filename.isEmpty else {
            throw UploadRefusal.noFile
        }
        // Digests the client computed must match the bytes we received (warehouse does the same).
        if let sent = form.field("sha256_digest"), !constantTimeEquals(sent.lowercased(), digest.sha256) {
            throw UploadRefusal.digestMismatch("sha256_digest")
        }
        if let sent = form.field("md5_digest"), !constantTimeEquals(sent.lowercased(), digest.md5) {
            throw UploadRefusal.digestMismatch("md5_digest")
        }

        var candidate = Ingestor.Candidate(
            file: spool, filename: filename, projectHint: form.field("name"), digest: digest,
            formName: form.field("name"), formVersion: form.field("version"))
        // PEP 740: `attestations` (twine --attestations, uv publish) becomes the file's provenance.
        if let attestations = form.field("attestations") {
            candidate.provenance = try Provenance.object(fromUploadField: attestations)
        }
        let outcome = try await ingestor.ingest(candidate)
        metrics.uploadSucceeded(bytes: outcome.size)
        context.logger.info(
            "upload \(outcome.status.rawValue)",
            metadata: ["project": "\(outcome.project)", "filename": "\(outcome.filename)", "sha256": "\(outcome.sha256)"]
                .merging(outcome.warnings.isEmpty ? [:] : ["warnings": "\(outcome.warnings.joined(separator: "; "))"]) { a, _ in a })
        // Warnings follow the first line, one `warning: ` line each (twine shows the body with --verbose).
        let body =
            (outcome.status == .added ? "OK\n" : "OK (identical file already present)\n")
            + outcome.warnings.map { "warning: \($0)\n" }.joined()
        var headers: HTTPFields = [.contentType: "text/plain; charset=utf-8"]
        if let field = HTTPField.Name(UploadResult.headerName) {
            headers[field] = (outcome.status == .added ? UploadResult.published : .unchanged).rawValue
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// Form fields read once; each may appear at most once.
    static let singleValuedFields = [
        ":action", "protocol_version", "name", "version", "sha256_digest", "md5_digest", "blake2_256_digest",
        "attestations",
    ]

    static func boundary(_ contentType: String) -> String? {
        for part in contentType.split(separator: ";").dropFirst() {
            let kv = part.split(separator: "=", maxSplits: 1)
            guard kv.count == 2, kv[0].trimmingSpaces.lowercased() == "boundary" else { continue }
            var value = kv[1].trimmingSpaces
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value.isEmpty || value.count > 200 ? nil : value
        }
        return nil
    }
}

/// Counts the uploads being received, against `--max-concurrent-uploads`.
final class UploadSlots: Sendable {
    let limit: Int
    private let inUse = Mutex(0)

    init(limit: Int) { self.limit = max(1, limit) }

    /// Takes a slot; false when all are taken.
    func acquire() -> Bool {
        inUse.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func release() { inUse.withLock { $0 -= 1 } }
}

/// Why the upload API refused a request before ingesting anything.
enum UploadRefusal: ClientFacingError {
    case notMultipart
    case tooLarge(limit: Int64)
    case busy(limit: Int)
    case repeatedField(String)
    case unsupportedAction(String?)
    case unsupportedProtocol(String)
    case noFile
    case digestMismatch(String)

    var status: HTTPResponse.Status {
        switch self {
        case .tooLarge: .contentTooLarge
        case .busy: .serviceUnavailable
        default: .badRequest
        }
    }

    var clientMessage: String {
        switch self {
        case .notMultipart: "Uploads must be multipart/form-data (as twine sends them)."
        case .tooLarge(let limit): "The upload is larger than this server's limit of \(limit) bytes."
        case .busy(let limit): "The server is receiving \(limit) uploads already; nothing was published; try again shortly."
        case .repeatedField(let name): "The form field '\(name)' is sent more than once."
        case .unsupportedAction(let action):
            "Unsupported ':action' \(action.map { "'\($0)'" } ?? "(missing)"): only file_upload is supported."
        case .unsupportedProtocol(let version): "Unsupported protocol_version '\(version)'."
        case .noFile: "The upload has no file: the 'content' part with a filename is missing."
        case .digestMismatch(let field): "The \(field) supplied does not match the uploaded file's bytes."
        }
    }

    var clientHeaders: HTTPFields { status == .serviceUnavailable ? [.retryAfter: "5"] : [:] }

    /// Answers given before the body was read close the connection.
    var closesConnection: Bool {
        switch self {
        case .notMultipart, .tooLarge, .busy: true
        default: false
        }
    }
}

extension MultipartUpload.ReadError: ClientFacingError {
    var status: HTTPResponse.Status {
        switch self {
        case .badRequest: .badRequest
        case .tooLarge: .contentTooLarge
        // The server could not spool the body (its disk is full): the same upload may succeed later.
        case .spoolFailed: .serviceUnavailable
        }
    }

    var clientMessage: String {
        switch self {
        case .badRequest(let message): message
        case .tooLarge(let limit): "The upload is larger than this server's limit of \(limit) bytes."
        case .spoolFailed: "The server cannot take uploads right now (no room to receive the file); nothing was published; try again later."
        }
    }

    var clientHeaders: HTTPFields { status == .serviceUnavailable ? [.retryAfter: "30"] : [:] }
    /// The body was not read to its end.
    var closesConnection: Bool { true }
}
