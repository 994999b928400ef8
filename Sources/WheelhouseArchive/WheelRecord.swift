import Foundation

/// PEP 376 / PEP 427 RECORD: one CSV row per file, `path,algorithm=urlsafe-b64-digest,size`.
struct WheelRecord {
    struct Row {
        let path: String
        /// Empty for RECORD itself and signature files.
        let hash: String
        let size: String
        let line: Int
    }

    let rows: [Row]

    /// Parses the CSV as Python's `csv` module (default dialect) writes it.
    init(_ bytes: [UInt8], entry: String) throws(ArchiveError) {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .malformedRecord(entry: entry, line: 0, message: "RECORD is not valid UTF-8")
        }
        var rows: [Row] = []
        var line = 0
        for record in Self.csvRows(text) {
            line += 1
            if record.count == 1 && record[0].isEmpty { continue }
            guard record.count == 3 else {
                throw .malformedRecord(entry: entry, line: line, message: "expected 3 fields (path,hash,size), found \(record.count)")
            }
            rows.append(Row(path: record[0], hash: record[1], size: record[2], line: line))
        }
        self.rows = rows
    }

    private static func csvRows(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var fields: [String] = []
        var field = ""
        var quoted = false
        var chars = text.makeIterator()
        var pending: Character? = nil
        while let c = pending ?? chars.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    let next = chars.next()
                    if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                } else {
                    field.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty: quoted = true
            case ",": fields.append(field); field = ""
            case "\n", "\r\n", "\r":
                fields.append(field); field = ""
                rows.append(fields); fields = []
            default: field.append(c)
            }
        }
        if !field.isEmpty || !fields.isEmpty { fields.append(field); rows.append(fields) }
        return rows
    }

    /// urlsafe base64 without padding, as RECORD writes digests.
    static func urlsafeBase64(_ digest: some Sequence<UInt8>) -> String {
        Data(digest).base64EncodedString()
            .replacing("+", with: "-").replacing("/", with: "_").replacing("=", with: "")
    }
}
