import Foundation
import Synchronization
import WheelhouseCore
import WheelhouseStorage

/// Parsed core metadata of stored files (`packages/{project}/{filename}.metadata`, PEP 658),
/// for the legacy JSON API and the browse list. A file's metadata never changes once written,
/// so an entry never goes stale; the cache is bounded by dropping everything past `limit`.
final class CoreMetadataCache: Sendable {
    let store: any BlobStore
    let limit: Int
    private let entries = Mutex<[String: CoreMetadata]>([:])

    init(store: any BlobStore, limit: Int = 4096) {
        self.store = store
        self.limit = limit
    }

    /// The metadata of `file`, nil when it has none stored (an sdist, a file still being mirrored).
    func metadata(project: String, file: FileRecord) async throws -> CoreMetadata? {
        guard file.metadataSha256 != nil else { return nil }
        let key = try StorageLayout.metadataKey(project: project, filename: file.filename)
        if let hit = entries.withLock({ $0[key] }) { return hit }
        guard let (data, _) = try await store.read(key) else { return nil }
        let parsed = CoreMetadata.parse(Array(data))
        entries.withLock { e in
            if e.count >= limit { e.removeAll(keepingCapacity: true) }
            e[key] = parsed
        }
        return parsed
    }

    /// The metadata of a release: its first wheel that has some, else any file that has some.
    func metadata(project: String, record: ProjectRecord, version: String) async throws -> CoreMetadata? {
        let files = record.files.filter { $0.version == version && $0.metadataSha256 != nil }
        let ordered = files.filter { $0.packageType == "bdist_wheel" } + files.filter { $0.packageType != "bdist_wheel" }
        for file in ordered {
            if let found = try await metadata(project: project, file: file) { return found }
        }
        return nil
    }
}
