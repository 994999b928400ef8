public import Foundation

/// A project page read from an upstream simple index, in either of its serializations, as the
/// pull-through mirror (`serve --upstream`) and `wheelhouse mirror` use it.
///
/// `page.files` are the files that can be mirrored: a distribution filename of this project, an
/// http(s) URL and a sha256 to check the bytes against. Their URLs are absolute (resolved against
/// the page's URL, PEP 503), without fragment and without credentials, so the page can be stored
/// and shown; the client adds the index's credentials when it fetches from the index's host.
public struct UpstreamProjectPage: Sendable, Equatable {
    /// A file the upstream lists that cannot be mirrored, and why.
    public struct SkippedFile: Sendable, Equatable {
        public var filename: String
        public var reason: String

        public init(filename: String, reason: String) {
            self.filename = filename
            self.reason = reason
        }
    }

    public var page: SimpleProjectPage
    public var skipped: [SkippedFile]

    public init(page: SimpleProjectPage, skipped: [SkippedFile] = []) {
        self.page = page
        self.skipped = skipped
    }
}

/// Why an upstream page could not be read at all (a bad file only lands in `skipped`).
public enum UpstreamPageError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(url: String, reason: String)
    /// PEP 629: a major version we do not know must not be guessed at.
    case unsupportedAPIVersion(url: String, version: String)

    public var description: String {
        switch self {
        case .malformed(let url, let reason): "The upstream page \(url) is not a valid simple API page: \(reason)."
        case .unsupportedAPIVersion(let url, let version):
            "The upstream page \(url) speaks simple API version \(version); this Wheelhouse reads major version 1 only."
        }
    }
}

/// Parses upstream project pages (PEP 503 HTML, PEP 691 JSON) into `UpstreamProjectPage`,
/// keeping every field the model carries: sha256, `requires-python`, yanked and its reason
/// (PEP 592), `core-metadata` and its hash (PEP 658/714), `size` and `upload-time` (PEP 700).
public enum UpstreamPageParser {
    /// Parses by `Content-Type`: PEP 691 JSON for `application/vnd.pypi.simple.v1+json` (or
    /// `latest+json`), HTML otherwise (`text/html`, `application/vnd.pypi.simple.v1+html`, and
    /// static trees that send no useful type).
    public static func parse(
        _ data: Data, contentType: String?, project: String, pageURL: URL
    ) throws(UpstreamPageError) -> UpstreamProjectPage {
        let mediaType = contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        if let mediaType, mediaType.hasPrefix("application/vnd.pypi.simple."), mediaType.hasSuffix("+json") {
            return try parseJSON(data, project: project, pageURL: pageURL)
        }
        return try parseHTML(data, project: project, pageURL: pageURL)
    }

    // MARK: PEP 691 JSON

