import Foundation
import HTTPTypes
import Hummingbird

/// `GET /`: the page to browse and search projects (Public/index.html), and its assets under
/// `/static/`. The page reads the PEP 691 JSON of `/simple/`, so it needs no API of its own.
///
/// The page and its assets follow the read policy (`--tokens-required-for read` protects them
/// too), and carry `X-Content-Type-Options: nosniff` and a strict Content-Security-Policy: the
/// page runs only `/static/app.js` and styles only from `/static/`, so metadata shown in it can
/// never run as script.
struct BrowseController: Sendable {
    let publicDirectory: URL?
    var auth: Authenticator? = nil

    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    func addRoutes(to router: Router<WheelhouseRequestContext>) {
        router.get("/") { request, _ in
            try await auth?.authorize(request, for: .read)
            return try asset("index.html", contentType: "text/html; charset=utf-8")
        }
        router.get("/static/{name}") { request, context in
            try await auth?.authorize(request, for: .read)
            let name = try context.parameters.require("name")
            guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" }),
                !name.hasPrefix(".")
            else { throw Refusal.notFound("Not found.") }
            let type =
                name.hasSuffix(".js") ? "text/javascript; charset=utf-8"
                : name.hasSuffix(".css") ? "text/css; charset=utf-8" : "application/octet-stream"
            return try asset(name, contentType: type)
        }
    }

    func asset(_ name: String, contentType: String) throws -> Response {
        guard let dir = publicDirectory,
            let data = FileManager.default.contents(atPath: dir.appendingPathComponent(name).path)
        else {
            if name == "index.html" {
                return Response(
                    status: .ok, headers: Self.headers(contentType),
                    body: .init(byteBuffer: ByteBuffer(string: Self.fallbackPage)))
            }
            throw Refusal.notFound("Not found.")
        }
        var headers = Self.headers(contentType)
        headers[.cacheControl] = "max-age=300"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func headers(_ contentType: String) -> HTTPFields {
        [.contentType: contentType, .xContentTypeOptions: "nosniff", .contentSecurityPolicy: contentSecurityPolicy]
    }

    static let fallbackPage = """
        <!DOCTYPE html>
        <html><head><meta charset="utf-8"><title>Wheelhouse</title></head>
        <body><h1>Wheelhouse</h1>
        <p>This is a Python package index. Use <code>pip install --index-url URL/simple/ PACKAGE</code>,
        or browse the <a href="/simple/">project list</a>.</p></body></html>

        """
}
