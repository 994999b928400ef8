import Foundation
import HTTPTypes
import Hummingbird
import Logging

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

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("/legacy") { request, context in try await upload(request, context) }
        router.post("/") { request, context in try await upload(request, context) }
    }

    func upload(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        do {
            try await auth.authorize(request, for: .upload)
        } catch var error as HTTPError {
            // Refused before the body was read: the connection closes after the answer.
            error.headers[.connection] = "close"
            throw error
        }
        guard let contentType = request.headers[.contentType],
            contentType.lowercased().hasPrefix("multipart/form-data"),
            let boundary = Self.boundary(contentType)
        else {
            return Self.failure(.badRequest, "Uploads must be multipart/form-data (as twine sends them).", close: true)
        }
        if let length = request.headers[.contentLength].flatMap(Int64.init), length > maxUploadBytes + (1 << 20) {
            return Self.failure(.contentTooLarge, "The upload is larger than this server's limit of \(maxUploadBytes) bytes.", close: true)
        }

        let form: MultipartUpload
        do {
            form = try await MultipartUpload.read(
                body: request.body, boundary: boundary, maxBytes: maxUploadBytes, spoolDirectory: spoolDirectory)
        } catch MultipartUpload.ReadError.tooLarge(let limit) {
            metrics.uploadFailed()
            return Self.failure(.contentTooLarge, "The upload is larger than this server's limit of \(limit) bytes.", close: true)
        } catch MultipartUpload.ReadError.badRequest(let message) {
            metrics.uploadFailed()
            return Self.failure(.badRequest, message, close: true)
        } catch MultipartUpload.ReadError.spoolFailed(let detail) {
            metrics.uploadFailed()
            context.logger.error("upload spool failed", metadata: ["error": "\(detail)"])
            var response = Self.failure(
                .serviceUnavailable, "The server cannot take uploads right now (no room to receive the file); nothing was published; try again later.",
                close: true)
            response.headers[.retryAfter] = "30"
            return response
        }
        defer { form.discard() }

        // A field Wheelhouse checks must be sent once: with two digests, which one was verified
        // would be a guess (issue 13).
        for name in Self.singleValuedFields where (form.fields[name]?.count ?? 0) > 1 {
            metrics.uploadFailed()
            return Self.failure(.badRequest, "The form field '\(name)' is sent more than once.")
        }
        guard form.field(":action") == "file_upload" else {
            metrics.uploadFailed()
            return Self.failure(.badRequest, "Unsupported ':action' \(form.field(":action").map { "'\($0)'" } ?? "(missing)"): only file_upload is supported.")
        }
        if let version = form.field("protocol_version"), version != "1" {
            return Self.failure(.badRequest, "Unsupported protocol_version '\(version)'.")
        }
        guard let spool = form.spoolFile, let digest = form.digest, let filename = form.filename, !filename.isEmpty else {
            metrics.uploadFailed()
            return Self.failure(.badRequest, "The upload has no file: the 'content' part with a filename is missing.")
        }
        // Digests the client computed must match the bytes we received (warehouse does the same).
        if let sent = form.field("sha256_digest"), !constantTimeEquals(sent.lowercased(), digest.sha256) {
            metrics.uploadFailed()
            return Self.failure(.badRequest, "The sha256_digest supplied does not match the uploaded file's bytes.")
        }
        if let sent = form.field("md5_digest"), !constantTimeEquals(sent.lowercased(), digest.md5) {
            metrics.uploadFailed()
            return Self.failure(.badRequest, "The md5_digest supplied does not match the uploaded file's bytes.")
        }

        let candidate = Ingestor.Candidate(
            file: spool, filename: filename, projectHint: form.field("name"), digest: digest,
            formName: form.field("name"), formVersion: form.field("version"))
        let outcome: IngestOutcome
        do {
            outcome = try await ingestor.ingest(candidate)
        } catch {
            metrics.uploadFailed()
            context.logger.info("upload refused", metadata: ["filename": "\(filename)", "reason": "\(error)"])
            switch error {
            case .conflict:
                return Self.failure(.conflict, error.description)
            case .tooLarge:
                return Self.failure(.contentTooLarge, error.description)
            case .store:
                // The store failed (after the client's retries): nothing became visible, and the
                // same upload may simply be sent again. The cause (paths, keys, request ids) is
                // in the log above, not in the answer.
                var response = Self.failure(
                    .serviceUnavailable, "The store is unavailable, nothing was published; try again.")
                response.headers[.retryAfter] = "5"
                return response
            default:
                return Self.failure(.badRequest, error.description)
            }
        }
        metrics.uploadSucceeded(bytes: outcome.size)
        context.logger.info(
            "upload \(outcome.status.rawValue)",
            metadata: ["project": "\(outcome.project)", "filename": "\(outcome.filename)", "sha256": "\(outcome.sha256)"]
                .merging(outcome.warnings.isEmpty ? [:] : ["warnings": "\(outcome.warnings.joined(separator: "; "))"]) { a, _ in a })
        // Warnings follow the first line, one `warning: ` line each (twine shows the body with --verbose).
        let body = (outcome.status == .added ? "OK\n" : "OK (identical file already present)\n")
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
    ]

    /// A failure with the message both in the status line (what twine prints) and in the body.
    /// `close`: the body was not read to its end, so the connection closes after the answer
    /// (`ConnectionGuard`) instead of reading a body nobody wants.
    static func failure(_ status: HTTPResponse.Status, _ message: String, close: Bool = false) -> Response {
        let reason = ReasonPhrase.sanitized(message)
        var headers: HTTPFields = [.contentType: "text/plain; charset=utf-8", ReasonPhrase.field: reason]
        if close { headers[.connection] = "close" }
        return Response(
            status: HTTPResponse.Status(code: status.code, reasonPhrase: reason), headers: headers,
            body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
    }

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
