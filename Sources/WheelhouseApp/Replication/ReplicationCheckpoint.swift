import Foundation
import WheelhouseStorage

/// A target's record of what it holds of one source: project → the source record etag last
/// replicated. Stored at `_wheelhouse/replication/<source id>.json` in the target.
public struct ReplicationCheckpoint: Sendable, Codable, Equatable {
    public static let currentSchemaVersion = 1
    public var schemaVersion = Self.currentSchemaVersion
    /// The source's display name, for people reading the file.
    public var source: String
    public var projects: [String: String] = [:]

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version"
        case source, projects
    }
}

/// Reads and merges a target's checkpoint (entries as `ReplicationPlan` writes them) with
/// compare-and-swap, so two workers never lose each other's entries. A stale entry only makes a
/// later run redo a project, never skip one: an entry is written only after the record it names
/// is at the target.
struct CheckpointStore: Sendable {
    static let prefix = "_wheelhouse/replication/"
    let store: any BlobStore
    let sourceID: String
    let sourceName: String
    var key: String { Self.prefix + sourceID + ".json" }

    /// The checkpoint; empty when there is none or it cannot be read (then every project is
    /// compared, which is slower but correct).
    func load() async throws -> ReplicationCheckpoint {
        try await loadWithEtag().checkpoint
    }

    private func loadWithEtag() async throws -> (checkpoint: ReplicationCheckpoint, etag: String?) {
        guard let (data, info) = try await store.read(key) else { return (ReplicationCheckpoint(source: sourceName), nil) }
        guard let checkpoint = try? JSONDecoder().decode(ReplicationCheckpoint.self, from: data),
            checkpoint.schemaVersion <= ReplicationCheckpoint.currentSchemaVersion
        else { return (ReplicationCheckpoint(source: sourceName), info.etag) }
        return (checkpoint, info.etag)
    }

    /// Sets (or, for nil, removes) the given entries, retrying on concurrent change.
    func merge(_ updates: [String: String?]) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for attempt in 1...100 {
            let (loaded, etag) = try await loadWithEtag()
            var checkpoint = loaded
            for (project, value) in updates { checkpoint.projects[project] = value }
            checkpoint.source = sourceName
            do {
                try await store.write(
                    key, data: try encoder.encode(checkpoint), contentType: "application/json",
                    condition: etag.map { .ifMatch($0) } ?? .ifAbsent)
                return
            } catch BlobStoreError.preconditionFailed {
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...min(100, 5 * attempt))))
            }
        }
        throw BlobStoreError.backend(.contention(what: "the replication checkpoint '\(key)' at \(store.displayName)", attempts: 100))
    }
}
