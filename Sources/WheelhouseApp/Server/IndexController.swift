import Foundation
import HTTPTypes
import Hummingbird
import WheelhouseCore

/// `GET /simple/` and `GET /simple/{project}/`: PEP 503 HTML and PEP 691 JSON from one URL,
/// chosen by `Accept` (or `?format=`), served from the in-memory cache, gzip-compressed when
/// the client accepts it, with a strong ETag and `Vary: Accept, Accept-Encoding`.
struct IndexController: Sendable {
    let cache: IndexCache
    let auth: Authenticator
    /// Set with `--upstream`: project pages come from it.
    var mirror: PullThroughMirror? = nil

    func addRoutes(to router: Router<WheelhouseRequestContext>) {
        router.get("/simple") { request, _ in
            try await auth.authorize(request, for: .read)
            guard request.uri.path.hasSuffix("/") else { return Self.redirect(to: "/simple/") }
            guard let format = Self.format(request) else { return Self.notAcceptable() }
            return Self.respond(request, try await cache.rootPage(format: format))
        }
        router.get("/simple/{project}") { request, context in
            try await auth.authorize(request, for: .read)
            let raw = try context.parameters.require("project")
            let normalized = ProjectName.normalize(raw)
            // PEP 503: a non-normalized name (or a missing slash) redirects to the canonical URL.
            // A name no project can have (`..`, `a/b`, spaces, 8 KiB) is simply not here.
            guard StorageLayout.isNormalizedProjectName(normalized) else {
                throw Refusal.notFound("No such project in this index.")
            }
            guard raw == normalized, request.uri.path.hasSuffix("/") else {
                return Self.redirect(to: "/simple/\(normalized)/")
            }
            guard let format = Self.format(request) else { return Self.notAcceptable() }
            let origin = Self.origin(request)
            let found =
                if let mirror { try await mirror.projectPage(normalized, format: format, origin: origin) } else {
                    try await cache.projectPage(normalized, format: format, origin: origin)
                }
            guard let page = found else {
                throw Refusal.notFound("No project named '\(normalized)' in this index.")
            }
            return Self.respond(request, page)
        }
    }

    static func format(_ request: Request) -> SimpleFormat? {
        SimpleFormat.negotiate(
            accept: request.headers[.accept],
            formatOverride: request.uri.queryParameters.get("format"))
    }

    /// `http://host:port` as the client named this server (`Host`; `https` when a proxy says so
    /// with `X-Forwarded-Proto`), to qualify PEP 740 provenance URLs. Nil when `Host` is missing
    /// or holds anything but a host name, an IP literal and a port.
    static func origin(_ request: Request) -> String? {
        guard let host = request.head.authority, !host.isEmpty, host.utf8.count <= 255,
            host.utf8.allSatisfy({ byte in
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
                    || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]")
            })
        else { return nil }
        let https = Self.forwardedProto.flatMap { request.headers[$0] }?.lowercased() == "https"
        return (https ? "https://" : "http://") + host.lowercased()
    }

    static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")

    static func respond(_ request: Request, _ page: RenderedPage) -> Response {
        var headers: HTTPFields = [
            .contentType: page.contentType,
            .eTag: page.etag,
            .vary: "Accept, Accept-Encoding",
            .cacheControl: "max-age=60, public",
        ]
        if let inm = request.headers[.ifNoneMatch], ConditionalRequest.ifNoneMatchMatches(inm, etag: page.etag) {
            return Response(status: .notModified, headers: headers)
        }
        if let gz = page.gzipped, acceptsGzip(request.headers[.acceptEncoding]) {
            headers[.contentEncoding] = "gzip"
            headers[.contentLength] = String(gz.readableBytes)
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: gz))
        }
        headers[.contentLength] = String(page.body.readableBytes)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: page.body))
    }

    /// True when `Accept-Encoding` lists gzip (or `*`) with a non-zero q-value.
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        for item in header.split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.trimmingSpaces.lowercased() }
            guard let coding = parts.first, coding == "gzip" || coding == "x-gzip" || coding == "*" else { continue }
            let q = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if q > 0 { return true }
        }
        return false
    }

    static func redirect(to location: String) -> Response {
        Response(status: .movedPermanently, headers: [.location: location, .contentLength: "0"])
    }

    static func notAcceptable() -> Response {
        let body = "None of the formats in Accept is served here. Available: "
            + "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html, text/html\n"
        return Response(
            status: .notAcceptable, headers: [.contentType: "text/plain; charset=utf-8", .vary: "Accept"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
