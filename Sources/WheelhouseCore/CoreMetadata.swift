/// Core metadata (METADATA in a wheel, PKG-INFO in an sdist), Metadata-Version 1.0 to 2.5.
///
/// Parsing is lenient and never fails, as `packaging.metadata.parse_email` is: an RFC 822 style
/// header (as Python's `email` parser with the compat32 policy reads it), then an optional body
/// holding the description. `validate()` then reports every problem at once.
/// The exact bytes are kept in `rawBytes`: they are what an index serves for PEP 658.
public struct CoreMetadata: Sendable {
    /// One header field, name and value as written (continuation lines kept, trailing line
    /// break removed).
    public struct Field: Sendable, Hashable {
        public let name: String
        public let value: String
    }

    public let rawBytes: [UInt8]
    /// Header fields in the order written.
    public let fields: [Field]
    /// The message body (the description since Metadata-Version 2.1), if not empty.
    public let body: String?
    /// False when the bytes are not valid UTF-8 (then the text was decoded lossily).
    public let isValidUTF8: Bool

    public static func parse(_ bytes: [UInt8]) -> CoreMetadata {
        let decoded = String(validating: bytes, as: UTF8.self)
        let text = decoded ?? String(decoding: bytes, as: UTF8.self)
        let (fields, body) = EmailHeaderParser.parse(text)
        return CoreMetadata(rawBytes: bytes, fields: fields, body: body.isEmpty ? nil : body, isValidUTF8: decoded != nil)
    }

    // MARK: Field access

    /// All values of a field, matched case-insensitively.
    public func values(_ name: String) -> [String] {
        let key = name.lowercased()
        return fields.filter { $0.name.lowercased() == key }.map(\.value)
    }

    /// The first value of a field.
    public func value(_ name: String) -> String? {
        let key = name.lowercased()
        return fields.first { $0.name.lowercased() == key }?.value
    }

    public var metadataVersion: String? { value("Metadata-Version") }
    public var name: String? { value("Name") }
    public var version: String? { value("Version") }
    public var summary: String? { value("Summary") }
    public var requiresPython: String? { value("Requires-Python") }
    public var licenseExpression: String? { value("License-Expression") }
    public var license: String? { value("License") }
    public var descriptionContentType: String? { value("Description-Content-Type") }
    public var homePage: String? { value("Home-page") }
    public var downloadURL: String? { value("Download-URL") }
    public var author: String? { value("Author") }
    public var authorEmail: String? { value("Author-email") }
    public var maintainer: String? { value("Maintainer") }
    public var maintainerEmail: String? { value("Maintainer-email") }
    public var requiresDist: [String] { values("Requires-Dist") }
    public var classifiers: [String] { values("Classifier") }
    public var providesExtra: [String] { values("Provides-Extra") }
    public var providesDist: [String] { values("Provides-Dist") }
    public var obsoletesDist: [String] { values("Obsoletes-Dist") }
    public var requiresExternal: [String] { values("Requires-External") }
    public var platforms: [String] { values("Platform") }
    public var supportedPlatforms: [String] { values("Supported-Platform") }
    public var dynamic: [String] { values("Dynamic") }
    public var licenseFiles: [String] { values("License-File") }

    /// `Keywords`, split on commas as packaging and PEP 566 do.
    public var keywords: [String] {
        guard let raw = value("Keywords") else { return [] }
        return raw.split(separator: ",", omittingEmptySubsequences: false).map { trim(String($0)) }
    }

    /// `Project-URL: label, url` pairs in written order.
    public var projectURLs: [(label: String, url: String)] {
        values("Project-URL").map { entry in
            guard let comma = entry.firstIndex(of: ",") else { return (trim(entry), "") }
            return (trim(String(entry[..<comma])), trim(String(entry[entry.index(after: comma)...])))
        }
    }

    /// The description: the body if there is one, else the `Description` header with its
    /// continuation lines unfolded (the `        |` prefix of the core metadata spec, or the
    /// 8-space indent setuptools writes).
    public var description: String? {
        if let body { return body }
        guard let header = value("Description") else { return nil }
        return Self.unfoldDescription(header)
    }

    static func unfoldDescription(_ header: String) -> String {
        var lines = header.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
            .map(String.init)
        guard lines.count > 1 else { return header }
        let rest = lines.dropFirst()
        let piped = rest.allSatisfy { line in
            let spaces = line.prefix { $0 == " " }.count
            return (spaces == 7 || spaces == 8) && line.dropFirst(spaces).first == "|"
        }
        for i in rest.indices {
            let spaces = lines[i].prefix { $0 == " " || $0 == "\t" }.count
            var line = lines[i].dropFirst(min(spaces, 8))
            if piped { line = line.dropFirst() }
            lines[i] = String(line)
        }
        return lines.joined(separator: "\n")
    }
}

private func trim(_ s: String) -> String {
    let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
    guard let start = s.firstIndex(where: { !isSpace($0) }), let end = s.lastIndex(where: { !isSpace($0) }) else {
        return ""
    }
    return String(s[start...end])
}

/// The header/body split of Python's `email.feedparser` with the compat32 policy, which is what
/// packaging (and so pip and twine) parse core metadata with.
enum EmailHeaderParser {
    static func parse(_ text: String) -> (fields: [CoreMetadata.Field], body: String) {
        var fields: [(name: String, value: String)] = []
        var index = text.startIndex
        while index < text.endIndex {
            let (line, next) = nextLine(text, from: index)
            let content = line.trimmingSuffix { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
            if content.isEmpty {
                // The blank line that ends the header.
                index = next
                break
            }
            if let first = content.first, first == " " || first == "\t" {
                // Continuation: compat32 keeps the line, with its line break, verbatim.
                if !fields.isEmpty { fields[fields.count - 1].value += line }
                index = next
                continue
            }
            if content.hasPrefix("From ") {
                index = next
                continue
            }
            guard let colon = content.firstIndex(of: ":"),
                content[..<colon].unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) })
            else {
                // Not a header line: the body starts here (a missing blank line).
                break
            }
            let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
            fields.append((String(content[..<colon]), String(value)))
            index = next
        }
        let result = fields.map {
            CoreMetadata.Field(name: $0.name, value: String($0.value.trimmingSuffix { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }))
        }
        return (result, String(text[index...]))
    }

    /// One line including its terminator (`\r\n`, `\r` or `\n`, as feedparser splits).
    private static func nextLine(_ text: String, from start: String.Index) -> (Substring, String.Index) {
        var i = start
        while i < text.endIndex {
            let c = text[i]
            i = text.index(after: i)
            if c == "\n" || c == "\r\n" || c == "\r" { break }
        }
        return (text[start..<i], i)
    }
}

extension StringProtocol {
    fileprivate func trimmingSuffix(while predicate: (Character) -> Bool) -> SubSequence {
        var end = endIndex
        while end > startIndex, predicate(self[index(before: end)]) { end = index(before: end) }
        return self[startIndex..<end]
    }
}
