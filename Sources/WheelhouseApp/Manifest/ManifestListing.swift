import Foundation
import WheelhouseAWS
import WheelhouseCore
import WheelhouseStorage

/// A published manifest read back: each URI with the project and version it names and whether
/// the store still has the object (`wheelhouse manifest show`).
public struct ManifestListing: Sendable, Hashable, Codable {
    public struct Entry: Sendable, Hashable, Codable {
        public var uri: String
        /// Nil for a URI that is not a wheel of the store's layout (a bundle, a foreign object).
        public var project: String?
        public var version: String?
        /// Whether the object exists in the store; nil when the URI is outside the store.
        public var inStore: Bool?

        enum CodingKeys: String, CodingKey {
            case uri, project, version
            case inStore = "in_store"
        }
    }

    public var parameter: String
    public var version: Int
    public var tier: String?
    public var lastModified: Date?
    public var entries: [Entry]

    /// The URIs under the store whose objects are gone.
    public var missing: [String] { entries.filter { $0.inStore == false }.map(\.uri) }

    enum CodingKeys: String, CodingKey {
        case parameter, version, tier, entries, missing
        case lastModified = "last_modified"
    }

    public init(parameter: String, version: Int, tier: String?, lastModified: Date?, entries: [Entry]) {
        self.parameter = parameter
        self.version = version
        self.tier = tier
        self.lastModified = lastModified
        self.entries = entries
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        parameter = try container.decode(String.self, forKey: .parameter)
        version = try container.decode(Int.self, forKey: .version)
        tier = try container.decodeIfPresent(String.self, forKey: .tier)
        lastModified = try container.decodeIfPresent(Date.self, forKey: .lastModified)
        entries = try container.decode([Entry].self, forKey: .entries)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(parameter, forKey: .parameter)
        try container.encode(version, forKey: .version)
        try container.encodeIfPresent(tier, forKey: .tier)
        try container.encodeIfPresent(lastModified, forKey: .lastModified)
        try container.encode(entries, forKey: .entries)
        try container.encode(missing, forKey: .missing)
    }

    /// Reads the parameter and checks each URI under `uriBase` against `store`.
    public static func read(parameter: String, ssm: SSMClient, store: any BlobStore, uriBase: String?) async throws -> ManifestListing {
        let current = try await ssm.getParameter(name: parameter)
        var entries: [Entry] = []
        for uri in current.value.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !uri.isEmpty {
            var entry = Entry(uri: uri)
            if let base = uriBase, uri.hasPrefix(base + "/") {
                let key = String(uri.dropFirst(base.count + 1))
                if let (project, filename) = StorageLayout.parseFileKey(key) {
                    entry.project = project
                    entry.version = (try? WheelFilename(filename))?.version.description
                }
                do {
                    entry.inStore = try await store.head(key) != nil
                } catch BlobStoreError.invalidKey {
                    entry.inStore = false
                }
            }
            entries.append(entry)
        }
        let tier = try await ssm.currentTier(name: parameter)
        return ManifestListing(
            parameter: parameter, version: current.version, tier: tier?.rawValue, lastModified: current.lastModified,
            entries: entries)
    }
}