    /// PEP 691 project detail: `meta.api-version` (major 1), `files` with `filename`, `url`,
    /// `hashes`, and the optional `requires-python`, `yanked`, `core-metadata` (or the older
    /// `dist-info-metadata`, PEP 714), `size` and `upload-time` (PEP 700), and `versions`.
    public static func parseJSON(_ data: Data, project: String, pageURL: URL) throws(UpstreamPageError) -> UpstreamProjectPage {
        let urlText = displayURL(pageURL)
        let root: [String: JSONValue]
        do {
            guard case .object(let object) = try JSONDecoder().decode(JSONValue.self, from: data) else {
                throw UpstreamPageError.malformed(url: urlText, reason: "the JSON is not an object")
            }
            root = object
        } catch let error as UpstreamPageError {
            throw error
        } catch {
            throw .malformed(url: urlText, reason: "the body is not JSON")
        }
        let meta = root["meta"]?.object
        if let version = meta?["api-version"]?.string {
            try checkAPIVersion(version, url: urlText)
        }
        guard let files = root["files"]?.array else { throw .malformed(url: urlText, reason: "no \"files\" list") }
        var builder = PageBuilder(project: project, pageURL: pageURL)
        for case .object(let entry) in files {
            guard let filename = entry["filename"]?.string, let href = entry["url"]?.string else {
                builder.skip(filename: entry["filename"]?.string ?? "?", reason: "the entry has no filename or url")
                continue
            }
            let metadata = entry["core-metadata"] ?? entry["dist-info-metadata"]
            let yank: SimpleProjectPage.Yank
            switch entry["yanked"] {
            case .string(let reason)?: yank = .yanked(reason: reason.isEmpty ? nil : reason)
            case .bool(true)?: yank = .yanked(reason: nil)
            default: yank = .notYanked
            }
            builder.add(
                filename: filename, href: href, sha256: entry["hashes"]?.object?["sha256"]?.string,
                requiresPython: entry["requires-python"]?.string.flatMap { $0.isEmpty ? nil : $0 },
                coreMetadataSha256: metadata?.object?["sha256"]?.string.flatMap(validSha256),
                yank: yank, size: entry["size"]?.integer.flatMap { $0 >= 0 ? $0 : nil },
                uploadTime: entry["upload-time"]?.string.flatMap(RFC3339Timestamp.parse),
                provenance: entry["provenance"]?.string)
        }
        let versions = root["versions"]?.array?.compactMap(\.string)
        let serial = meta?["_last-serial"]?.integer.map { Int($0) }
        let status = root["project-status"]?.object
        return builder.result(
            versions: versions, lastSerial: serial,
            status: projectStatus(status?["status"]?.string, reason: status?["reason"]?.string))
    }

    // MARK: PEP 503 HTML

    /// PEP 503 project page: every `<a href>`, its `#sha256=` fragment, `data-requires-python`,
    /// `data-yanked` (PEP 592), `data-core-metadata`/`data-dist-info-metadata` (PEP 658/714),
    /// a `<base href>` if there is one, and `pypi:repository-version` (PEP 629). HTML gives no
    /// size and no upload time.
    public static func parseHTML(_ data: Data, project: String, pageURL: URL) throws(UpstreamPageError) -> UpstreamProjectPage {
        let urlText = displayURL(pageURL)
        let tags = HTMLTagScanner.tags(in: Array(data))
        var base = pageURL
        for tag in tags where tag.name == "meta" && tag.attributes["name"] == "pypi:repository-version" {
            if let version = tag.attributes["content"] { try checkAPIVersion(version, url: urlText) }
        }
        if let href = tags.first(where: { $0.name == "base" })?.attributes["href"], let url = URL(string: href, relativeTo: pageURL) {
            base = url.absoluteURL
        }
        var builder = PageBuilder(project: project, pageURL: base)
        for tag in tags where tag.name == "a" {
            guard let href = tag.attributes["href"], !href.isEmpty else { continue }
            let (withoutFragment, fragment) = splitFragment(href)
            let filename = lastPathComponent(withoutFragment) ?? tag.text.trimmingCharacters(in: .whitespacesAndNewlines)
            var sha256: String?
            if let fragment, fragment.lowercased().hasPrefix("sha256=") { sha256 = String(fragment.dropFirst(7)) }
            let metadata = tag.attributes["data-core-metadata"] ?? tag.attributes["data-dist-info-metadata"]
            let metadataSha256 = metadata.flatMap { value -> String? in
                guard value.lowercased().hasPrefix("sha256=") else { return nil }
                return validSha256(String(value.dropFirst(7)))
            }
            let yank: SimpleProjectPage.Yank = tag.attributes["data-yanked"].map { .yanked(reason: $0.isEmpty ? nil : $0) } ?? .notYanked
            builder.add(
                filename: filename, href: withoutFragment, sha256: sha256,
                requiresPython: tag.attributes["data-requires-python"].flatMap { $0.isEmpty ? nil : $0 },
                coreMetadataSha256: metadataSha256, yank: yank, size: nil, uploadTime: nil,
                provenance: tag.attributes["data-provenance"])
        }
        let meta = tags.filter { $0.name == "meta" }
        let status = meta.first { $0.attributes["name"] == "pypi:project-status" }?.attributes["content"]
        let reason = meta.first { $0.attributes["name"] == "pypi:project-status-reason" }?.attributes["content"]
        return builder.result(versions: nil, lastSerial: nil, status: projectStatus(status, reason: reason))
    }

