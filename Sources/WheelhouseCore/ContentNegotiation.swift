/// The serializations of the simple API a page can be served in (PEP 691).
public enum SimpleFormat: Sendable, Equatable, CaseIterable {
    case jsonV1
    case htmlV1
    /// PEP 691: an alias of `htmlV1` for clients that predate it.
    case htmlLegacy

    public var contentType: String {
        switch self {
        case .jsonV1: "application/vnd.pypi.simple.v1+json"
        case .htmlV1: "application/vnd.pypi.simple.v1+html"
        case .htmlLegacy: "text/html"
        }
    }

    /// Picks the format to answer with, or nil when the client accepts none of them (406).
    ///
    /// PEP 691 URL parameter: `formatOverride` (`?format=`) takes precedence and must be one of
    /// the full content types; anything else gives nil.
    ///
    /// PEP 691 server-driven negotiation: each format takes the q-value of the most specific
    /// media range in `accept` that matches it (RFC 9110 §12.5.1; the first one on a tie, as
    /// WebOb, which warehouse uses, does). Ranges with media type parameters match none of our
    /// formats; q=0 means "not acceptable". The highest q wins; ties go to the most expressive
    /// format (JSON, then v1 HTML, then `text/html`), as PEP 691 recommends. Malformed parts of
    /// the header are ignored; a missing header, or one with no well-formed part, gets
    /// `text/html`, which every client understands.
    public static func negotiate(accept: String?, formatOverride: String?) -> SimpleFormat? {
        if let formatOverride {
            return byContentType(formatOverride.trimmingOWS().lowercased())
        }
        guard let accept else { return .htmlLegacy }
        let ranges = MediaRange.parseList(accept)
        guard !ranges.isEmpty else { return .htmlLegacy }
        var best: (format: SimpleFormat, quality: Int)?
        for format in allCases {
            guard let quality = format.quality(in: ranges), quality > 0 else { continue }
            if best == nil || quality > (best?.quality ?? 0) { best = (format, quality) }
        }
        return best?.format
    }

    private static func byContentType(_ contentType: String) -> SimpleFormat? {
        switch contentType {
        case "application/vnd.pypi.simple.v1+json", "application/vnd.pypi.simple.latest+json": .jsonV1
        case "application/vnd.pypi.simple.v1+html", "application/vnd.pypi.simple.latest+html": .htmlV1
        case "text/html": .htmlLegacy
        default: nil
        }
    }

    /// The q-value (in thousandths) of the most specific range matching this format, nil if none does.
    private func quality(in ranges: [MediaRange]) -> Int? {
        var best: (specificity: Int, quality: Int)?
        for range in ranges {
            guard let specificity = specificity(of: range) else { continue }
            if best == nil || specificity > (best?.specificity ?? 0) { best = (specificity, range.quality) }
        }
        return best?.quality
    }

    /// RFC 9110 §12.5.1: an exact type beats `type/*`, which beats `*/*`.
    private func specificity(of range: MediaRange) -> Int? {
        if range.type == "*" { return range.subtype == "*" ? 1 : nil }
        guard range.type == mainType else { return nil }
        if range.subtype == "*" { return 2 }
        // PEP 691: the `latest` meta version stands for v1, the latest there is.
        guard !range.hasParameters, Self.byContentType(range.type + "/" + range.subtype) == self else { return nil }
        return 3
    }

    private var mainType: String {
        switch self {
        case .jsonV1, .htmlV1: "application"
        case .htmlLegacy: "text"
        }
    }
}

/// One well-formed element of an Accept header (RFC 9110 §12.5.1).
struct MediaRange: Equatable {
    /// Lowercased; `*` for a wildcard.
    var type: String
    var subtype: String
    /// Media type parameters before the weight (not the accept extensions after it).
    var hasParameters: Bool
    /// The weight in thousandths, 0...1000.
    var quality: Int

    /// The well-formed elements of a header value, in order; malformed ones are dropped.
    static func parseList(_ header: String) -> [MediaRange] {
        split(header, on: ",").compactMap { element in
            let trimmed = element.trimmingOWS()
            return trimmed.isEmpty ? nil : parse(trimmed)
        }
    }

