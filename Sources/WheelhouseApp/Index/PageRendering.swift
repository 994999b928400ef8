import Foundation
import WheelhouseCore

/// Builds the simple-index pages of a project or of the whole store from records. One place,
/// shared by the server's cache and the static export, so both always say the same thing.
enum PageRendering {
    /// File links are relative (`../../packages/{project}/{filename}`): they resolve from
    /// `/simple/{project}/` on the server and from `simple/{project}/index.html` in the store's
    /// static export alike.
    ///
    /// PEP 740 provenance URLs are fully qualified with `origin` (`http://host:port`, the server's
    /// own address as the client named it); without one (the static export) they are relative.
    static func projectPage(_ record: ProjectRecord, origin: String? = nil) -> SimpleProjectPage {
        SimpleProjectPage(
            record: record, versions: sortedVersions(record),
            provenanceURL: origin.map { SimpleProjectPage.provenanceURL(origin: $0) })
    }

    static func render(_ record: ProjectRecord, format: SimpleFormat, origin: String? = nil) -> [UInt8] {
        let page = projectPage(record, origin: origin)
        switch format {
        case .jsonV1: return Array(SimpleJSONRenderer.render(page).utf8)
        case .htmlV1, .htmlLegacy: return Array(SimpleHTMLRenderer.render(page).utf8)
        }
    }

    static func renderRoot(_ projects: [String], format: SimpleFormat) -> [UInt8] {
        let list = SimpleProjectList(projects: projects.map { .init(displayName: $0, normalizedName: $0) })
        switch format {
        case .jsonV1: return Array(SimpleJSONRenderer.render(list).utf8)
        case .htmlV1, .htmlLegacy: return Array(SimpleHTMLRenderer.render(list).utf8)
        }
    }

    /// PEP 700 `versions`: every version with a file, in PEP 440 order.
    static func sortedVersions(_ record: ProjectRecord) -> [String] {
        let unique = Set(record.files.map(\.version))
        return unique.sorted { a, b in
            switch (try? Version(a), try? Version(b)) {
            case (let x?, let y?): x < y
            default: a < b
            }
        }
    }
}
