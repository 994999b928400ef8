public import Foundation

/// `GET /-/projects.json`: the browse page's list, one entry per project with what a search by
/// name and summary needs. Not a packaging standard; documented in docs/http.md.
///
/// `{"projects": [{"name": display name, "normalized": PEP 503 name, "version": latest
/// (`LegacyJSONRenderer.latestVersion`) or null, "summary": text or null, "status": PEP 792
/// status or null}]}`, in the order given.
public enum ProjectListJSONRenderer {
    public struct Entry: Sendable, Equatable, Encodable {
        public var name: String
        public var normalized: String
        public var version: String?
        public var summary: String?
        /// PEP 792 project status (`active`, `archived`, `quarantined`, `deprecated`) when known.
        public var status: String?

        public init(name: String, normalized: String, version: String?, summary: String?, status: String? = nil) {
            self.name = name
            self.normalized = normalized
            self.version = version
            self.summary = summary
            self.status = status
        }

        enum Keys: String, CodingKey { case name, normalized, version, summary, status }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(name, forKey: .name)
            try c.encode(normalized, forKey: .normalized)
            try c.encode(version, forKey: .version)
            try c.encode(summary, forKey: .summary)
            try c.encode(status, forKey: .status)
        }
    }

    public static func render(_ entries: [Entry]) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(["projects": entries])
        } catch {
            preconditionFailure("encoding the project list failed: \(error)")
        }
    }
}
