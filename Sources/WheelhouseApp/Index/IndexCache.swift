import CompressNIO
import Crypto
import Foundation
import NIOCore
import Synchronization
import WheelhouseCore
import WheelhouseStorage

/// A rendered index page, ready to send: the bytes, a gzip-compressed copy and a strong ETag.
public struct RenderedPage: Sendable {
    public var body: ByteBuffer
    public var gzipped: ByteBuffer?
    /// A strong entity tag (quoted) derived from the bytes.
    public var etag: String
    public var contentType: String

    init(bytes: [UInt8], contentType: String) {
        self.body = ByteBuffer(bytes: bytes)
        self.etag = "\"\(SHA256.hash(data: bytes).hexString.prefix(32))\""
        self.contentType = contentType
        self.gzipped = bytes.count >= 256 ? Self.gzip(bytes) : nil
    }

    static func gzip(_ bytes: [UInt8]) -> ByteBuffer? {
        var input = ByteBuffer(bytes: bytes)
        return try? input.compress(with: .gzip())
    }
}

/// The server's view of the index: records and rendered pages held in memory, so index requests
/// never touch the store on the hot path.
///
/// Changes made through this process invalidate entries at once (`invalidate`). Changes made by
/// another process or server on the same store are picked up on the first request after an entry
/// is older than `staleness`: one cheap `head` of the record (a stat on disk, a HEAD on S3)
/// decides whether to reload it. So another writer's change is visible within `staleness`.
/// When the store cannot be reached, the last known pages go on being served.
public final class IndexCache: Sendable {
    struct ProjectEntry: Sendable {
        var record: ProjectRecord?
        var etag: String?
        var checkedAt: ContinuousClock.Instant
        var pages: [SimpleFormat: RenderedPage]
    }
    struct RootEntry: Sendable {
        var names: [String]
        var checkedAt: ContinuousClock.Instant
        var pages: [SimpleFormat: RenderedPage]
    }
    struct State: Sendable {
        var projects: [String: ProjectEntry] = [:]
        var root: RootEntry?
    }

    public let store: any BlobStore
    public let staleness: Duration
    let clock = ContinuousClock()
    let state = Mutex(State())
    let records: ProjectRecords

    public init(store: any BlobStore, staleness: Duration) {
        self.store = store
        self.staleness = staleness
        self.records = ProjectRecords(store: store)
    }

    /// Forgets what is cached for `project` and the root list.
    public func invalidate(_ project: String) {
        state.withLock {
            $0.projects[project] = nil
            $0.root = nil
        }
    }

    /// The project's record, or nil when it has none.
    public func record(_ project: String) async throws -> ProjectRecord? {
        try await entry(project).record
    }

    /// The rendered page of `project` in `format`, or nil when the project does not exist.
    public func projectPage(_ project: String, format: SimpleFormat) async throws -> RenderedPage? {
        let current = try await entry(project)
        guard let record = current.record else { return nil }
        if let page = current.pages[format] { return page }
        let page = RenderedPage(bytes: PageRendering.render(record, format: format), contentType: format.contentType)
        state.withLock { s in
            if s.projects[project]?.etag == current.etag { s.projects[project]?.pages[format] = page }
        }
        return page
    }

    /// The rendered project list in `format`.
    public func rootPage(format: SimpleFormat) async throws -> RenderedPage {
        let now = clock.now
        let cached = state.withLock { $0.root }
        var names: [String]
        if let cached, now - cached.checkedAt < staleness {
            if let page = cached.pages[format] { return page }
            names = cached.names
        } else {
            do {
                names = try await records.projectNames()
            } catch {
                guard let cached else { throw error }
                names = cached.names  // stale if error, as for project pages
            }
            if let cached, cached.names == names {
                state.withLock { $0.root?.checkedAt = now }
                if let page = cached.pages[format] { return page }
            } else {
                state.withLock { $0.root = RootEntry(names: names, checkedAt: now, pages: [:]) }
            }
        }
        let page = RenderedPage(bytes: PageRendering.renderRoot(names, format: format), contentType: format.contentType)
        state.withLock { s in
            if s.root?.names == names { s.root?.pages[format] = page }
        }
        return page
    }

    func entry(_ project: String) async throws -> ProjectEntry {
        let now = clock.now
        let cached = state.withLock { $0.projects[project] }
        if let cached, now - cached.checkedAt < staleness { return cached }
        // Revalidate: a cheap head of the record decides whether to reload it.
        let key = try StorageLayout.recordKey(project: project)
        let info: BlobInfo?
        let loaded: (record: ProjectRecord, etag: String)?
        do {
            info = try await store.head(key)
            if let cached, cached.etag == info?.etag {
                state.withLock { $0.projects[project]?.checkedAt = now }
                return cached
            }
            loaded = try await records.load(project)
        } catch {
            // Stale if error (RFC 5861): while the store is unreachable, the last known page
            // is better than none; every file it lists is complete in the store.
            if let cached { return cached }
            throw error
        }
        let fresh = ProjectEntry(record: loaded?.record, etag: loaded?.etag, checkedAt: now, pages: [:])
        // Unknown projects are not remembered: requests for random names must not grow memory.
        state.withLock { $0.projects[project] = loaded == nil ? nil : fresh }
        return fresh
    }
}
