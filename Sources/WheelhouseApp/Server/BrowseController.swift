import Foundation
import Hummingbird

/// `GET /`: the page to browse and search projects (Public/index.html), and its assets under
/// `/static/`. The page reads the PEP 691 JSON of `/simple/`, so it needs no API of its own.
struct BrowseController: Sendable {
    let publicDirectory: URL?

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in
            try asset("index.html", contentType: "text/html; charset=utf-8")
        }
        router.get("/static/{name}") { _, context in
            let name = try context.parameters.require("name")
            guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" }),
                !name.hasPrefix(".")
            else { throw HTTPError(.notFound) }
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
                    status: .ok, headers: [.contentType: contentType],
                    body: .init(byteBuffer: ByteBuffer(string: Self.fallbackPage)))
            }
            throw HTTPError(.notFound)
        }
        return Response(
            status: .ok, headers: [.contentType: contentType, .cacheControl: "max-age=300"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static let fallbackPage = """
        <!DOCTYPE html>
        <html><head><meta charset="utf-8"><title>Wheelhouse</title></head>
        <body><h1>Wheelhouse</h1>
        <p>This is a Python package index. Use <code>pip install --index-url URL/simple/ PACKAGE</code>,
        or browse the <a href="/simple/">project list</a>.</p></body></html>

        """
}
