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

    /// Answers from the page's pre-built representations: `304` when `If-None-Match` matches,
    /// else the gzip body when the client takes it, else the identity body.
    static func respond(_ request: Request, _ page: RenderedPage) -> Response {
        if let inm = request.headers[.ifNoneMatch], ConditionalRequest.ifNoneMatchMatches(inm, etag: page.etag) {
            return Response(status: .notModified, headers: page.headers)
        }
        if let gz = page.gzipped, let gzipHeaders = page.gzipHeaders, acceptsGzip(request.headers[.acceptEncoding]) {
            return Response(status: .ok, headers: gzipHeaders, body: .init(byteBuffer: gz))
        }
        return Response(status: .ok, headers: page.identityHeaders, body: .init(byteBuffer: page.body))
    }

    /// True when `Accept-Encoding` lists gzip (or `*`) with a non-zero q-value (RFC 9110
    /// §12.5.3). Reads the header's bytes in place: no strings are made.
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        var utf8 = Substring(header).utf8
        // The common case, `gzip` alone or first without parameters, answers at once.
        if utf8.count >= 4, utf8.starts(with: "gzip".utf8),
            utf8.count == 4 || utf8[utf8.index(utf8.startIndex, offsetBy: 4)] == UInt8(ascii: ",")
        {
            return true
        }
        while !utf8.isEmpty {
            let end = utf8.firstIndex(of: UInt8(ascii: ",")) ?? utf8.endIndex
            if acceptsGzipItem(utf8[utf8.startIndex..<end]) { return true }
            utf8 = end == utf8.endIndex ? utf8[end...] : utf8[utf8.index(after: end)...]
        }
        return false
    }

    /// One `coding;q=x` item of `Accept-Encoding`.
    private static func acceptsGzipItem(_ item: Substring.UTF8View) -> Bool {
        let semicolon = item.firstIndex(of: UInt8(ascii: ";")) ?? item.endIndex
        let coding = trimmed(item[item.startIndex..<semicolon])
        guard equalsIgnoringCase(coding, "gzip") || equalsIgnoringCase(coding, "x-gzip") || equalsIgnoringCase(coding, "*") else {
            return false
        }
        var parameters = semicolon == item.endIndex ? item[semicolon...] : item[item.index(after: semicolon)...]
        while !parameters.isEmpty {
            let end = parameters.firstIndex(of: UInt8(ascii: ";")) ?? parameters.endIndex
            let parameter = trimmed(parameters[parameters.startIndex..<end])
            if parameter.count >= 2, parameter.first.map({ $0 | 0x20 }) == UInt8(ascii: "q"),
                parameter[parameter.index(after: parameter.startIndex)] == UInt8(ascii: "=")
            {
                let value = Substring(parameter.dropFirst(2))
                return (Double(value) ?? 1) > 0
            }
            parameters = end == parameters.endIndex ? parameters[end...] : parameters[parameters.index(after: end)...]
        }
        return true
    }

    private static func trimmed(_ bytes: Substring.UTF8View) -> Substring.UTF8View {
        let isSpace = { (b: UInt8) in b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) }) else {
            return bytes[bytes.endIndex...]
        }
        return bytes[first...last]
    }

    private static func equalsIgnoringCase(_ bytes: Substring.UTF8View, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        var i = 0
        for byte in bytes {
            let lower = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            if lower != lowercase.utf8Start[i] { return false }
            i += 1
        }
        return true
    }

    static func redirect(to location: String) -> Response {
        Response(status: .movedPermanently, headers: [.location: location, .contentLength: "0"])
    }

    static func notAcceptable() -> Response {
        let body =
            "None of the formats in Accept is served here. Available: "
            + "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html, text/html\n"
        return Response(
            status: .notAcceptable, headers: [.contentType: "text/plain; charset=utf-8", .vary: "Accept"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
