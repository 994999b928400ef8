/// RFC 9110 §14: the single-range subset of `Range: bytes=...` that package clients send.
///
/// pip's `fast-deps` and uv ask for the tail of a wheel (`bytes=-N` or `bytes=N-`) to read its
/// central directory; a list of several ranges is answered with the whole file (allowed by
/// RFC 9110 §14.2: a server may ignore `Range`).
public enum RangeRequest: Sendable, Equatable {
    /// `bytes=first-last` or `bytes=first-`.
    case from(first: Int64, last: Int64?)
    /// `bytes=-count`: the last `count` bytes.
    case suffix(count: Int64)

    /// Parses a `Range` header value. Nil for anything that is not one well-formed byte range
    /// (other units, several ranges, garbage), which the caller answers with the whole file.
    public static func parse(_ header: String) -> RangeRequest? {
        let trimmed = header.trimmingSpaces
        guard trimmed.lowercased().hasPrefix("bytes=") else { return nil }
        let spec = trimmed.dropFirst("bytes=".count).trimmingSpacesSubstring
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let firstText = spec[..<dash].trimmingSpacesSubstring
        let lastText = spec[spec.index(after: dash)...].trimmingSpacesSubstring
        if firstText.isEmpty {
            guard let count = Int64(decimalDigits: lastText) else { return nil }
            return .suffix(count: count)
        }
        guard let first = Int64(decimalDigits: firstText) else { return nil }
        if lastText.isEmpty { return .from(first: first, last: nil) }
        guard let last = Int64(decimalDigits: lastText), last >= first else { return nil }
        return .from(first: first, last: last)
    }

    /// The inclusive byte range this request selects in a representation of `size` bytes,
    /// or nil when it is unsatisfiable (RFC 9110 §15.5.17: answer 416).
    public func resolve(size: Int64) -> (first: Int64, last: Int64)? {
        switch self {
        case .from(let first, let last):
            guard first < size else { return nil }
            return (first, min(last ?? (size - 1), size - 1))
        case .suffix(let count):
            guard count > 0, size > 0 else { return nil }
            return (max(0, size - count), size - 1)
        }
    }
}

/// What a `GET` of a file of `size` bytes with strong ETag `etag` answers, given its `Range` and
/// `If-Range` (RFC 9110 §14.2, §13.1.5): the whole file, one part of it (206), or 416.
enum RangeAnswer: Equatable {
    case whole
    case partial(first: Int64, last: Int64)
    case unsatisfiable

    init(size: Int64, etag: String, range: String?, ifRange: String?) {
        guard let range, let requested = RangeRequest.parse(range),
            ifRange.map({ ConditionalRequest.ifRangeAllowsRange($0, etag: etag) }) ?? true
        else {
            self = .whole
            return
        }
        if let (first, last) = requested.resolve(size: size) {
            self = .partial(first: first, last: last)
        } else {
            self = .unsatisfiable
        }
    }
}

/// RFC 9110 §13.1.2 `If-None-Match` and §13.1.5 `If-Range`, with strong entity tags.
public enum ConditionalRequest {
    /// True when `If-None-Match` matches the current strong `etag` (quoted): a list of tags
    /// or `*`. Weak comparison is used, as §13.1.2 requires for `If-None-Match`.
    public static func ifNoneMatchMatches(_ header: String, etag: String) -> Bool {
        let trimmed = header.trimmingSpaces
        if trimmed == "*" { return true }
        let current = opaqueTag(etag)
        return entityTags(in: trimmed).contains { opaqueTag($0) == current }
    }

    /// True when a `Range` should be honoured under this `If-Range` value: only an exact
    /// strong match of the entity tag (§13.1.5). Dates are not used (our validators are tags).
    public static func ifRangeAllowsRange(_ header: String, etag: String) -> Bool {
        let value = header.trimmingSpaces
        guard !value.hasPrefix("W/") else { return false }
        return value == etag
    }

    static func entityTags(in list: String) -> [String] {
        var tags: [String] = []
        var current = ""
        var inQuotes = false
        for ch in list {
            if ch == "\"" { inQuotes.toggle() }
            if ch == "," && !inQuotes {
                tags.append(current.trimmingSpaces)
                current = ""
            } else {
                current.append(ch)
            }
        }
        if !current.trimmingSpaces.isEmpty { tags.append(current.trimmingSpaces) }
        return tags.filter { !$0.isEmpty }
    }

    static func opaqueTag(_ tag: String) -> String {
        tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag
    }
}

extension Int64 {
    /// Only ASCII digits (no sign, no spaces): `Int64("+5")` would accept a sign.
    init?(decimalDigits text: Substring) {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        guard let value = Int64(text) else { return nil }
        self = value
    }
}

extension StringProtocol {
    var trimmingSpaces: String { String(trimmingSpacesSubstring) }
    var trimmingSpacesSubstring: Substring {
        let s = Substring(self)
        guard let start = s.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        guard let end = s.lastIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        return s[start...end]
    }
}
