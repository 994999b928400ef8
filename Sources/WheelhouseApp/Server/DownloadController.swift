import Foundation
import HTTPTypes
import Hummingbird
import WheelhouseCore
import WheelhouseStorage

/// `GET`/`HEAD /packages/{project}/{filename}`, its `.metadata` (PEP 658) and its `.provenance`
/// (PEP 740). Nothing of a quarantined project (PEP 792) is served: 404 with the reason.
///
/// Our own range and conditional handling (Hummingbird's FileMiddleware gets suffix ranges and
/// out-of-range requests wrong): strong ETag = the file's sha256 from its record, `If-None-Match`
/// with lists and `*` (304), single `Range` including suffix ranges (206), unsatisfiable ranges
/// (416 with `Content-Range: bytes */size`), `If-Range`. Only files listed in the project's
/// record are served: bytes that are not yet (or no longer) in the index are invisible.
struct DownloadController: Sendable {
    let cache: IndexCache
    let store: any BlobStore
    let auth: Authenticator
    let metrics: ServerMetrics
    /// See `ServerConfiguration.downloadRedirectExpiry`.
    let redirectExpiry: Duration?
    /// Set with `--upstream`: files our pages list but the store lacks are fetched through it.
    var mirror: PullThroughMirror? = nil

    func addRoutes(to router: Router<WheelhouseRequestContext>) {
        router.get("/packages/{project}/{filename}") { request, context in
            try await serve(request, context, includeBody: true)
        }
        router.head("/packages/{project}/{filename}") { request, context in
            try await serve(request, context, includeBody: false)
        }
    }

    func serve(_ request: Request, _ context: WheelhouseRequestContext, includeBody: Bool) async throws -> Response {
        try await auth.authorize(request, for: .read)
        let project = try context.parameters.require("project")
        // File links percent-encode the filename (a local version's `+` is `%2B`).
        let rawFilename = try context.parameters.require("filename")
        let filename = rawFilename.removingPercentEncoding ?? rawFilename
        if let mirror, StorageLayout.isNormalizedProjectName(project),
            let response = try await mirror.serveUncached(request, project: project, filename: filename, includeBody: includeBody)
        {
            return response
        }
        guard let record = try await cache.record(project) else { throw notFound(filename) }
        if !record.status.servesFiles { throw ProjectStatusRefusal.quarantined(project, record.status) }

        let key: String
        let etag: String
        let contentType: String
        if let file = record.files.first(where: { $0.filename == filename }) {
            key = try StorageLayout.fileKey(project: project, filename: filename)
            etag = "\"\(file.sha256)\""
            contentType = StoredContentType.of(filename)
            // The file is in the index, so its bytes are complete: let the client fetch them
            // from the store itself (in a VPC, through the S3 gateway endpoint). Metadata files
            // are small and stay on the server.
            if let redirectExpiry, let direct = try await store.directDownloadURL(key, expires: redirectExpiry) {
                metrics.addRedirect()
                return Response(
                    status: .found,
                    headers: [.location: direct.absoluteString, .cacheControl: "no-store", .contentLength: "0"])
            }
        } else if filename.hasSuffix(".metadata"),
            let file = record.files.first(where: { $0.filename == String(filename.dropLast(".metadata".count)) }),
            let metadataSHA256 = file.metadataSha256
        {
            key = try StorageLayout.metadataKey(project: project, filename: file.filename)
            etag = "\"\(metadataSHA256)\""
            contentType = StoredContentType.metadata
        } else if filename.hasSuffix(StorageLayout.provenanceSuffix),
            let file = record.file(named: String(filename.dropLast(StorageLayout.provenanceSuffix.count))),
            let provenanceSHA256 = file.provenanceSha256
        {
            key = try StorageLayout.provenanceKey(project: project, filename: file.filename)
            etag = "\"\(provenanceSHA256)\""
            contentType = StoredContentType.provenance
        } else {
            throw notFound(filename)
        }

        var headers: HTTPFields = [
            .eTag: etag,
            .acceptRanges: "bytes",
            .contentType: contentType,
            // A published file never changes (DESIGN.md §2), so caches may keep it forever.
            .cacheControl: "public, max-age=31536000, immutable",
        ]
        if let inm = request.headers[.ifNoneMatch], ConditionalRequest.ifNoneMatchMatches(inm, etag: etag) {
            return Response(status: .notModified, headers: headers)
        }
        guard let info = try await store.head(key) else { throw notFound(filename) }
        let size = info.size

        var range: (first: Int64, last: Int64)?
        switch RangeAnswer(size: size, etag: etag, range: request.headers[.range], ifRange: request.headers[.ifRange]) {
        case .unsatisfiable:
            headers[.contentRange] = "bytes */\(size)"
            headers[.contentLength] = "0"
            return Response(status: .rangeNotSatisfiable, headers: headers)
        case .partial(let first, let last):
            range = (first, last)
        case .whole:
            break
        }
        let status: HTTPResponse.Status = range == nil ? .ok : .partialContent
        if let range {
            headers[.contentRange] = "bytes \(range.first)-\(range.last)/\(size)"
            headers[.contentLength] = String(range.last - range.first + 1)
        } else {
            headers[.contentLength] = String(size)
        }
        guard includeBody else { return Response(status: status, headers: headers) }

        let (_, body) = try await store.get(key, range: range.map { ByteRange(first: $0.first, last: $0.last) })
        let metrics = self.metrics
        return Response(
            status: status, headers: headers,
            body: ResponseBody { writer in
                var sent: Int64 = 0
                for try await chunk in body {
                    sent += Int64(chunk.readableBytes)
                    try await writer.write(chunk)
                }
                metrics.addDownloaded(bytes: sent)
                try await writer.finish(nil)
            })
    }

    func notFound(_ filename: String) -> Refusal {
        Refusal.notFound("No file named '\(filename)' in this index.")
    }
}
