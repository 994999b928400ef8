import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization
import WheelhouseCore
import WheelhouseStorage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `serve --upstream`: pages of projects that are not hosted here come from the upstreams, with
/// file links rewritten to `/packages/{project}/{filename}`; a file is fetched on its first
/// download, streamed to the client while it is spooled, checked against the upstream's sha256
/// and ingested as a mirrored file, so later downloads never touch the upstream (DESIGN.md §6).
///
/// Dependency confusion: a project with any file uploaded here (hosted) lists only its hosted
/// files, unless `--upstream-merge` names it. `--upstream-allow`/`--upstream-deny` decide which
/// names may come from upstream at all; `--upstream-min-age` hides young files.
public final class PullThroughMirror: Sendable {
    /// A file our page lists that is not in the store yet, and where to get it.
    struct UpstreamFile: Sendable {
        var file: SimpleProjectPage.File
        /// `UpstreamIndex.displayURL` of the upstream that listed it.
        var upstream: String
    }

    /// Our page of a project, with the upstream files it lists.
    struct View: Sendable {
        var page: SimpleProjectPage
        var upstreamFiles: [String: UpstreamFile]
        /// Changes whenever the page may: the record's etag, the upstream page's fetch time.
        var key: String
    }

    struct Rendered: Sendable {
        var view: View
        var pages: [IndexCache.PageVariant: RenderedPage]
    }

    let settings: UpstreamSettings
    let pages: UpstreamPageCache
    let cache: IndexCache
    let ingestor: Ingestor
    let spoolDirectory: URL
    /// Largest file fetched (the server's upload limit): a hostile upstream cannot fill the disk.
    let maxFileBytes: Int64
    let logger: Logger
    let metrics: ServerMetrics
    let now: @Sendable () -> Date
    let rendered = Mutex<[String: Rendered]>([:])
    let fetches = Mutex<[String: MirrorFetch]>([:])
    /// Files whose fetch failed for a reason that will not go away by itself (the upstream's bytes
    /// do not match its page, or are not a valid distribution): answered 502 until the page is
    /// fetched again.
    let failures = Mutex<[String: (at: Date, error: any ClientFacingError)]>([:])
    let metadataFiles = Mutex<[String: [UInt8]]>([:])
    /// Projects found without a record, and when.
    let absent = Mutex<[String: ContinuousClock.Instant]>([:])

    init(
        settings: UpstreamSettings, pages: UpstreamPageCache, cache: IndexCache, ingestor: Ingestor, spoolDirectory: URL,
        maxFileBytes: Int64, logger: Logger, metrics: ServerMetrics, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.settings = settings
        self.pages = pages
        self.cache = cache
        self.ingestor = ingestor
        self.spoolDirectory = spoolDirectory
        self.maxFileBytes = maxFileBytes
        self.logger = logger
        self.metrics = metrics
        self.now = now
    }

    // MARK: Pages

    /// Our page of `project` in `format`; nil when neither the store nor an upstream has it.
    /// Throws 502/504 when the upstreams fail and nothing is known of the project.
    func projectPage(_ project: String, format: SimpleFormat, origin: String? = nil) async throws -> RenderedPage? {
        guard let view = try await view(project) else { return nil }
        // PEP 740 provenance URLs are qualified with the origin the client used; pages without
        // provenance are the same for every origin.
        let hasProvenance = view.page.files.contains { $0.provenanceURL != nil }
        let variant = IndexCache.PageVariant(format: format, origin: hasProvenance ? origin : nil)
        if let page = rendered.withLock({ $0[project].flatMap { $0.view.key == view.key ? $0.pages[variant] : nil } }) {
            return page
        }
        let page = variant.origin.map { view.page.qualifyingProvenanceURLs(origin: $0) } ?? view.page
        let bytes: [UInt8]
        switch format {
        case .jsonV1: bytes = Array(SimpleJSONRenderer.render(page).utf8)
        case .htmlV1, .htmlLegacy: bytes = Array(SimpleHTMLRenderer.render(page).utf8)
        }
        let rendered = RenderedPage(bytes: bytes, contentType: format.contentType)
        self.rendered.withLock { all in
            if all[project]?.view.key != view.key {
                if all.count > 20_000 { all = [:] }
                all[project] = Rendered(view: view, pages: [:])
            }
            if (all[project]?.pages.count ?? 0) < IndexCache.maxVariants { all[project]?.pages[variant] = rendered }
        }
        return rendered
    }

