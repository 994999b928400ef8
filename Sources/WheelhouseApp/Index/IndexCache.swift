import CompressNIO
import Crypto
import Foundation
public import HTTPTypes
public import NIOCore
import Synchronization
public import WheelhouseCore
public import WheelhouseStorage

/// A rendered index page, ready to send: the bytes, a gzip-compressed copy, a strong ETag, and
/// the response headers of each representation, built once, so that answering from the cache
/// copies two shared values (headers and a `ByteBuffer`) and builds nothing per request.
public struct RenderedPage: Sendable {
    public var body: ByteBuffer
    public var gzipped: ByteBuffer?
    /// A strong entity tag (quoted) derived from the bytes.
    public var etag: String
    public var contentType: String
    /// The headers of a `304` (no length): type, ETag, `Vary`, `Cache-Control`.
    public let headers: HTTPFields
    /// `headers` plus the identity body's `Content-Length`.
    public let identityHeaders: HTTPFields
    /// `headers` plus `Content-Encoding: gzip` and the compressed body's length, when there is one.
    public let gzipHeaders: HTTPFields?
    /// The same headers as HTTP/1.1 bytes, for `RawIndexFastPath`.
    let raw: RawPageHeads

    init(bytes: [UInt8], contentType: String) {
        let body = ByteBuffer(bytes: bytes)
        let etag = "\"\(SHA256.hash(data: bytes).hexString.prefix(32))\""
        let gzipped = bytes.count >= 256 ? Self.gzip(bytes) : nil
        let headers: HTTPFields = [
            .contentType: contentType,
            .eTag: etag,
            .vary: "Accept, Accept-Encoding",
            .cacheControl: "max-age=60, public",
        ]
        var identity = headers
        identity[.contentLength] = String(body.readableBytes)
        self.body = body
        self.etag = etag
        self.contentType = contentType
        self.gzipped = gzipped
        self.headers = headers
        self.identityHeaders = identity
        let gzipHeaders = gzipped.map { gz in
            var fields = headers
            fields[.contentEncoding] = "gzip"
            fields[.contentLength] = String(gz.readableBytes)
            return fields
        }
        self.gzipHeaders = gzipHeaders
        self.raw = RawPageHeads(identity: identity, gzip: gzipHeaders, notModified: headers)
    }

    /// The gzip of `bytes` in a buffer of its own size: the compressor's output buffer is as
    /// large as the input, and a page is held for as long as it is cached.
    static func gzip(_ bytes: [UInt8]) -> ByteBuffer? {
        var input = ByteBuffer(bytes: bytes)
        guard let compressed = try? input.compress(with: .gzip()) else { return nil }
        return ByteBuffer(bytes: compressed.readableBytesView)
    }
}

/// The server's view of the index: records and rendered pages held in memory, so index requests
/// never touch the store on the hot path.
///
/// Changes made through this process invalidate entries at once (`invalidate`). Changes made by
/// another process or server on the same store are picked up after an entry is older than
/// `staleness`: the first request after that sets off one revalidation in the background (a
/// cheap `head` of the record, a stat on disk or a HEAD on S3, decides whether to reload it; for
/// the root list, a listing of the records) and is answered from memory, as is every request
/// until the revalidation ends (stale-while-revalidate, RFC 5861). One revalidation per entry at
/// a time, however many requests arrive: no request waits for the store once a page is known.
/// So another writer's change is visible within `staleness` plus one store round trip.
/// When the store cannot be reached, the last known pages go on being served.
public final class IndexCache: Sendable {
    struct ProjectEntry: Sendable {
        var record: ProjectRecord? {
            didSet {
                hasProvenance = Self.anyProvenance(record)
                fileIndex = Self.index(record)
            }
        }
        var etag: String?
        var checkedAt: ContinuousClock.Instant
        var pages: [PageVariant: RenderedPage]
        /// A file has PEP 740 provenance: the pages depend on the request's origin. Worked out
        /// once per loaded record, not on every request.
        private(set) var hasProvenance: Bool
        /// The position of each file in the record, by filename, for downloads answered on the
        /// event loop (`RawIndexFastPath`).
        private(set) var fileIndex: [String: Int]

