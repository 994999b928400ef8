import Foundation
import HTTPTypes
import Hummingbird

/// `GET /`: the page to browse and search projects (Public/index.html), and its assets under
/// `/static/`. The page reads `/-/projects.json`, the legacy JSON API and the PEP 691 JSON of
/// `/simple/{project}/` (`LegacyJSONController`, `IndexController`).
///
/// The page and its assets are open under every read policy: they hold no index data, and with
/// `--tokens-required-for read` the page must load to show its sign-in form; every request it
/// makes for data follows the read policy. They carry `X-Content-Type-Options: nosniff` and a
/// strict Content-Security-Policy: the page runs only `/static/app.js` and styles only from
/// `/static/`, so metadata shown in it can never run as script.
struct BrowseController: Sendable {
    let publicDirectory: URL?

    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    func addRoutes(to router: Router<WheelhouseRequestContext>) {
        router.get("/") { _, _ in
            try asset("index.html", contentType: "text/html; charset=utf-8")
        }
        router.get("/static/{name}") { _, context in
            let name = try context.parameters.require("name")
            guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" }),
                !name.hasPrefix(".")
            else { throw Refusal.notFound("Not found.") }
            let type =
                name.hasSuffix(".js")
                ? "text/javascript; charset=utf-8"
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
