public import AsyncHTTPClient
import Crypto
public import Foundation
import NIOCore
import NIOHTTP1
public import WheelhouseCore

/// A client of one upstream simple index (PEP 503/691): its project pages, PEP 658 metadata files
/// and distribution files. Used by the pull-through mirror (`serve --upstream`) and by
/// `wheelhouse mirror`.
///
/// `url` is the index root (`https://host/simple/`); credentials in it
/// (`https://user:password@host/simple/`) are sent as HTTP Basic authorization to that host only,
/// as pip does, and never appear in a page, a record, a log line or an error.
public struct UpstreamIndex: Sendable {
    /// The index root as given, credentials included.
    public let url: URL
    /// The index root without credentials: what records (`FileRecord.origin`) and logs show.
    public let displayURL: String
    public let http: UpstreamHTTPClient
    /// Whole-request limit for a project page or a metadata file.
    public var pageTimeout: Duration
    /// Whole-request limit for a distribution file (reads are also bounded by the client's
    /// read timeout, so a stalled transfer fails long before this).
    public var fileTimeout: Duration
    /// Largest page or metadata file read into memory.
    public var maxPageBytes: Int

    /// PEP 691: JSON preferred, HTML accepted (static trees and older servers send only that).
    public static let acceptHeader =
        "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"

    public init(
        url: URL, http: UpstreamHTTPClient, pageTimeout: Duration = .seconds(30), fileTimeout: Duration = .seconds(3600),
        maxPageBytes: Int = 64 << 20
    ) throws(UpstreamError) {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty else {
            throw .badURL(Self.redacted(url.absoluteString))
        }
        // A root without its trailing slash would resolve `{project}/` one level too high.
        let root = url.absoluteString.hasSuffix("/") ? url : (URL(string: url.absoluteString + "/") ?? url)
        self.url = root
        self.displayURL = UpstreamPageParser.displayURL(root)
        self.http = http
        self.pageTimeout = pageTimeout
        self.fileTimeout = fileTimeout
        self.maxPageBytes = maxPageBytes
    }

    /// What the upstream says of a project.
    public enum PageResult: Sendable, Equatable {
        case found(UpstreamProjectPage)
        /// 404 (or 410): the upstream does not know the project.
        case notFound
    }

    /// `GET {root}/{project}/`, JSON preferred. Files are as `UpstreamPageParser` leaves them:
    /// absolute URLs without credentials, each with a sha256.
    public func projectPage(_ project: String) async throws(UpstreamError) -> PageResult {
        guard StorageLayout.isNormalizedProjectName(project) else { throw .badURL("project name \(project.debugDescription)") }
        guard let pageURL = URL(string: project + "/", relativeTo: url)?.absoluteURL else { throw .badURL(displayURL + project + "/") }
        let shown = UpstreamPageParser.displayURL(pageURL)
        let (head, body) = try await get(pageURL, accept: Self.acceptHeader, timeout: pageTimeout, maxBytes: maxPageBytes)
        switch head.status.code {
        case 200:
            break
        case 404, 410:
            return .notFound
        default:
            throw .status(url: shown, code: Int(head.status.code))
        }
        do throws(UpstreamPageError) {
            return .found(
                try UpstreamPageParser.parse(
                    body, contentType: head.headers.first(name: "content-type"), project: project, pageURL: pageURL))
        } catch {
            throw .badPage(error)
        }
    }

    /// The PEP 658 metadata file of `file` (`{url}.metadata`), checked against the hash the page
    /// advertised. Throws `.notAdvertised` when the page gave none.
    public func coreMetadata(of file: SimpleProjectPage.File) async throws(UpstreamError) -> [UInt8] {
        guard let expected = file.coreMetadataSha256 else { throw .notAdvertised(filename: file.filename) }
        guard let url = URL(string: file.url + ".metadata") else { throw .badURL(file.url + ".metadata") }
        let shown = UpstreamPageParser.displayURL(url)
        let (head, body) = try await get(url, accept: "*/*", timeout: pageTimeout, maxBytes: maxPageBytes)
        guard head.status.code == 200 else { throw .status(url: shown, code: Int(head.status.code)) }
        let actual = SHA256.hash(data: body).hexString
        guard actual == expected else { throw .hashMismatch(url: shown, expected: expected, actual: actual) }
        return Array(body)
    }

