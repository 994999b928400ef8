public import Foundation
public import WheelhouseAWS
import WheelhouseCore
public import WheelhouseStorage

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
    /// What the value is: the wheels' URIs, a `.gluewheels.zip` or a requirements file.
    public var format: ManifestFormat = .urls
    /// From the store's record of the publication that wrote this value (nil without one):
    /// the target, the wheels (also those inside a zip or requirements file) and each
    /// preinstalled library a requirement touched, kept or replaced.
    public var target: String?
    public var wheels: [ManifestEntry]?
    public var preinstalled: [PreinstalledReport]?
    /// PEP 792: projects the manifest names that are quarantined in the store now, each
    /// `name: reason` (or just the name). Glue still installs what the manifest lists:
    /// republish it.
    public var quarantined: [String] = []

    /// The URIs under the store whose objects are gone.
    public var missing: [String] { entries.filter { $0.inStore == false }.map(\.uri) }

    enum CodingKeys: String, CodingKey {
        case parameter, version, tier, entries, missing, format, target, wheels, preinstalled, quarantined
        case lastModified = "last_modified"
    }

    public init(parameter: String, version: Int, tier: String?, lastModified: Date?, entries: [Entry]) {
        self.parameter = parameter
        self.version = version
        self.tier = tier
        self.lastModified = lastModified
        self.entries = entries
        self.format = ManifestFormat(value: entries.map(\.uri).joined(separator: ","))
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        parameter = try container.decode(String.self, forKey: .parameter)
        version = try container.decode(Int.self, forKey: .version)
        tier = try container.decodeIfPresent(String.self, forKey: .tier)
        lastModified = try container.decodeIfPresent(Date.self, forKey: .lastModified)
        entries = try container.decode([Entry].self, forKey: .entries)
        format = try container.decodeIfPresent(ManifestFormat.self, forKey: .format) ?? .urls
        target = try container.decodeIfPresent(String.self, forKey: .target)
        wheels = try container.decodeIfPresent([ManifestEntry].self, forKey: .wheels)
        preinstalled = try container.decodeIfPresent([PreinstalledReport].self, forKey: .preinstalled)
        quarantined = try container.decodeIfPresent([String].self, forKey: .quarantined) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(parameter, forKey: .parameter)
        try container.encode(version, forKey: .version)
        try container.encodeIfPresent(tier, forKey: .tier)
        try container.encodeIfPresent(lastModified, forKey: .lastModified)
        try container.encode(entries, forKey: .entries)
        try container.encode(missing, forKey: .missing)
        try container.encode(format, forKey: .format)
        try container.encodeIfPresent(target, forKey: .target)
        try container.encodeIfPresent(wheels, forKey: .wheels)
        try container.encodeIfPresent(preinstalled, forKey: .preinstalled)
        try container.encode(quarantined, forKey: .quarantined)
    }

    /// The part of a manifest record (`ManifestPublisher.recordKey`) `show` reports.
    struct Record: Decodable {
        struct Publication: Decodable {
            var value: String
            var target: String
            var wheels: [ManifestEntry]
            var preinstalled: [PreinstalledReport]?
        }
        var publication: Publication
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
        var listing = ManifestListing(
            parameter: parameter, version: current.version, tier: tier?.rawValue, lastModified: current.lastModified,
            entries: entries)
        let recordKey = ManifestPublisher.recordKey(parameter: parameter, region: ssm.configuration.region)
        if let (data, _) = try? await store.read(recordKey),
            let record = try? JSONDecoder().decode(Record.self, from: data), record.publication.value == current.value
        {
            listing.target = record.publication.target
            listing.wheels = record.publication.wheels
            listing.preinstalled = record.publication.preinstalled ?? []
        }
        let named = Set(listing.entries.compactMap(\.project) + (listing.wheels ?? []).map(\.project))
        let records = ProjectRecords(store: store)
        for project in named.sorted() {
            guard let (record, _) = try await records.load(project), !record.status.servesFiles else { continue }
            listing.quarantined.append(project + (record.status.reason.map { ": \($0)" } ?? ""))
        }
        return listing
    }
}
