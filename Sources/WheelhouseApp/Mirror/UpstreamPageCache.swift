public import Foundation
public import Logging
import Synchronization
public import WheelhouseCore
public import WheelhouseStorage

/// An upstream page as the mirror keeps it: which upstream answered, and when.
public struct CachedUpstreamPage: Sendable, Equatable {
    /// `UpstreamIndex.displayURL` of the upstream that answered.
    public var upstream: String
    public var fetchedAt: Date
    public var page: UpstreamProjectPage

    public init(upstream: String, fetchedAt: Date, page: UpstreamProjectPage) {
        self.upstream = upstream
        self.fetchedAt = fetchedAt
        self.page = page
    }

    /// The stored form: the page as PEP 691 JSON (absolute upstream URLs), with the upstream and
    /// the fetch time as private `meta` keys (PEP 691 reserves `_`-prefixed keys for that).
    public func encoded() -> Data {
        let json = SimpleJSONRenderer.render(page.page)
        let extra =
            "\"_wheelhouse-fetched-at\":\"\(RFC3339Timestamp.format(fetchedAt))\",\"_wheelhouse-upstream\":"
            + Self.jsonString(upstream) + ","
        // `],"meta":{` occurs once: a string containing it would have its quotes escaped.
        guard let range = json.range(of: "],\"meta\":{") else { return Data(json.utf8) }
        return Data((json[..<range.upperBound] + extra + json[range.upperBound...]).utf8)
    }

    public static func decode(_ data: Data, project: String) throws -> CachedUpstreamPage {
        struct Envelope: Decodable {
            struct Meta: Decodable {
                var fetchedAt: String
                var upstream: String
                enum CodingKeys: String, CodingKey {
                    case fetchedAt = "_wheelhouse-fetched-at"
                    case upstream = "_wheelhouse-upstream"
                }
            }
            var meta: Meta
        }
        let envelope = try JSONDecoder().decode(Envelope.self, from: data)
        guard let fetchedAt = RFC3339Timestamp.parse(envelope.meta.fetchedAt), let pageURL = URL(string: envelope.meta.upstream)
        else { throw UpstreamError.local("the stored upstream page of \(project) has no valid fetch time or upstream") }
        let page = try UpstreamPageParser.parseJSON(data, project: project, pageURL: pageURL)
        return CachedUpstreamPage(upstream: envelope.meta.upstream, fetchedAt: fetchedAt, page: page)
    }

    static func jsonString(_ text: String) -> String {
        (try? JSONEncoder().encode(text)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }
}

/// Upstream pages held in memory and in the store (`_wheelhouse/upstream/{project}.json`, so a
/// restart or another server on the bucket has them), each used for `ttl` before the upstreams
/// are asked again. When they fail or time out, the last copy is served (stale, logged). A 404
/// from every upstream is remembered for `negativeTTL`. One refresh per project at a time.
public final class UpstreamPageCache: Sendable {
    public enum Lookup: Sendable, Equatable {
        /// The page; `stale` when the upstream failed and this is the last copy.
        case page(CachedUpstreamPage, stale: Bool)
        /// No upstream knows the project.
        case notFound
        /// The upstreams failed and there is no copy.
        case unavailable(UpstreamError)
    }

    struct Entry: Sendable {
        var page: CachedUpstreamPage?
        /// When every upstream last said 404.
        var notFoundAt: Date?
    }

    public let upstreams: [UpstreamIndex]
    let store: any BlobStore
    let ttl: Duration
    let negativeTTL: Duration
    let now: @Sendable () -> Date
    let logger: Logger
    let metrics: ServerMetrics?
    let entries = Mutex<[String: Entry]>([:])
    let refreshes = Mutex<[String: Task<Lookup, Never>]>([:])
    /// Upstreams that could not be reached, by display URL: not asked again until then, so an
    /// outage costs one connect timeout per `retryAfter`, not one per request.
    let down = Mutex<[String: (until: Date, error: UpstreamError)]>([:])
    let retryAfter: TimeInterval = 30

    public init(
        upstreams: [UpstreamIndex], store: any BlobStore, ttl: Duration, negativeTTL: Duration = .seconds(60),
        logger: Logger, metrics: ServerMetrics? = nil, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.upstreams = upstreams
        self.store = store
        self.ttl = ttl
        self.negativeTTL = negativeTTL
        self.logger = logger
        self.metrics = metrics
        self.now = now
    }

