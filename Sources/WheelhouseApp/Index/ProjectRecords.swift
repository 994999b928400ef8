import Foundation
public import WheelhouseCore
public import WheelhouseStorage

/// Reads and updates project records (`_wheelhouse/projects/{project}.json`, DESIGN.md §2),
/// the source of truth of the index. Updates are compare-and-swap on the record's etag, retried
/// on conflict, so concurrent writers in several processes or servers never lose an entry.
public struct ProjectRecords: Sendable {
    public let store: any BlobStore
    /// Upper bound on compare-and-swap attempts under contention.
    public var maxAttempts = 200

    public init(store: any BlobStore) {
        self.store = store
    }

    public func load(_ project: String) async throws -> (record: ProjectRecord, etag: String)? {
        let key = try StorageLayout.recordKey(project: project)
        guard let (data, info) = try await store.read(key) else { return nil }
        return (try ProjectRecord.decode(data), info.etag)
    }

    /// Every project name that has a record, normalized, sorted.
    public func projectNames() async throws -> [String] {
        let prefix = StorageLayout.recordsPrefix
        return try await store.list(prefix: prefix).compactMap { info in
            guard info.key.hasSuffix(".json") else { return nil }
            return String(info.key.dropFirst(prefix.count).dropLast(".json".count))
        }
    }

    public enum UpdateResult: Sendable {
        /// The transform returned nil: nothing was written.
        case unchanged(ProjectRecord?)
        case written(old: ProjectRecord?, new: ProjectRecord, etag: String)
    }

    /// Applies `transform` to the current record (nil when the project has none) and writes the
    /// result with `If-Match` (or `If-None-Match: *` for a new record), retrying on conflict.
    /// Returning nil from `transform` writes nothing.
    public func update(
        _ project: String,
        _ transform: (ProjectRecord?) throws -> ProjectRecord?
    ) async throws -> UpdateResult {
        let key = try StorageLayout.recordKey(project: project)
        var attempt = 0
        while true {
            attempt += 1
            let current = try await load(project)
            guard let next = try transform(current?.record) else { return .unchanged(current?.record) }
            if let current, current.record == next { return .unchanged(current.record) }
            let condition: WriteCondition = current.map { .ifMatch($0.etag) } ?? .ifAbsent
            do {
                let info = try await store.write(
                    key, data: next.encoded(), contentType: "application/json", condition: condition)
                return .written(old: current?.record, new: next, etag: info.etag)
            } catch BlobStoreError.preconditionFailed {
                guard attempt < maxAttempts else {
                    throw BlobStoreError.backend(.contention(what: "the record of '\(project)'", attempts: maxAttempts))
                }
                // Back off a little, with jitter, so contending writers spread out.
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...min(50, 2 * attempt))))
            }
        }
    }
}
