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
            let trimmed = MediaRange.trimOWS(MediaRange.Bytes(formatOverride.utf8))
            return byContentType(String(decoding: trimmed, as: UTF8.self).lowercased())
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

    typealias Bytes = ArraySlice<UInt8>

    /// The well-formed elements of a header value, in order; malformed ones are dropped.
    static func parseList(_ header: String) -> [MediaRange] {
        split(Bytes(header.utf8), on: UInt8(ascii: ",")).compactMap { element in
            let trimmed = trimOWS(element)
            return trimmed.isEmpty ? nil : parse(trimmed)
        }
    }

    static func parse(_ element: String) -> MediaRange? {
        parse(trimOWS(Bytes(element.utf8)))
    }

    /// `type "/" subtype *( OWS ";" OWS parameter )`, then optionally `OWS ";" OWS "q=" qvalue`
    /// and accept extensions.
    static func parse(_ element: Bytes) -> MediaRange? {
        let parts = split(element, on: UInt8(ascii: ";"))
        guard let first = parts.first else { return nil }
        let typeAndSubtype = trimOWS(first).split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard typeAndSubtype.count == 2, typeAndSubtype.allSatisfy(isToken) else { return nil }
        let type = lowercased(typeAndSubtype[0])
        let subtype = lowercased(typeAndSubtype[1])
        guard type != "*" || subtype == "*" else { return nil }
        var hasParameters = false
        var quality = 1000
        var sawWeight = false
        for part in parts.dropFirst() {
            let nameAndValue = trimOWS(part).split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = nameAndValue.first, isToken(name) else { return nil }
            let isWeight = name.count == 1 && (name.first == UInt8(ascii: "q") || name.first == UInt8(ascii: "Q"))
            let value = nameAndValue.count == 2 ? nameAndValue[1] : nil
            if let value, !isWeight, !isToken(value), !isQuotedString(value) { return nil }
            if sawWeight { continue }  // accept extensions: a value is optional, and they mean nothing to us
            guard let value else { return nil }
            if isWeight {
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
    static func parseQValue(_ text: Bytes) -> Int? {
        guard let first = text.first, first == UInt8(ascii: "0") || first == UInt8(ascii: "1") else { return nil }
        var value = Int(first - UInt8(ascii: "0")) * 1000
        let rest = text.dropFirst()
        guard let dot = rest.first else { return value }
        guard dot == UInt8(ascii: "."), rest.count <= 4 else { return nil }
        var scale = 100
        for byte in rest.dropFirst() {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value += Int(byte - UInt8(ascii: "0")) * scale
            scale /= 10
        }
        return value <= 1000 ? value : nil
    }

    static func parseQValue(_ text: String) -> Int? {
        parseQValue(Bytes(text.utf8))
    }

    /// RFC 9110 §5.6.2 token: `1*tchar`.
    static func isToken(_ text: Bytes) -> Bool {
        !text.isEmpty
            && text.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"),
                    UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"),
                    UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"),
                    UInt8(ascii: "|"), UInt8(ascii: "~"):
                    true
                default:
                    false
                }
            }
    }

    /// RFC 9110 §5.6.4: `DQUOTE *( qdtext / quoted-pair ) DQUOTE`.
    static func isQuotedString(_ text: Bytes) -> Bool {
        guard text.count >= 2, text.first == UInt8(ascii: "\""), text.last == UInt8(ascii: "\"") else { return false }
        var index = text.startIndex + 1
        let end = text.endIndex - 1
        while index < end {
            let byte = text[index]
            if byte == UInt8(ascii: "\\") {
                index += 1
                guard index < end else { return false }  // the closing quote was escaped
            } else if byte == UInt8(ascii: "\"") || (byte < 0x20 && byte != 0x09) || byte == 0x7F {
                return false
            }
            index += 1
        }
        return true
    }

    /// Splits on `separator` outside quoted strings.
    private static func split(_ text: Bytes, on separator: UInt8) -> [Bytes] {
        var parts: [Bytes] = []
        var start = text.startIndex
        var inQuotes = false
        var escaped = false
        for index in text.indices {
            let byte = text[index]
            if escaped {
                escaped = false
            } else if inQuotes && byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                inQuotes.toggle()
            } else if !inQuotes && byte == separator {
                parts.append(text[start..<index])
                start = index + 1
            }
        }
        parts.append(text[start...])
        return parts
    }

    /// Without leading and trailing spaces and tabs (RFC 9110 OWS).
    static func trimOWS(_ text: Bytes) -> Bytes {
        let isOWS = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = text.firstIndex(where: { !isOWS($0) }), let last = text.lastIndex(where: { !isOWS($0) }) else {
            return text[text.endIndex...]
        }
        return text[first...last]
    }

    private static func lowercased(_ text: Bytes) -> String {
        String(decoding: text.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0 }, as: UTF8.self)
    }
}
