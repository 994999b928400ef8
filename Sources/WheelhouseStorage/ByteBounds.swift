/// The half-open interval of bytes a `get` streams. A range reaching past the end of the object
/// is cut at the end; one starting at or after the end streams nothing (the caller sees
/// `info.size` and can answer HTTP 416).
struct ByteBounds: Sendable, Hashable {
    let start: Int64
    let end: Int64

    init(_ range: ByteRange?, size: Int64) {
        let end = range.map { $0.last < size ? $0.last + 1 : size } ?? size
        self.start = min(range?.first ?? 0, end)
        self.end = end
    }

    var count: Int64 { end - start }
}