    /// Composes our view of `project` from its record and the upstream page.
    func view(_ project: String) async throws -> View? {
        let (record, recordKey) = try await storedRecord(project)
        let hosted = record?.files.contains { !$0.isMirrored } ?? false
        if hosted, !settings.merge.contains(project), let record {
            return remembered(project, key: "hosted|" + recordKey) {
                View(
                    page: Self.page(project, recordFiles: record.files.filter { !$0.isMirrored }, status: record.status),
                    upstreamFiles: [:], key: $0)
            }
        }
        if let refusal = settings.refusal(project) {
            logger.info("project not taken from upstream", metadata: ["project": "\(project)", "reason": "\(refusal)"])
            return localView(project, record, recordKey)
        }
        switch await pages.lookup(project) {
        case .notFound:
            return localView(project, record, recordKey)
        case .unavailable(let error):
            // No copy of the upstream page: the files already in the store are still true.
            if let record, !record.files.isEmpty {
                metrics.upstreamStaleServe()
                logger.warning("upstream unavailable, serving the stored files only", metadata: ["project": "\(project)", "stale": "true"])
                return localView(project, record, recordKey)
            }
            throw UpstreamFailure(cause: error, message: "The upstream index failed: \(error)")
        case .page(let cached, let stale):
            return remembered(project, key: "\(recordKey)|\(cached.upstream)|\(cached.fetchedAt.timeIntervalSince1970)|\(stale)") {
                compose(project, record: record, upstream: cached, key: $0)
            }
        }
    }

    /// The record's files alone; nil when there are none (and no status was set here).
    func localView(_ project: String, _ record: ProjectRecord?, _ recordKey: String) -> View? {
        guard let record, !record.files.isEmpty || record.status != .active else { return nil }
        return remembered(project, key: "local|" + recordKey) {
            View(page: Self.page(project, recordFiles: record.files, status: record.status), upstreamFiles: [:], key: $0)
        }
    }

    /// The view last built for `project` when its key is `key`, else a new one (composed, and
    /// its hidden files logged, once per change of the record or of the upstream page).
    func remembered(_ project: String, key: String, _ build: (String) -> View) -> View {
        if let known = rendered.withLock({ $0[project]?.view }), known.key == key { return known }
        let view = build(key)
        rendered.withLock { all in
            if all.count > 20_000 { all = [:] }
            all[project] = Rendered(view: view, pages: [:])
        }
        return view
    }

    /// The project's record and its etag. That a project has none is remembered for the index
    /// cache's staleness, so pages of projects only the upstream has cost no store request.
    func storedRecord(_ project: String) async throws -> (ProjectRecord?, String) {
        let checkedAt = absent.withLock { $0[project] }
        if let checkedAt, ContinuousClock.now - checkedAt < cache.staleness { return (nil, "-") }
        let entry = try await cache.entry(project)
        absent.withLock { all in
            if entry.record == nil {
                if all.count > 50_000 { all = [:] }
                all[project] = ContinuousClock.now
            } else {
                all[project] = nil
            }
        }
        return (entry.record, entry.etag ?? "-")
    }

