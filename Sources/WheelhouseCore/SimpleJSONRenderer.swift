import Foundation

/// PEP 691 JSON pages, API version 1.4: PEP 700 fields (1.1), PEP 714 `core-metadata`, PEP 740
/// `provenance` (1.3) and PEP 792 `project-status` (1.4).
///
/// Written by hand: keys in sorted order, no whitespace, so the same page always renders to
/// the same bytes, and a 500-file page takes well under a millisecond.
public enum SimpleJSONRenderer {
    /// PEP 792 (project status) is the newest feature served, so 1.4. PEP 629: clients that know
    /// an older 1.x keep working (a newer minor version only warrants a warning).
    public static let apiVersion = "1.4"

    /// PEP 691 project detail: `files`, `meta`, `name` (normalized) and PEP 700 `versions`.
    public static func render(_ page: SimpleProjectPage) -> String {
        var out = JSONWriter(capacity: 256 + page.files.count * 500)
        out.raw("{\"files\":[")
        for (index, file) in (page.status.servesFiles ? page.files : []).enumerated() {
            if index > 0 { out.raw(",") }
            out.raw("{\"core-metadata\":")
            metadata(file.coreMetadataSha256, into: &out)
            // PEP 714: the pre-rename key, same value, for clients that read only it.
            out.raw(",\"dist-info-metadata\":")
            metadata(file.coreMetadataSha256, into: &out)
            out.raw(",\"filename\":")
            out.string(file.filename)
            out.raw(",\"hashes\":{\"sha256\":")
            out.string(file.sha256)
            out.raw("}")
            if let provenance = file.provenanceURL {
                // PEP 740: a URL, or absent when the file has no provenance.
                out.raw(",\"provenance\":")
                out.string(provenance)
            }
            if let requiresPython = file.requiresPython {
                out.raw(",\"requires-python\":")
                out.string(requiresPython)
            }
            if let size = file.size {
                out.raw(",\"size\":")
                out.integer(size)
            }
            if let uploadTime = file.uploadTime {
                out.raw(",\"upload-time\":")
                out.timestamp(uploadTime)
            }
            out.raw(",\"url\":")
            out.string(file.url)
            out.raw(",\"yanked\":")
            switch file.yank {
            case .notYanked: out.raw("false")
            // PEP 691: the reason must be non-empty; without one, plain true.
            case .yanked(let reason?) where !reason.isEmpty: out.string(reason)
            case .yanked: out.raw("true")
            }
            out.raw("}")
        }
        out.raw("],")
        meta(lastSerial: page.lastSerial, into: &out)
        out.raw(",\"name\":")
        out.string(page.name)
        // PEP 792: always present; `reason` only when there is one.
        out.raw(",\"project-status\":{")
        if let reason = page.status.reason {
            out.raw("\"reason\":")
            out.string(reason)
            out.raw(",")
        }
        out.raw("\"status\":")
        out.string(page.status.state.rawValue)
        out.raw("}")
        out.raw(",\"versions\":[")
        for (index, version) in (page.status.servesFiles ? page.versions : []).enumerated() {
            if index > 0 { out.raw(",") }
            out.string(version)
        }
        out.raw("]}")
        return out.result
    }

    /// PEP 691 project list: `meta` and `projects`, each `{"name": display name}`.
    public static func render(_ list: SimpleProjectList) -> String {
        var out = JSONWriter(capacity: 128 + list.projects.count * 40)
        out.raw("{")
        meta(lastSerial: list.lastSerial, into: &out)
        out.raw(",\"projects\":[")
        for (index, project) in list.projects.enumerated() {
            if index > 0 { out.raw(",") }
            out.raw("{\"name\":")
            out.string(project.displayName)
            out.raw("}")
        }
        out.raw("]}")
        return out.result
    }

    private static func meta(lastSerial: Int?, into out: inout JSONWriter) {
        out.raw("\"meta\":{")
        if let lastSerial {
            out.raw("\"_last-serial\":")
            out.integer(Int64(lastSerial))
            out.raw(",")
        }
        out.raw("\"api-version\":")
        out.string(apiVersion)
        out.raw("}")
    }

    private static func metadata(_ sha256: String?, into out: inout JSONWriter) {
        guard let sha256 else { return out.raw("false") }
        out.raw("{\"sha256\":")
        out.string(sha256)
        out.raw("}")
    }
}

/// Appends UTF-8 bytes of JSON (RFC 8259), escaping strings.
private struct JSONWriter {
    private var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    var result: String { String(decoding: bytes, as: UTF8.self) }

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func integer(_ value: Int64) {
        bytes.append(contentsOf: String(value).utf8)
    }

    /// RFC 8259 §7: `"` and `\` escaped, control characters as `\uXXXX` (short forms where they
    /// exist); everything else, non-ASCII included, as UTF-8.
    mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { input in
            var start = 0
            for index in input.indices {
                let byte = input[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(input)[start..<index]))
                escape(byte)
                start = index + 1
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(input)[start...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func timestamp(_ date: Date) {
        bytes.append(UInt8(ascii: "\""))
        RFC3339Timestamp.append(date, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): raw("\\\"")
        case UInt8(ascii: "\\"): raw("\\\\")
        case 0x0A: raw("\\n")
        case 0x0D: raw("\\r")
        case 0x09: raw("\\t")
        case 0x08: raw("\\b")
        case 0x0C: raw("\\f")
        default:
            raw("\\u00")
            bytes.append(Self.hexDigit(byte >> 4))
            bytes.append(Self.hexDigit(byte & 0x0F))
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