    /// The upstream page of `project`, from memory, the store or the upstreams.
    public func lookup(_ project: String) async -> Lookup {
        let current = now()
        let cached = entries.withLock { $0[project] }
        if let page = cached?.page, fresh(page.fetchedAt, ttl, current) {
            metrics?.upstreamCache(hit: true)
            return .page(page, stale: false)
        }
        if let notFoundAt = cached?.notFoundAt, fresh(notFoundAt, negativeTTL, current) {
            metrics?.upstreamCache(hit: true)
            return .notFound
        }
        if cached == nil, let stored = await loadStored(project) {
            entries.withLock { $0[project] = Entry(page: stored) }
            if fresh(stored.fetchedAt, ttl, current) {
                metrics?.upstreamCache(hit: true)
                return .page(stored, stale: false)
            }
        }
        metrics?.upstreamCache(hit: false)
        return await refresh(project)
    }

    /// Forgets the memory copy (tests; the store copy stays).
    public func forget(_ project: String) {
        entries.withLock { $0[project] = nil }
    }

    func fresh(_ time: Date, _ ttl: Duration, _ now: Date) -> Bool {
        now.timeIntervalSince(time) < Double(ttl.components.seconds) + Double(ttl.components.attoseconds) / 1e18
    }

    /// Asks the upstreams, one refresh per project at a time (concurrent callers share it).
    func refresh(_ project: String) async -> Lookup {
        let task = refreshes.withLock { running -> Task<Lookup, Never> in
            if let task = running[project] { return task }
            let task = Task { await self.fetch(project) }
            running[project] = task
            return task
        }
        let result = await task.value
        refreshes.withLock { running in
            if running[project] == task { running[project] = nil }
        }
        return result
    }

    func fetch(_ project: String) async -> Lookup {
        var failure: UpstreamError?
        for upstream in upstreams {
            if let known = down.withLock({ $0[upstream.displayURL] }), known.until > now() {
                failure = failure ?? known.error
                continue
            }
            do throws(UpstreamError) {
                switch try await upstream.projectPage(project) {
                case .found(let page):
                    metrics?.upstreamRequest(outcome: "ok")
                    for skipped in page.skipped {
                        logger.debug(
                            "upstream file not mirrored",
                            metadata: ["project": "\(project)", "file": "\(skipped.filename)", "reason": "\(skipped.reason)"])
                    }
                    let cached = CachedUpstreamPage(upstream: upstream.displayURL, fetchedAt: now(), page: page)
                    entries.withLock { $0[project] = Entry(page: cached) }
                    await saveStored(project, cached)
                    return .page(cached, stale: false)
                case .notFound:
                    metrics?.upstreamRequest(outcome: "not_found")
                    continue
                }
            } catch {
                metrics?.upstreamRequest(outcome: error.isTimeout ? "timeout" : "error")
                logger.warning("upstream failed", metadata: ["project": "\(project)", "upstream": "\(upstream.displayURL)", "error": "\(error)"])
                failure = failure ?? error
                switch error {
                case .unreachable, .timeout:
                    down.withLock { $0[upstream.displayURL] = (now().addingTimeInterval(retryAfter), error) }
                default:
                    break
                }
            }
        }
        if let failure {
            if let last = entries.withLock({ $0[project]?.page }) {
                metrics?.upstreamStaleServe()
                logger.warning(
                    "serving a stale upstream page",
                    metadata: [
                        "project": "\(project)", "stale": "true", "fetched_at": "\(RFC3339Timestamp.format(last.fetchedAt))",
                        "error": "\(failure)",
                    ])
                return .page(last, stale: true)
            }
            return .unavailable(failure)
        }
        entries.withLock { $0[project] = Entry(page: nil, notFoundAt: now()) }
        return .notFound
    }

    func loadStored(_ project: String) async -> CachedUpstreamPage? {
        do {
            guard let (data, _) = try await store.read(try StorageLayout.upstreamPageKey(project: project)) else { return nil }
            return try CachedUpstreamPage.decode(data, project: project)
        } catch {
            logger.warning("cannot read the stored upstream page", metadata: ["project": "\(project)", "error": "\(error)"])
            return nil
        }
    }

    func saveStored(_ project: String, _ page: CachedUpstreamPage) async {
        do {
            try await store.write(
                try StorageLayout.upstreamPageKey(project: project), data: page.encoded(), contentType: "application/json",
                condition: .none)
        } catch {
            logger.warning("cannot store the upstream page", metadata: ["project": "\(project)", "error": "\(error)"])
        }
    }
}