    /// PEP 792: a status this Wheelhouse does not know is read as `active`, as the PEP reads a
    /// missing one (an index MAY define only a subset).
    static func projectStatus(_ text: String?, reason: String?) -> ProjectStatus {
        guard let text, let state = ProjectStatus.State(rawValue: text.trimmingCharacters(in: .whitespaces).lowercased())
        else { return .active }
        return ProjectStatus(state, reason: reason)
    }

    // MARK: Helpers

    /// PEP 629: major version 1 is understood; a newer minor version only warns (ignored here).
    static func checkAPIVersion(_ version: String, url: String) throws(UpstreamPageError) {
        let major = version.split(separator: ".", maxSplits: 1).first.map(String.init) ?? version
        guard major.trimmingCharacters(in: .whitespaces) == "1" else { throw .unsupportedAPIVersion(url: url, version: version) }
    }

    /// The URL without credentials, for messages and storage.
    public static func displayURL(_ url: URL) -> String {
        strippingCredentials(url)?.absoluteString ?? url.absoluteString
    }

    /// `url` without user, password and fragment.
    public static func strippingCredentials(_ url: URL) -> URL? {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: true) else { return nil }
        components.user = nil
        components.password = nil
        components.fragment = nil
        return components.url
    }

    static func validSha256(_ text: String) -> String? {
        let lower = text.lowercased()
        return ProjectRecord.isSha256Hex(lower) ? lower : nil
    }

    static func splitFragment(_ href: String) -> (String, String?) {
        guard let hash = href.firstIndex(of: "#") else { return (href, nil) }
        return (String(href[..<hash]), String(href[href.index(after: hash)...]))
    }

    /// The percent-decoded last segment of a URL's path, as pip names a link's file.
    static func lastPathComponent(_ href: String) -> String? {
        let withoutQuery = href.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? href
        guard let last = withoutQuery.split(separator: "/", omittingEmptySubsequences: false).last, !last.isEmpty else { return nil }
        return String(last).removingPercentEncoding ?? String(last)
    }
}

/// Collects files, checking each one and recording why one is skipped.
private struct PageBuilder {
    let project: String
    let pageURL: URL
    var files: [SimpleProjectPage.File] = []
    var skipped: [UpstreamProjectPage.SkippedFile] = []
    var seen: Set<String> = []
    var versions: [String: Version] = [:]

    init(project: String, pageURL: URL) {
        self.project = project
        self.pageURL = pageURL
    }

    mutating func skip(filename: String, reason: String) {
        skipped.append(.init(filename: filename, reason: reason))
    }