    /// PEP 740: the provenance object the upstream advertises for `file` (at its absolute
    /// `provenanceURL`), checked to be of the PEP's shape (signatures are not verified).
    public func provenance(of file: SimpleProjectPage.File) async throws(UpstreamError) -> [UInt8] {
        guard let text = file.provenanceURL, let url = URL(string: text) else { throw .notAdvertised(filename: file.filename) }
        let shown = UpstreamPageParser.displayURL(url)
        let (head, body) = try await get(url, accept: "application/json", timeout: pageTimeout, maxBytes: maxPageBytes)
        guard head.status.code == 200 else { throw .status(url: shown, code: Int(head.status.code)) }
        do {
            try Provenance.checkObject(Array(body))
        } catch {
            throw .local("the upstream's provenance \(shown) is not a PEP 740 provenance object: \(error)")
        }
        return Array(body)
    }

    /// An open download: the status was 200; read `body` to the end, then call `verify`.
    public struct Download: Sendable {
        /// `Content-Length`, when the upstream sent one.
        public var contentLength: Int64?
        public var body: HTTPClientResponse.Body
        public var url: String
    }

    /// Starts downloading `file`. Nothing is checked yet: the caller hashes what it reads and
    /// compares with `file.sha256` (`download(_:to:)` does all of it).
    public func open(_ file: SimpleProjectPage.File) async throws(UpstreamError) -> Download {
        guard let url = URL(string: file.url) else { throw .badURL(file.url) }
        let shown = UpstreamPageParser.displayURL(url)
        let response = try await execute(url, accept: "*/*", timeout: fileTimeout)
        guard response.status.code == 200 else { throw .status(url: shown, code: Int(response.status.code)) }
        let length = response.headers.first(name: "content-length").flatMap { Int64($0) }
        if let length, let size = file.size, length != size {
            throw .sizeMismatch(url: shown, expected: size, actual: length)
        }
        return Download(contentLength: length, body: response.body, url: shown)
    }

    /// Downloads `file` into `destination` (created or truncated), checking size and sha256;
    /// on any failure the destination is removed. Returns the digest.
    public func download(_ file: SimpleProjectPage.File, to destination: URL) async throws(UpstreamError) -> FileDigest {
        let download = try await open(file)
        guard FileManager.default.createFile(atPath: destination.path, contents: nil),
            let handle = FileHandle(forWritingAtPath: destination.path)
        else { throw .local("cannot create \(destination.path)") }
        var digest = DigestAccumulator()
        do {
            defer { try? handle.close() }
            for try await chunk in download.body {
                chunk.withUnsafeReadableBytes { digest.update(bufferPointer: $0) }
                try handle.write(contentsOf: Data(chunk.readableBytesView))
            }
        } catch {
            try? FileManager.default.removeItem(at: destination)
            throw Self.transportError(error, url: download.url)
        }
        let result = digest.finish()
        do throws(UpstreamError) {
            try Self.verify(file, digest: result, url: download.url)
        } catch {
            try? FileManager.default.removeItem(at: destination)
            throw error
        }
        return result
    }

    /// Checks a downloaded file against its page entry.
    public static func verify(_ file: SimpleProjectPage.File, digest: FileDigest, url: String) throws(UpstreamError) {
        if let size = file.size, size != digest.size { throw .sizeMismatch(url: url, expected: size, actual: digest.size) }
        guard digest.sha256 == file.sha256 else { throw .hashMismatch(url: url, expected: file.sha256, actual: digest.sha256) }
    }

    // MARK: HTTP

    func get(_ url: URL, accept: String, timeout: Duration, maxBytes: Int) async throws(UpstreamError) -> (HTTPClientResponse, Data) {
        let response = try await execute(url, accept: accept, timeout: timeout)
        do {
            let buffer = try await response.body.collect(upTo: maxBytes)
            return (response, Data(buffer.readableBytesView))
        } catch let error as NIOTooManyBytesError {
            _ = error
            throw .tooLarge(url: UpstreamPageParser.displayURL(url), limit: maxBytes)
        } catch {
            throw Self.transportError(error, url: UpstreamPageParser.displayURL(url))
        }
    }