    /// The record's files, then every upstream file not in the record that passes the cooldown.
    /// A mirrored file the upstream still lists takes the upstream's yank state. The project
    /// takes the upstream's PEP 792 status, unless one was set here (`wheelhouse project status`).
    func compose(_ project: String, record: ProjectRecord?, upstream: CachedUpstreamPage, key: String) -> View {
        var recordFiles = record?.files ?? []
        let upstreamByName = Dictionary(upstream.page.page.files.map { ($0.filename, $0) }, uniquingKeysWith: { first, _ in first })
        var files: [SimpleProjectPage.File] = []
        for (index, file) in recordFiles.enumerated() where file.isMirrored {
            if let listed = upstreamByName[file.filename] {
                let (yanked, reason): (Bool, String?) = if case .yanked(let reason) = listed.yank { (true, reason) } else { (false, nil) }
                recordFiles[index].yanked = yanked
                recordFiles[index].yankedReason = reason
            }
        }
        let status = if let record, record.status != .active { record.status } else { upstream.page.page.status }
        files = Self.page(project, recordFiles: recordFiles).files
        let stored = Set(recordFiles.map(\.filename))
        var upstreamFiles: [String: UpstreamFile] = [:]
        let current = now()
        for file in upstream.page.page.files where !stored.contains(file.filename) {
            if let reason = settings.cooldown(project, uploadTime: file.uploadTime, now: current) {
                logger.info("upstream file hidden", metadata: ["project": "\(project)", "file": "\(file.filename)", "reason": "\(reason)"])
                continue
            }
            var ours = file
            ours.url = SimpleProjectPage.relativeFileURL(project: project, filename: file.filename)
            // PEP 740: the upstream's provenance, served from here (fetched with the file).
            if file.provenanceURL != nil { ours.provenanceURL = ours.url + StorageLayout.provenanceSuffix }
            files.append(ours)
            upstreamFiles[file.filename] = UpstreamFile(file: file, upstream: upstream.upstream)
        }
        files.sort { $0.filename < $1.filename }
        return View(
            page: SimpleProjectPage(
                name: project, files: files, versions: Self.versions(of: files.map(\.filename)), status: status),
            upstreamFiles: status.servesFiles ? upstreamFiles : [:], key: key)
    }

    static func page(_ project: String, recordFiles: [FileRecord], status: ProjectStatus = .active) -> SimpleProjectPage {
        let record = ProjectRecord(name: project, displayName: project, files: recordFiles, status: status)
        return SimpleProjectPage(record: record, versions: versions(of: recordFiles.map(\.filename)))
    }

    /// PEP 792 status of `project` as our page shows it, when the mirror composes that page; nil
    /// when it does not know (no page, or the upstream failing with nothing known).
    func status(_ project: String) async -> ProjectStatus? {
        (try? await view(project))?.page.status
    }

    /// PEP 700 `versions`, in PEP 440 order.
    static func versions(of filenames: [String]) -> [String] {
        var versions: [String: Version] = [:]
        for filename in filenames {
            if let parsed = try? DistributionFilename(filename) { versions[parsed.version.description] = parsed.version }
        }
        return versions.sorted { $0.value < $1.value }.map(\.key)
    }

    // MARK: Downloads