    mutating func add(
        filename: String, href: String, sha256: String?, requiresPython: String?, coreMetadataSha256: String?,
        yank: SimpleProjectPage.Yank, size: Int64?, uploadTime: Date?, provenance: String?
    ) {
        let parsed: DistributionFilename
        do {
            parsed = try DistributionFilename(filename, projectHint: project)
        } catch {
            return skip(filename: filename, reason: "\(error)")
        }
        guard let sha256 else { return skip(filename: filename, reason: "the upstream gives no sha256 to check it against") }
        guard let digest = UpstreamPageParser.validSha256(sha256) else {
            return skip(filename: filename, reason: "the upstream's sha256 \(sha256.debugDescription) is not 64 hex digits")
        }
        guard let resolved = URL(string: href, relativeTo: pageURL)?.absoluteURL,
            let scheme = resolved.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let clean = UpstreamPageParser.strippingCredentials(resolved)
        else { return skip(filename: filename, reason: "its URL \(href.debugDescription) is not an http(s) URL") }
        guard seen.insert(filename).inserted else { return skip(filename: filename, reason: "listed twice") }
        versions[parsed.version.description] = parsed.version
        // PEP 740: kept only as an absolute http(s) URL (resolved against the page like the file's).
        let provenanceURL = provenance.flatMap { text -> String? in
            guard !text.isEmpty, let resolved = URL(string: text, relativeTo: pageURL)?.absoluteURL,
                let scheme = resolved.scheme?.lowercased(), scheme == "http" || scheme == "https"
            else { return nil }
            return UpstreamPageParser.strippingCredentials(resolved)?.absoluteString
        }
        files.append(
            SimpleProjectPage.File(
                filename: filename, url: clean.absoluteString, sha256: digest, requiresPython: requiresPython,
                coreMetadataSha256: coreMetadataSha256, yank: yank, size: size, uploadTime: uploadTime,
                provenanceURL: provenanceURL))
    }

    func result(versions upstreamVersions: [String]?, lastSerial: Int?, status: ProjectStatus) -> UpstreamProjectPage {
        let derived = versions.sorted { $0.value < $1.value }.map(\.key)
        // PEP 792: a quarantined upstream project offers nothing, whatever its page lists.
        let page = SimpleProjectPage(
            name: project, files: files.sorted { $0.filename < $1.filename }, versions: upstreamVersions ?? derived,
            lastSerial: lastSerial, status: status)
        return UpstreamProjectPage(page: page, skipped: skipped)
    }
}

/// A forgiving scanner of the start tags of an HTML document, enough for simple API pages:
/// tag names and attributes (quoted or not, entities decoded), and the text up to `</a>` for
/// anchors. Comments, scripts and anything else are skipped.
enum HTMLTagScanner {
    struct Tag: Equatable {
        var name: String
        var attributes: [String: String]
        /// For `a`: the text inside the element.
        var text: String
    }

    static func tags(in bytes: [UInt8]) -> [Tag] {
        var tags: [Tag] = []
        var index = 0
        let count = bytes.count
        while index < count {
            guard bytes[index] == UInt8(ascii: "<") else { index += 1; continue }
            if hasPrefix(bytes, at: index, "<!--") {
                index = find(bytes, "-->", from: index + 4).map { $0 + 3 } ?? count
                continue
            }
            var cursor = index + 1
            let nameStart = cursor
            while cursor < count, isNameByte(bytes[cursor]) { cursor += 1 }
            guard cursor > nameStart else { index += 1; continue }
            let name = lowercased(bytes[nameStart..<cursor])
            var attributes: [String: String] = [:]
            // Attributes up to '>'.
            while cursor < count {
                while cursor < count, isSpace(bytes[cursor]) || bytes[cursor] == UInt8(ascii: "/") { cursor += 1 }
                guard cursor < count, bytes[cursor] != UInt8(ascii: ">") else { break }
                let attrStart = cursor
                while cursor < count, !isSpace(bytes[cursor]), bytes[cursor] != UInt8(ascii: "="), bytes[cursor] != UInt8(ascii: ">") {
                    cursor += 1
                }
                let attrName = lowercased(bytes[attrStart..<cursor])
                while cursor < count, isSpace(bytes[cursor]) { cursor += 1 }
                var value = ""
                if cursor < count, bytes[cursor] == UInt8(ascii: "=") {
                    cursor += 1
                    while cursor < count, isSpace(bytes[cursor]) { cursor += 1 }
                    if cursor < count, bytes[cursor] == UInt8(ascii: "\"") || bytes[cursor] == UInt8(ascii: "'") {
                        let quote = bytes[cursor]
                        let valueStart = cursor + 1
                        var end = valueStart
                        while end < count, bytes[end] != quote { end += 1 }
                        value = decodeEntities(bytes[valueStart..<min(end, count)])
                        cursor = min(end + 1, count)
                    } else {
                        let valueStart = cursor
                        while cursor < count, !isSpace(bytes[cursor]), bytes[cursor] != UInt8(ascii: ">") { cursor += 1 }
                        value = decodeEntities(bytes[valueStart..<cursor])
                    }
                }
                if !attrName.isEmpty, attributes[attrName] == nil { attributes[attrName] = value }
                if cursor == attrStart { cursor += 1 }  // no progress: skip the odd byte
            }
            index = min(cursor + 1, count)
            var text = ""
            if name == "a" {
                let end = findCaseInsensitive(bytes, "</a", from: index) ?? count
                text = decodeEntities(bytes[index..<end])
                index = end
            } else if name == "script" || name == "style" {
                index = findCaseInsensitive(bytes, "</\(name)", from: index) ?? count
            }
            tags.append(Tag(name: name, attributes: attributes, text: text))
        }
        return tags
    }