    func execute(_ url: URL, accept: String, timeout: Duration) async throws(UpstreamError) -> HTTPClientResponse {
        let shown = UpstreamPageParser.displayURL(url)
        guard let clean = UpstreamPageParser.strippingCredentials(url) else { throw .badURL(shown) }
        var request = HTTPClientRequest(url: clean.absoluteString)
        request.headers.add(name: "Accept", value: accept)
        request.headers.add(name: "User-Agent", value: "wheelhouse")
        if let authorization = authorization(for: url) { request.headers.add(name: "Authorization", value: authorization) }
        do {
            return try await http.client(for: clean).execute(request, timeout: UpstreamHTTPClient.timeAmount(timeout))
        } catch {
            throw Self.transportError(error, url: shown)
        }
    }

    /// Basic credentials of the index URL, for requests to the index's own scheme, host and port
    /// (file URLs on another host, a CDN, get none), or those of the file URL itself.
    func authorization(for target: URL) -> String? {
        func basic(_ user: String, _ password: String?) -> String {
            let pair = (user.removingPercentEncoding ?? user) + ":" + ((password ?? "").removingPercentEncoding ?? password ?? "")
            return "Basic " + Data(pair.utf8).base64EncodedString()
        }
        if let user = target.user, !user.isEmpty { return basic(user, target.password) }
        guard let user = url.user, !user.isEmpty,
            target.scheme?.lowercased() == url.scheme?.lowercased(), target.host?.lowercased() == url.host?.lowercased(),
            target.port == url.port
        else { return nil }
        return basic(user, url.password)
    }

    static func transportError(_ error: any Error, url: String) -> UpstreamError {
        if let error = error as? UpstreamError { return error }
        if let error = error as? HTTPClientError {
            let timeouts: [HTTPClientError] = [.deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout]
            return timeouts.contains(error) ? .timeout(url: url) : .unreachable(url: url, reason: "\(error)")
        }
        return .unreachable(url: url, reason: redacted("\(error)"))
    }

    /// `text` with any `user:password@` of a URL in it replaced by `***@`.
    static func redacted(_ text: String) -> String {
        guard let regex = try? NSRegularExpression(pattern: "://[^/@\\s]+@") else { return text }
        return regex.stringByReplacingMatches(
            in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "://***@")
    }
}

/// Why an upstream request failed. Messages never include credentials.
public enum UpstreamError: Error, Sendable, Equatable, CustomStringConvertible {
    case badURL(String)
    case badProxy(text: String)
    case unreachable(url: String, reason: String)
    case timeout(url: String)
    case status(url: String, code: Int)
    case badPage(UpstreamPageError)
    case tooLarge(url: String, limit: Int)
    case notAdvertised(filename: String)
    case hashMismatch(url: String, expected: String, actual: String)
    case sizeMismatch(url: String, expected: Int64, actual: Int64)
    case local(String)

    public var description: String {
        switch self {
        case .badURL(let url): "Not a usable upstream URL: \(url) (expected http(s)://host/simple/)."
        case .badProxy(let text): "Cannot read the proxy setting \(text.debugDescription): expected http://host:port."
        case .unreachable(let url, let reason): "The upstream \(url) could not be reached: \(reason)."
        case .timeout(let url): "The upstream \(url) did not answer in time."
        case .status(let url, let code): "The upstream answered \(code) for \(url)."
        case .badPage(let error): "\(error)"
        case .tooLarge(let url, let limit): "The upstream's \(url) is larger than \(limit) bytes."
        case .notAdvertised(let filename): "The upstream page advertises no metadata file for \(filename)."
        case .hashMismatch(let url, let expected, let actual):
            "The upstream's \(url) has sha256 \(actual), but its page says \(expected): refused."
        case .sizeMismatch(let url, let expected, let actual):
            "The upstream's \(url) is \(actual) bytes, but its page says \(expected): refused."
        case .local(let message): message
        }
    }

    /// A timeout, as opposed to any other failure (504 rather than 502 for a client).
    public var isTimeout: Bool {
        if case .timeout = self { return true }
        return false
    }
}
