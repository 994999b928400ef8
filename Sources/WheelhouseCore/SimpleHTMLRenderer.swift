/// PEP 503 HTML pages, with PEP 592 yanking, PEP 629 versioning, PEP 658/714 metadata, PEP 740
/// `data-provenance` and PEP 792 project status meta tags.
///
/// The output is a pure function of the model: the same page always renders to the same bytes
/// (ETags and the static export rely on that).
public enum SimpleHTMLRenderer {
    /// PEP 629: the simple API version these pages implement (PEP 792's 1.4).
    public static let repositoryVersion = SimpleJSONRenderer.apiVersion

    /// PEP 503: one anchor per file, `href` with a `#sha256=` fragment, `data-requires-python`,
    /// `data-core-metadata` (PEP 714) and `data-dist-info-metadata` (PEP 658, same value) when the
    /// metadata file exists, `data-yanked` (PEP 592) with the reason or empty.
    public static func render(_ page: SimpleProjectPage) -> String {
        var out = HTMLWriter(capacity: 512 + page.files.count * 400)
        out.head(title: "Links for ", page.name, status: page.status)
        out.raw("    <h1>Links for ")
        out.text(page.name)
        out.raw("</h1>\n")
        // PEP 792: a quarantined project offers no file.
        for file in page.status.servesFiles ? page.files : [] {
            out.raw("    <a href=\"")
            out.text(file.url)
            out.raw("#sha256=")
            out.text(file.sha256)
            out.raw("\"")
            if let requiresPython = file.requiresPython {
                out.raw(" data-requires-python=\"")
                out.text(requiresPython)
                out.raw("\"")
            }
            if let metadata = file.coreMetadataSha256 {
                out.raw(" data-dist-info-metadata=\"sha256=")
                out.text(metadata)
                out.raw("\" data-core-metadata=\"sha256=")
                out.text(metadata)
                out.raw("\"")
            }
            if let provenance = file.provenanceURL {
                out.raw(" data-provenance=\"")
                out.text(provenance)
                out.raw("\"")
            }
            if case .yanked(let reason) = file.yank {
                out.raw(" data-yanked=\"")
                out.text(reason ?? "")
                out.raw("\"")
            }
            out.raw(">")
            out.text(file.filename)
            out.raw("</a><br />\n")
        }
        out.tail()
        return out.string
    }

    /// PEP 503 root: one anchor per project, the display name linking to `{normalized}/`, one
    /// per line as PyPI writes it (no `<br />`: the list is for installers; people browse `/`).
    public static func render(_ list: SimpleProjectList) -> String {
        var out = HTMLWriter(capacity: 256 + list.projects.count * 80)
        out.head(title: "Simple index", nil, status: nil)
        for project in list.projects {
            out.raw("    <a href=\"")
            out.text(project.normalizedName)
            out.raw("/\">")
            out.text(project.displayName)
            out.raw("</a>\n")
        }
        out.tail()
        return out.string
    }
}

/// Appends UTF-8 bytes, escaping text for HTML content and double-quoted attribute values.
private struct HTMLWriter {
    private var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    var string: String { String(decoding: bytes, as: UTF8.self) }

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func text(_ text: String) {
        var text = text
        text.withUTF8 { input in
            var start = 0
            for index in input.indices {
                let replacement: StaticString
                switch input[index] {
                case UInt8(ascii: "&"): replacement = "&amp;"
                case UInt8(ascii: "<"): replacement = "&lt;"
                case UInt8(ascii: ">"): replacement = "&gt;"
                case UInt8(ascii: "\""): replacement = "&quot;"
                case UInt8(ascii: "'"): replacement = "&#39;"
                default: continue
                }
                bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(input)[start..<index]))
                raw(replacement)
                start = index + 1
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(input)[start...]))
        }
    }

    /// PEP 792: `pypi:project-status` on every project page, `pypi:project-status-reason` when
    /// there is a reason.
    mutating func head(title: StaticString, _ suffix: String?, status: ProjectStatus?) {
        raw("<!DOCTYPE html>\n<html>\n  <head>\n    <meta charset=\"utf-8\">\n")
        raw("    <meta name=\"pypi:repository-version\" content=\"")
        text(SimpleHTMLRenderer.repositoryVersion)
        raw("\">\n")
        if let status {
            raw("    <meta name=\"pypi:project-status\" content=\"")
            text(status.state.rawValue)
            raw("\">\n")
            if let reason = status.reason {
                raw("    <meta name=\"pypi:project-status-reason\" content=\"")
                text(reason)
                raw("\">\n")
            }
        }
        raw("    <title>")
        raw(title)
        if let suffix { text(suffix) }
        raw("</title>\n  </head>\n  <body>\n")
    }

    mutating func tail() {
        raw("  </body>\n</html>\n")
    }
}