    /// Decodes `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`, `&#39;`, `&#NN;` and `&#xNN;`; any other
    /// `&` is kept as written.
    static func decodeEntities(_ bytes: ArraySlice<UInt8>) -> String {
        guard bytes.contains(UInt8(ascii: "&")) else { return String(decoding: bytes, as: UTF8.self) }
        var out = ""
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index] == UInt8(ascii: "&"), let semicolon = bytes[index...].prefix(12).firstIndex(of: UInt8(ascii: ";")) {
                let entity = String(decoding: bytes[(index + 1)..<semicolon], as: UTF8.self)
                if let decoded = decode(entity: entity) {
                    out.append(decoded)
                    index = semicolon + 1
                    continue
                }
            }
            let next = bytes[index...].dropFirst().firstIndex(of: UInt8(ascii: "&")) ?? bytes.endIndex
            out += String(decoding: bytes[index..<next], as: UTF8.self)
            index = next
        }
        return out
    }

    static func decode(entity: String) -> String? {
        switch entity {
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        case "apos": return "'"
        default:
            guard entity.hasPrefix("#") else { return nil }
            let digits = entity.dropFirst()
            let value = digits.first == "x" || digits.first == "X" ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
            return value.flatMap { Unicode.Scalar($0) }.map { String(Character($0)) }
        }
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C
    }

    static func lowercased(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0 }, as: UTF8.self)
    }

    static func hasPrefix(_ bytes: [UInt8], at index: Int, _ prefix: String) -> Bool {
        let p = Array(prefix.utf8)
        return index + p.count <= bytes.count && Array(bytes[index..<(index + p.count)]) == p
    }

    static func find(_ bytes: [UInt8], _ needle: String, from start: Int) -> Int? {
        let n = Array(needle.utf8)
        guard !n.isEmpty, bytes.count >= n.count, start <= bytes.count - n.count else { return nil }
        for i in start...(bytes.count - n.count) where bytes[i] == n[0] && Array(bytes[i..<(i + n.count)]) == n { return i }
        return nil
    }

    static func findCaseInsensitive(_ bytes: [UInt8], _ needle: String, from start: Int) -> Int? {
        let n = Array(needle.lowercased().utf8)
        guard !n.isEmpty, bytes.count >= n.count, start <= bytes.count - n.count else { return nil }
        outer: for i in start...(bytes.count - n.count) {
            for j in 0..<n.count {
                var b = bytes[i + j]
                if b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") { b += 32 }
                if b != n[j] { continue outer }
            }
            return i
        }
        return nil
    }
}

/// Any JSON value, decoded without Foundation's `Any` (a boolean never reads as a number).
enum JSONValue: Decodable, Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    var string: String? { if case .string(let value) = self { value } else { nil } }
    var integer: Int64? { if case .integer(let value) = self { value } else { nil } }
    var array: [JSONValue]? { if case .array(let value) = self { value } else { nil } }
    var object: [String: JSONValue]? { if case .object(let value) = self { value } else { nil } }
}