    /// `type "/" subtype *( OWS ";" OWS parameter )`, then optionally `OWS ";" OWS "q=" qvalue`
    /// and accept extensions.
    static func parse(_ element: Substring) -> MediaRange? {
        let parts = split(element, on: ";")
        guard let first = parts.first else { return nil }
        let typeAndSubtype = first.trimmingOWS().split(separator: "/", omittingEmptySubsequences: false)
        guard typeAndSubtype.count == 2, typeAndSubtype.allSatisfy(isToken) else { return nil }
        let type = typeAndSubtype[0].lowercased()
        let subtype = typeAndSubtype[1].lowercased()
        guard type != "*" || subtype == "*" else { return nil }
        var hasParameters = false
        var quality = 1000
        var sawWeight = false
        for part in parts.dropFirst() {
            let parameter = part.trimmingOWS()
            let nameAndValue = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = nameAndValue.first, isToken(name) else { return nil }
            let value = nameAndValue.count == 2 ? nameAndValue[1] : nil
            if let value, !isToken(value) && !isQuotedString(value) && name.lowercased() != "q" { return nil }
            if sawWeight { continue }  // accept extensions: a value is optional, and they mean nothing to us
            guard let value else { return nil }
            if name.lowercased() == "q" {
                guard let q = parseQValue(value) else { return nil }
                quality = q
                sawWeight = true
            } else {
                hasParameters = true
            }
        }
        return MediaRange(type: type, subtype: subtype, hasParameters: hasParameters, quality: quality)
    }

    /// RFC 9110 §12.4.2: `"0" [ "." 0*3DIGIT ] / "1" [ "." 0*3("0") ]`, in thousandths.
    static func parseQValue(_ text: Substring) -> Int? {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, first == UInt8(ascii: "0") || first == UInt8(ascii: "1") else { return nil }
        var value = Int(first - UInt8(ascii: "0")) * 1000
        guard bytes.count > 1 else { return value }
        guard bytes[1] == UInt8(ascii: "."), bytes.count <= 5 else { return nil }
        var scale = 100
        for byte in bytes[2...] {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value += Int(byte - UInt8(ascii: "0")) * scale
            scale /= 10
        }
        return value <= 1000 ? value : nil
    }

    /// RFC 9110 §5.6.2 token: `1*tchar`.
    static func isToken(_ text: Substring) -> Bool {
        !text.isEmpty
            && text.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"):
                    true
                default:
                    "!#$%&'*+-.^_`|~".utf8.contains(byte)
                }
            }
    }

    /// RFC 9110 §5.6.4: `DQUOTE *( qdtext / quoted-pair ) DQUOTE`.
    static func isQuotedString(_ text: Substring) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 2, bytes.first == UInt8(ascii: "\""), bytes.last == UInt8(ascii: "\"") else { return false }
        var index = 1
        while index < bytes.count - 1 {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\") {
                index += 1
                guard index < bytes.count - 1 else { return false }  // the closing quote was escaped
            } else if byte == UInt8(ascii: "\"") || (byte < 0x20 && byte != 0x09) || byte == 0x7F {
                return false
            }
            index += 1
        }
        return true
    }

    /// Splits on `separator` outside quoted strings.
    private static func split(_ text: some StringProtocol, on separator: Character) -> [Substring] {
        let text = Substring(text)
        var parts: [Substring] = []
        var start = text.startIndex
        var inQuotes = false
        var escaped = false
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if escaped {
                escaped = false
            } else if inQuotes && character == "\\" {
                escaped = true
            } else if character == "\"" {
                inQuotes.toggle()
            } else if !inQuotes && character == separator {
                parts.append(text[start..<index])
                start = text.index(after: index)
            }
            index = text.index(after: index)
        }
        parts.append(text[start...])
        return parts
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (RFC 9110 OWS).
    func trimmingOWS() -> Substring {
        let sub = Substring(self)
        let isOWS: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = sub.firstIndex(where: { !isOWS($0) }), let last = sub.lastIndex(where: { !isOWS($0) }) else {
            return sub[sub.endIndex...]
        }
        return sub[first...last]
    }
}
