public import Foundation
public import WheelhouseArchive

/// Which requests need a token (`--tokens-required-for`).
public enum AccessPolicy: String, Sendable, CaseIterable {
    /// Nobody needs a token (a private network with no other control; not recommended).
    case none
    /// Uploads need an upload token; reads are open. The default.
    case upload
    /// Reads need a read or upload token too (pip: `https://__token__:TOKEN@host/simple/`).
    case read
}

/// The server's settings: one typed value, built once and validated by the command line.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var access: AccessPolicy
    /// Largest accepted upload body, in bytes; larger ones are answered 413.
    public var maxUploadBytes: Int64
    /// How long index pages may be served from memory before the store is asked whether
    /// another process changed them.
    public var indexStaleness: Duration
    public var archiveLimits: ArchiveLimits
    /// Where upload bodies are spooled while they are hashed and verified.
    public var spoolDirectory: URL
    /// Folder with the browse page's static assets (`Public/`); nil serves the built-in page.
    public var publicDirectory: URL?
    /// When set, a distribution file download is answered `302 Found` to a direct URL of the
    /// store (an S3 presigned GET) valid this long, instead of streaming through the server.
    public var downloadRedirectExpiry: Duration?
    /// Set for a pull-through mirror (`--upstream`).
    public var upstream: UpstreamSettings?
    /// Header limits, idle and request timeouts, early-answer linger.
    public var connectionLimits: ConnectionLimits
    /// Uploads received at once; one more is answered `503` with `Retry-After` before its
    /// body is read.
    public var maxConcurrentUploads: Int
    /// One access log line per request (`--access-log on`, with a log level of `info` or below).
    public var accessLog: Bool

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        access: AccessPolicy = .upload,
        maxUploadBytes: Int64 = 4 << 30,
        indexStaleness: Duration = .seconds(2),
        archiveLimits: ArchiveLimits = ArchiveLimits(),
        spoolDirectory: URL = FileManager.default.temporaryDirectory,
        publicDirectory: URL? = nil,
        downloadRedirectExpiry: Duration? = nil,
        upstream: UpstreamSettings? = nil,
        connectionLimits: ConnectionLimits = ConnectionLimits(),
        maxConcurrentUploads: Int = 16,
        accessLog: Bool = true
    ) {
        self.host = host
        self.port = port
        self.access = access
        self.maxUploadBytes = maxUploadBytes
        self.indexStaleness = indexStaleness
        self.archiveLimits = archiveLimits
        self.spoolDirectory = spoolDirectory
        self.publicDirectory = publicDirectory
        self.downloadRedirectExpiry = downloadRedirectExpiry
        self.upstream = upstream
        self.connectionLimits = connectionLimits
        self.maxConcurrentUploads = maxConcurrentUploads
        self.accessLog = accessLog
    }
}
