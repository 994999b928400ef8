import Foundation
import HTTPTypes
import Hummingbird
import Synchronization
import WheelhouseCore

/// `GET /pypi/{project}/json` and `GET /pypi/{project}/{version}/json`: PyPI's legacy JSON API
/// (`LegacyJSONRenderer`), from the project record and the stored core metadata, and
/// `GET /-/projects.json`, the browse page's list with latest versions and summaries.
///
/// As on PyPI, a non-normalized project name (`/pypi/Foo_Bar/json`) answers `301` to the
/// normalized one, and so does a non-normalized version (`1.0.0a` to `1.0.0a0`). Both follow
/// the read policy, like `/simple/`.
struct LegacyJSONController: Sendable {
    let cache: IndexCache
    let metadata: CoreMetadataCache
    let auth: Authenticator
    /// The last `/-/projects.json`, reused while no change went through this server's cache
    /// and it is younger than the index staleness (so it is as fresh as `/simple/`).
    let listPage = LastListPage()

    final class LastListPage: Sendable {
        let value = Mutex<(generation: Int, builtAt: ContinuousClock.Instant, page: RenderedPage)?>(nil)
    }

    func addRoutes(to router: Router<WheelhouseRequestContext>) {
        router.get("/pypi/{project}/json") { request, context in
            try await auth.authorize(request, for: .read)
            let project = try Self.project(context)
            guard project.normalized == project.raw else { return Self.redirect(to: "/pypi/\(project.normalized)/json") }
            let record = try await record(project.normalized)
            guard let version = LegacyJSONRenderer.latestVersion(record) else { throw Self.noProject(project.normalized) }
            return try await respond(request, record: record, version: version, includesReleases: true)
        }
        router.get("/pypi/{project}/{version}/json") { request, context in
            try await auth.authorize(request, for: .read)
            let project = try Self.project(context)
            let rawVersion = try context.parameters.require("version")
            let version = (try? Version(rawVersion))?.description ?? rawVersion
            guard project.normalized == project.raw, version == rawVersion else {
                return Self.redirect(to: "/pypi/\(project.normalized)/\(Self.pathSegment(version))/json")
            }
            let record = try await record(project.normalized)
            guard record.files.contains(where: { $0.version == version }) else {
                throw Refusal.notFound("Project '\(project.normalized)' has no release \(version) in this index.")
            }
            return try await respond(request, record: record, version: version, includesReleases: false)
        }
        router.get("/-/projects.json") { request, _ in
            try await auth.authorize(request, for: .read)
            return try await projectList(request)
        }
    }

    func record(_ project: String) async throws -> ProjectRecord {
        guard let record = try await cache.record(project), !record.files.isEmpty else { throw Self.noProject(project) }
        return record
    }

    func respond(_ request: Request, record: ProjectRecord, version: String, includesReleases: Bool) async throws -> Response {
        let meta = try await metadata.metadata(project: record.name, record: record, version: version)
        let body = LegacyJSONRenderer.render(
            .init(
                record: record, version: version, metadata: meta, baseURL: Self.baseURL(request), includesReleases: includesReleases,
                listsFiles: record.status.servesFiles))
        return Self.json(request, body)
    }

    /// Every project with its latest version and that release's summary. Records come from the
    /// index cache and metadata from `CoreMetadataCache`, so after the first request this list
    /// is built from memory.
    func projectList(_ request: Request) async throws -> Response {
        let clock = ContinuousClock()
        let started = clock.now
        let generation = cache.generation
        if let last = listPage.value.withLock({ $0 }), last.generation == generation, started - last.builtAt < cache.staleness {
            return Self.respond(request, last.page)
        }
        let names = try await cache.projectNames()
        var entries: [ProjectListJSONRenderer.Entry?] = Array(repeating: nil, count: names.count)
        // A bounded number of store reads at a time for a cold cache.
        let width = 16
        for start in stride(from: 0, to: names.count, by: width) {
            try await withThrowingTaskGroup(of: (Int, ProjectListJSONRenderer.Entry?).self) { group in
                for index in start..<min(start + width, names.count) {
                    group.addTask { (index, try await entry(names[index])) }
                }
                for try await (index, entry) in group { entries[index] = entry }
            }
        }
        let page = RenderedPage(bytes: Array(ProjectListJSONRenderer.render(entries.compactMap { $0 })), contentType: "application/json")
        listPage.value.withLock { $0 = (generation, started, page) }
        return Self.respond(request, page)
    }

    func entry(_ name: String) async throws -> ProjectListJSONRenderer.Entry? {
        guard let record = try await cache.record(name) else { return nil }
        let version = LegacyJSONRenderer.latestVersion(record)
        // A summary that cannot be read leaves the entry without one rather than failing the list.
        let meta = try? await version.asyncFlatMap { try await metadata.metadata(project: name, record: record, version: $0) }
        return .init(
            name: record.displayName, normalized: record.name, version: version, summary: meta?.summary,
            status: record.status.state.rawValue)
    }

    static func project(_ context: WheelhouseRequestContext) throws -> (raw: String, normalized: String) {
        let raw = try context.parameters.require("project")
        let normalized = ProjectName.normalize(raw)
        guard StorageLayout.isNormalizedProjectName(normalized) else { throw noProject(raw) }
        return (raw, normalized)
    }

    static func noProject(_ name: String) -> Refusal {
        Refusal.notFound("No project named '\(name)' in this index.")
    }

    /// `scheme://host` of the request, for absolute file URLs as PyPI gives them: the scheme from
    /// `X-Forwarded-Proto` when a proxy set it to http or https, the host from `Host`. A `Host`
    /// with other characters than a host name, an IP literal and a port may carry gives `""`, so
    /// URLs stay absolute paths on this server.
    static func baseURL(_ request: Request) -> String {
        guard let host = request.head.authority, !host.isEmpty,
            host.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || ".-:[]".unicodeScalars.contains($0)) })
        else { return "" }
        let forwarded = forwardedProto.flatMap { request.headers[$0] }?.lowercased()
        return "\(forwarded == "https" ? "https" : "http")://\(host)"
    }

    static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")

    static func pathSegment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? text
    }

    static func json(_ request: Request, _ body: Data) -> Response {
        respond(request, RenderedPage(bytes: Array(body), contentType: "application/json"))
    }

    static func respond(_ request: Request, _ page: RenderedPage) -> Response {
        var response = IndexController.respond(request, page)
        response.headers[.vary] = "Accept-Encoding"
        return response
    }

    static func redirect(to location: String) -> Response {
        Response(status: .movedPermanently, headers: [.location: location, .contentLength: "0"])
    }
}

extension Optional {
    fileprivate func asyncFlatMap<U>(_ transform: (Wrapped) async throws -> U?) async rethrows -> U? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