        init(record: ProjectRecord?, etag: String?, checkedAt: ContinuousClock.Instant, pages: [PageVariant: RenderedPage]) {
            self.record = record
            self.etag = etag
            self.checkedAt = checkedAt
            self.pages = pages
            self.hasProvenance = Self.anyProvenance(record)
            self.fileIndex = Self.index(record)
        }

        static func index(_ record: ProjectRecord?) -> [String: Int] {
            var index: [String: Int] = [:]
            for (position, file) in (record?.files ?? []).enumerated() { index[file.filename] = position }
            return index
        }

        static func anyProvenance(_ record: ProjectRecord?) -> Bool {
            record?.files.contains { $0.provenanceSha256 != nil } ?? false
        }
    }
    /// A page differs by format and, when a file has PEP 740 provenance, by the origin its
    /// provenance URLs are qualified with.
    struct PageVariant: Hashable, Sendable {
        var format: SimpleFormat
        var origin: String?
    }
    /// Origins remembered per project: a client sending odd `Host` headers cannot grow memory.
    static let maxVariants = 8
    struct RootEntry: Sendable {
        var names: [String]
        var checkedAt: ContinuousClock.Instant
        var pages: [SimpleFormat: RenderedPage]
    }
    struct State: Sendable {
        var projects: [String: ProjectEntry] = [:]
        var root: RootEntry?
        /// Bumped by every `invalidate`: a revalidation that began before keeps its result to itself.
        var generation = 0
        /// Entries being revalidated in the background (project names; `rootKey` for the list).
        var revalidating: Set<String> = []
    }
    static let rootKey = "/"

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
            $0.generation += 1
        }
    }

    /// The project's record, or nil when it has none.
    public func record(_ project: String) async throws -> ProjectRecord? {
        try await entry(project).record
    }

    /// The rendered page of `project` in `format`, or nil when the project does not exist.
    /// `origin` (`http://host:port`) qualifies PEP 740 provenance URLs; it matters only for a
    /// project with provenance.
    public func projectPage(_ project: String, format: SimpleFormat, origin: String? = nil) async throws -> RenderedPage? {
        let current = try await entry(project)
        guard let record = current.record else { return nil }
        let variant = PageVariant(format: format, origin: current.hasProvenance ? origin : nil)
        if let page = current.pages[variant] { return page }
        let page = RenderedPage(
            bytes: PageRendering.render(record, format: format, origin: variant.origin), contentType: format.contentType)
        state.withLock { s in
            if s.projects[project]?.etag == current.etag, (s.projects[project]?.pages.count ?? 0) < Self.maxVariants {
                s.projects[project]?.pages[variant] = page
                HeapTrimmer.noteGrowth()
            }
        }
        return page
    }

    /// The rendered project list in `format`.
    public func rootPage(format: SimpleFormat) async throws -> RenderedPage {
        let now = clock.now
        let (cached, generation) = state.withLock { ($0.root, $0.generation) }
        let names: [String]
        if let cached {
            if now - cached.checkedAt >= staleness { revalidateInBackground(Self.rootKey) { await self.revalidateRoot(generation) } }
            if let page = cached.pages[format] { return page }
            names = cached.names
        } else {
            names = try await records.projectNames()
            state.withLock { s in
                if s.generation == generation { s.root = RootEntry(names: names, checkedAt: now, pages: [:]) }
            }
        }
        let page = RenderedPage(bytes: PageRendering.renderRoot(names, format: format), contentType: format.contentType)
        state.withLock { s in
            if s.root?.names == names {
                s.root?.pages[format] = page
                HeapTrimmer.noteGrowth()
            }
        }
        return page
    }

    /// The rendered project list in `format` if it is in memory, else nil; for answering on the
    /// event loop (`IndexFastPath`). A stale list is returned and revalidated in the background,
    /// as by `rootPage`.
    func cachedRootPage(format: SimpleFormat) -> RenderedPage? {
        let now = clock.now
        let (cached, generation) = state.withLock { ($0.root, $0.generation) }
        guard let cached, let page = cached.pages[format] else { return nil }
        if now - cached.checkedAt >= staleness { revalidateInBackground(Self.rootKey) { await self.revalidateRoot(generation) } }
        return page
    }

    /// The rendered page of `project` in `format` if it is in memory, else nil (also for a
    /// project not known yet); for answering on the event loop (`IndexFastPath`). A stale
    /// page is returned and revalidated in the background, as by `projectPage`.
    func cachedProjectPage(_ project: String, format: SimpleFormat) -> RenderedPage? {
        let now = clock.now
        let (cached, generation) = state.withLock { ($0.projects[project], $0.generation) }
        // A page with PEP 740 provenance URLs depends on the request's origin: the router answers it.
        guard let cached, cached.record != nil, !cached.hasProvenance, let page = cached.pages[PageVariant(format: format, origin: nil)]
        else { return nil }
        if now - cached.checkedAt >= staleness {
            revalidateInBackground(project) { _ = try? await self.revalidate(project, cached: cached, generation: generation) }
        }
        return page
    }

    /// The record of a file of `project` named `filename` when the record is in memory and the
    /// project's files are served (not quarantined), else nil; for answering downloads on the
    /// event loop (`RawIndexFastPath`). A stale record is used and revalidated in the background.
    func cachedFile(_ project: String, _ filename: String) -> FileRecord? {
        let now = clock.now
        let (cached, generation) = state.withLock { ($0.projects[project], $0.generation) }
        guard let cached, let record = cached.record, record.status.servesFiles, let position = cached.fileIndex[filename] else { return nil }
        if now - cached.checkedAt >= staleness {
            revalidateInBackground(project) { _ = try? await self.revalidate(project, cached: cached, generation: generation) }
        }
        return record.files[position]
    }

    /// Lists the records again; keeps the rendered pages when the names did not change.
    private func revalidateRoot(_ generation: Int) async {
        let started = clock.now
        guard let names = try? await records.projectNames() else { return }  // stale if error
        state.withLock { s in
            guard s.generation == generation else { return }
            if let root = s.root, root.names == names {
                s.root?.checkedAt = started
            } else {
                s.root = RootEntry(names: names, checkedAt: started, pages: [:])
            }
        }
    }

    /// Runs `work` in the background unless a revalidation of `key` is running already.
    private func revalidateInBackground(_ key: String, _ work: @escaping @Sendable () async -> Void) {
        guard state.withLock({ $0.revalidating.insert(key).inserted }) else { return }
        Task {
            await work()
            state.withLock { _ = $0.revalidating.remove(key) }
        }
    }

    func entry(_ project: String) async throws -> ProjectEntry {
        let now = clock.now
        let (cached, generation) = state.withLock { ($0.projects[project], $0.generation) }
        if let cached {
            if now - cached.checkedAt >= staleness {
                revalidateInBackground(project) { _ = try? await self.revalidate(project, cached: cached, generation: generation) }
            }
            return cached
        }
        return try await revalidate(project, cached: nil, generation: generation)
    }

    /// Asks the store whether `project`'s record changed since `cached` (loading it when it did,
    /// or when nothing is cached) and keeps the answer unless an `invalidate` came meanwhile.
    @discardableResult
    private func revalidate(_ project: String, cached: ProjectEntry?, generation: Int) async throws -> ProjectEntry {
        let started = clock.now
        let key = try StorageLayout.recordKey(project: project)
        let info: BlobInfo?
        let loaded: (record: ProjectRecord, etag: String)?
        do {
            info = try await store.head(key)
            if let cached, cached.etag == info?.etag {
                state.withLock { s in
                    if s.generation == generation { s.projects[project]?.checkedAt = started }
                }
                return cached
            }
            loaded = try await records.load(project)
        } catch {
            // Stale if error (RFC 5861): while the store is unreachable, the last known page
            // is better than none; every file it lists is complete in the store.
            if let cached { return cached }
            throw error
        }
        let fresh = ProjectEntry(record: loaded?.record, etag: loaded?.etag, checkedAt: started, pages: [:])
        // Unknown projects are not remembered: requests for random names must not grow memory.
        state.withLock { s in
            guard s.generation == generation else { return }
            s.projects[project] = loaded == nil ? nil : fresh
            if loaded != nil { HeapTrimmer.noteGrowth() }
        }
        return fresh
    }
}
