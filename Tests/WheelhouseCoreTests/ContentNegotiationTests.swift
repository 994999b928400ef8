import Foundation
import Testing

@testable import WheelhouseCore

@Suite struct ContentNegotiationTests {
    static let json = "application/vnd.pypi.simple.v1+json"
    static let html1 = "application/vnd.pypi.simple.v1+html"

    /// Vectors/content-negotiation.tsv, generated from WebOb by generate_content_negotiation.py.
    static let vectors: [(accept: String, expected: String)] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Vectors/content-negotiation.tsv")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let tab = line.lastIndex(of: "\t") else { return nil }
            return (String(line[..<tab]).replacingOccurrences(of: "\\t", with: "\t"), String(line[line.index(after: tab)...]))
        }
    }()

    @Test func vectorsArePresent() {
        #expect(Self.vectors.count > 50)
    }

    @Test func matchesTheReferenceVectors() {
        for (accept, expected) in Self.vectors {
            let chosen = SimpleFormat.negotiate(accept: accept, formatOverride: nil)
            #expect((chosen?.contentType ?? "406") == expected, "Accept: \(accept)")
        }
    }

    @Test(arguments: [
        // pip 23.2.1 and 26.3, uv 0.13.9, pypi-simple 1.8.0 (research/feasibility.md §5).
        "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01",
        "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01",
        "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html, text/html;q=0.01",
    ])
    func realClientsGetJSON(_ accept: String) {
        #expect(SimpleFormat.negotiate(accept: accept, formatOverride: nil) == .jsonV1)
    }

    @Test func defaultsAndRefusals() {
        #expect(SimpleFormat.negotiate(accept: nil, formatOverride: nil) == .htmlLegacy)
        #expect(SimpleFormat.negotiate(accept: "", formatOverride: nil) == .htmlLegacy)
        #expect(SimpleFormat.negotiate(accept: "a b c", formatOverride: nil) == .htmlLegacy)
        #expect(SimpleFormat.negotiate(accept: "application/json", formatOverride: nil) == nil)
        #expect(SimpleFormat.negotiate(accept: "*/*;q=0", formatOverride: nil) == nil)
        #expect(SimpleFormat.negotiate(accept: "*/*", formatOverride: nil) == .jsonV1)
    }

    @Test func formatOverrideTakesPrecedence() {
        let accept = "text/html"
        #expect(SimpleFormat.negotiate(accept: accept, formatOverride: Self.json) == .jsonV1)
        #expect(SimpleFormat.negotiate(accept: "application/json", formatOverride: Self.html1) == .htmlV1)
        #expect(SimpleFormat.negotiate(accept: nil, formatOverride: "text/html") == .htmlLegacy)
        #expect(SimpleFormat.negotiate(accept: nil, formatOverride: " Application/VND.pypi.simple.v1+JSON ") == .jsonV1)
        #expect(SimpleFormat.negotiate(accept: nil, formatOverride: "application/vnd.pypi.simple.latest+json") == .jsonV1)
        for unknown in ["json", "", "*/*", "application/json", "text/html;q=1", "application/vnd.pypi.simple.v2+json"] {
            #expect(SimpleFormat.negotiate(accept: accept, formatOverride: unknown) == nil, "\(unknown)")
        }
    }

    @Test func contentTypes() {
        #expect(SimpleFormat.jsonV1.contentType == Self.json)
        #expect(SimpleFormat.htmlV1.contentType == Self.html1)
        #expect(SimpleFormat.htmlLegacy.contentType == "text/html")
    }

    @Test func parsesMediaRanges() {
        #expect(MediaRange.parse("Text/HTML ; Level=1 ; q=0.25 ; ext") == MediaRange(type: "text", subtype: "html", hasParameters: true, quality: 250))
        #expect(MediaRange.parse(#"text/html;a="x;y,z";q=0.5"#)?.quality == 500)
        #expect(MediaRange.parse(#"text/html;a="unterminated"#) == nil)
        #expect(MediaRange.parse(#"text/html;a="esc\"aped""#)?.hasParameters == true)
        #expect(MediaRange.parseList(#"text/html;a="x,y", application/*;q=0"#).count == 2)
        for (text, expected) in [("0", 0), ("1", 1000), ("0.5", 500), ("0.05", 50), ("0.001", 1), ("1.000", 1000), ("0.", 0)] {
            #expect(MediaRange.parseQValue(text) == expected, "\(text)")
        }
        for text in ["", "2", "1.001", "0.0001", ".5", "0,5", "-0", "1.5", "0.5a"] {
            #expect(MediaRange.parseQValue(text) == nil, "\(text)")
        }
    }

    @Test func quotedCommasDoNotSplitElements() {
        #expect(
            SimpleFormat.negotiate(accept: #"text/html;q=0.9;ext="a, application/vnd.pypi.simple.v1+json", application/xml"#, formatOverride: nil)
                == .htmlLegacy)
    }
}
