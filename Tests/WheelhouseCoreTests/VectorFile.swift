import Foundation

/// Reads a committed tab-separated vector file beside this test file.
enum VectorFile {
    static func rows(_ name: String) throws -> [[String]] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Vectors").appendingPathComponent(name)
        return try String(contentsOf: url, encoding: .utf8)
            .split(separator: "\n")
            .filter { !$0.hasPrefix("#") }
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false).map { unescape(String($0)) } }
    }

    /// Reverses Python's `unicode_escape` for the escapes the generators emit.
    static func unescape(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var out = ""
        var chars = Array(s.unicodeScalars)[...]
        while let c = chars.popFirst() {
            guard c == "\\", let next = chars.popFirst() else { out.unicodeScalars.append(c); continue }
            let width: Int? = switch next { case "x": 2; case "u": 4; case "U": 8; default: nil }
            if let width, let code = UInt32(String(String.UnicodeScalarView(chars.prefix(width))), radix: 16),
                let scalar = Unicode.Scalar(code) {
                out.unicodeScalars.append(scalar)
                chars = chars.dropFirst(width)
            } else {
                switch next {
                case "n": out += "\n"
                case "t": out += "\t"
                case "r": out += "\r"
                default: out.unicodeScalars.append(next)
                }
            }
        }
        return out
    }
}