    /// Serves a file our page lists but the store does not have yet (or its PEP 658 metadata).
    /// Nil when the normal download path should answer: the file is in the store (already, or
    /// now, after a HEAD or range request waited for the fetch), or it is unknown (404).
    func serveUncached(_ request: Request, project: String, filename: String, includeBody: Bool) async throws -> Response? {
        let isMetadata = filename.hasSuffix(".metadata")
        let isProvenance = filename.hasSuffix(StorageLayout.provenanceSuffix)
        let distribution =
            isMetadata
            ? String(filename.dropLast(".metadata".count))
            : isProvenance ? String(filename.dropLast(StorageLayout.provenanceSuffix.count)) : filename
        // PEP 792: a project the upstream quarantined offers nothing, mirrored files included.
        if let status = await status(project), !status.servesFiles { throw ProjectStatusRefusal.quarantined(project, status) }
        if let record = try await cache.record(project), record.file(named: distribution) != nil { return nil }
        guard let view = try await view(project), let upstreamFile = view.upstreamFiles[distribution] else { return nil }
        if isMetadata { return try await serveMetadata(upstreamFile, project: project, includeBody: includeBody) }
        if isProvenance { return try await serveProvenance(upstreamFile, project: project, includeBody: includeBody) }

        let key = project + "/" + distribution
        if let failure = failures.withLock({ $0[key] }) {
            if now().timeIntervalSince(failure.at) < Double(settings.ttl.components.seconds) { throw failure.error }
            failures.withLock { $0[key] = nil }
        }
        let fetch = start(key: key, project: project, upstreamFile)
        // HEAD and ranges are answered from the store once the file is there.
        if !includeBody || request.headers[.range] != nil {
            if case .failed(let error) = await fetch.finished() { throw error }
            return nil
        }
        switch await fetch.attach() {
        case .succeeded:
            return nil
        case .failed(let error):
            throw error
        case .stream(let fd, let contentLength):
            var headers: HTTPFields = [
                .eTag: "\"\(upstreamFile.file.sha256)\"",
                .contentType: StoredContentType.of(distribution),
                .cacheControl: "public, max-age=31536000, immutable",
            ]
            if let contentLength { headers[.contentLength] = String(contentLength) }
            let metrics = self.metrics
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { writer in
                    defer { close(fd) }
                    var sent: Int64 = 0
                    var buffer = [UInt8](repeating: 0, count: 1 << 20)
                    while true {
                        let (limit, done) = try await fetch.sendable(after: sent)
                        while sent < limit {
                            let count = Int(min(Int64(buffer.count), limit - sent))
                            let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, count) }
                            guard got > 0 else {
                                throw Refusal(status: .internalServerError, clientMessage: "The mirror's spool file ended early.")
                            }
                            sent += Int64(got)
                            try await writer.write(ByteBuffer(bytes: buffer[0..<got]))
                        }
                        if done { break }
                    }
                    metrics.addDownloaded(bytes: sent)
                    try await writer.finish(nil)
                })
        }
    }

    /// The running fetch of `key`, or a new one.
    func start(key: String, project: String, _ upstreamFile: UpstreamFile) -> MirrorFetch {
        let spool = spoolDirectory.appendingPathComponent("wheelhouse-mirror-\(UUID().uuidString)")
        let (fetch, isNew) = fetches.withLock { running -> (MirrorFetch, Bool) in
            if let fetch = running[key] { return (fetch, false) }
            let fetch = MirrorFetch(spool: spool)
            running[key] = fetch
            return (fetch, true)
        }
        if isNew {
            // Not tied to the request: a client that goes away does not stop the others' fetch.
            Task {
                await self.run(fetch, key: key, project: project, upstreamFile)
                _ = self.fetches.withLock { $0.removeValue(forKey: key) }
            }
        }
        return fetch
    }

    func run(_ fetch: MirrorFetch, key: String, project: String, _ upstreamFile: UpstreamFile) async {
        let file = upstreamFile.file
        let upstream = pages.upstreams.first { $0.displayURL == upstreamFile.upstream } ?? pages.upstreams[0]
        let started = ContinuousClock.now
        do {
            let download = try await upstream.open(file)
            let fd = open(fetch.spool.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw UpstreamError.local("cannot create the spool file \(fetch.spool.path)") }
            await fetch.started(contentLength: file.size ?? download.contentLength)
            var digest = DigestAccumulator()
            let limit = min(file.size ?? download.contentLength ?? maxFileBytes, maxFileBytes)
            do {
                defer { close(fd) }
                var announced: Int64 = 0
                for try await chunk in download.body {
                    guard digest.count + Int64(chunk.readableBytes) <= limit else {
                        throw UpstreamError.tooLarge(url: download.url, limit: Int(limit))
                    }
                    try chunk.withUnsafeReadableBytes { raw in
                        digest.update(bufferPointer: raw)
                        try Self.writeAll(fd, raw)
                    }
                    metrics.addUpstreamBytes(Int64(chunk.readableBytes))
                    // Readers are woken every 256 KiB, not for every small chunk.
                    if digest.count - announced >= 256 << 10 {
                        announced = digest.count
                        await fetch.progress(written: announced)
                    }
                }
                await fetch.progress(written: digest.count)
            } catch {
                throw UpstreamIndex.transportError(error, url: download.url)
            }
            let result = digest.finish()
            try UpstreamIndex.verify(file, digest: result, url: download.url)
            await fetch.markVerified()
            var metadata: [UInt8]?
            if file.coreMetadataSha256 != nil {
                do {
                    metadata = try await upstream.coreMetadata(of: file)
                } catch {
                    logger.warning("upstream metadata not used, extracting it", metadata: ["file": "\(file.filename)", "error": "\(error)"])
                }
            }
            // PEP 740: the upstream's provenance is kept with the file (a mirror keeps it).
            var provenance: [UInt8]?
            if file.provenanceURL != nil {
                do {
                    provenance = try await upstream.provenance(of: file)
                } catch {
                    logger.warning("upstream provenance not kept", metadata: ["file": "\(file.filename)", "error": "\(error)"])
                }
            }
            var candidate = Ingestor.Candidate(
                file: fetch.spool, filename: file.filename, projectHint: project, digest: result,
                mirror: .init(origin: upstreamFile.upstream, uploadTime: file.uploadTime, metadata: metadata, yank: file.yank))
            candidate.provenance = provenance
            do {
                _ = try await ingestor.ingest(candidate)
            } catch {
                throw MirrorRefusal(message: "The upstream's \(file.filename) was fetched but not stored: \(error)")
            }
            absent.withLock { $0[project] = nil }
            metrics.upstreamRequest(outcome: "ok")
            logger.info(
                "mirrored",
                metadata: [
                    "project": "\(project)", "file": "\(file.filename)", "bytes": "\(result.size)",
                    "duration": "\(ContinuousClock.now - started)",
                ])
            await fetch.finish(.succeeded)
        } catch {
            let httpError: any ClientFacingError
            var lasting = false
            switch error {
            case let error as UpstreamError:
                switch error {
                case .hashMismatch, .sizeMismatch, .tooLarge:
                    lasting = true
                    metrics.upstreamRequest(outcome: "mismatch")
                case .timeout: metrics.upstreamRequest(outcome: "timeout")
                default: metrics.upstreamRequest(outcome: "error")
                }
                httpError = error
            case let error as MirrorRefusal:
                lasting = true
                metrics.upstreamRequest(outcome: "invalid")
                httpError = error
            default:
                metrics.upstreamRequest(outcome: "error")
                httpError = MirrorRefusal(message: "Fetching \(file.filename) from the upstream failed: \(error)")
            }
            logger.error("mirror fetch failed", metadata: ["project": "\(project)", "file": "\(file.filename)", "error": "\(error)"])
            if lasting { failures.withLock { $0[key] = (now(), httpError) } }
            await fetch.finish(.failed(httpError))
        }
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = write(fd, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw UpstreamError.local("cannot write the spool file: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }

    /// PEP 658 metadata of a file not in the store yet: the upstream's, checked against the hash
    /// our page advertised, kept in memory.
    func serveMetadata(_ upstreamFile: UpstreamFile, project: String, includeBody: Bool) async throws -> Response? {
        guard let sha256 = upstreamFile.file.coreMetadataSha256 else { return nil }
        let key = project + "/" + upstreamFile.file.filename
        let bytes: [UInt8]
        if let known = metadataFiles.withLock({ $0[key] }) {
            bytes = known
        } else {
            let upstream = pages.upstreams.first { $0.displayURL == upstreamFile.upstream } ?? pages.upstreams[0]
            do {
                bytes = try await upstream.coreMetadata(of: upstreamFile.file)
                metrics.upstreamRequest(outcome: "ok")
            } catch {
                metrics.upstreamRequest(outcome: error.isTimeout ? "timeout" : "error")
                logger.error("upstream metadata failed", metadata: ["file": "\(upstreamFile.file.filename)", "error": "\(error)"])
                throw UpstreamFailure(cause: error, message: "\(error)")
            }
            metadataFiles.withLock { all in
                if all.count > 10_000 { all = [:] }
                all[key] = bytes
            }
        }
        let headers: HTTPFields = [
            .eTag: "\"\(sha256)\"", .contentType: StoredContentType.metadata, .contentLength: String(bytes.count),
            .cacheControl: "public, max-age=31536000, immutable",
        ]
        guard includeBody else { return Response(status: .ok, headers: headers) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

extension PullThroughMirror {
    /// PEP 740 provenance of a file not in the store yet: the upstream's, checked for shape.
    func serveProvenance(_ upstreamFile: UpstreamFile, project: String, includeBody: Bool) async throws -> Response? {
        guard upstreamFile.file.provenanceURL != nil else { return nil }
        let upstream = pages.upstreams.first { $0.displayURL == upstreamFile.upstream } ?? pages.upstreams[0]
        let bytes: [UInt8]
        do {
            bytes = try await upstream.provenance(of: upstreamFile.file)
            metrics.upstreamRequest(outcome: "ok")
        } catch {
            metrics.upstreamRequest(outcome: error.isTimeout ? "timeout" : "error")
            logger.error("upstream provenance failed", metadata: ["file": "\(upstreamFile.file.filename)", "error": "\(error)"])
            throw UpstreamFailure(cause: error, message: "\(error)")
        }
        let headers: HTTPFields = [.contentType: StoredContentType.provenance, .contentLength: String(bytes.count)]
        guard includeBody else { return Response(status: .ok, headers: headers) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// The upstream's bytes matched its page but are not a distribution the store accepts.
struct MirrorRefusal: Error {
    var message: String
}
