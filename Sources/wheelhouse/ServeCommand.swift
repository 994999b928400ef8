import ArgumentParser
import Foundation
import Logging
import WheelhouseApp
import WheelhouseCore
import WheelhouseStorage

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the index server (PEP 503/691 simple API, downloads, twine uploads)."
    )

    @OptionGroup var options: StoreOptions

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8080

    @Option(help: "An upstream simple index to mirror through (https://[user:password@]host/simple/); repeatable, asked in order.")
    var upstream: [String] = []

    @Option(name: .customLong("upstream-ttl"), help: "How long an upstream page is used before the upstream is asked again (30s, 10m, 2h).")
    var upstreamTTL = DurationOption(default: "10m")

    @Option(name: .customLong("upstream-merge"), help: "A hosted project whose page also lists upstream files; repeatable.")
    var upstreamMerge: [String] = []

    @Option(
        name: .customLong("upstream-allow"), help: "Only projects whose normalized name matches one of these fnmatch patterns come from upstream; repeatable.")
    var upstreamAllow: [String] = []

    @Option(name: .customLong("upstream-deny"), help: "Projects whose normalized name matches this fnmatch pattern never come from upstream; repeatable.")
    var upstreamDeny: [String] = []

    @Option(name: .customLong("upstream-min-age"), help: "Hide upstream files uploaded less than this long ago, or with no upload time (7d, 12h).")
    var upstreamMinAge: DurationOption?

    @Option(name: .customLong("upstream-min-age-exempt"), help: "A project --upstream-min-age does not apply to; repeatable.")
    var upstreamMinAgeExempt: [String] = []

    @Option(name: .customLong("tokens-required-for"), help: "Which requests need a token: read, upload or none.")
    var tokensRequiredFor: AccessPolicy = .upload

    @Option(name: .customLong("max-upload-size"), help: "Largest accepted upload, in MiB.")
    var maxUploadMiB: Int64 = 4096

    @Option(
        name: .customLong("index-staleness"),
        help: "Seconds an index page may be served from memory before the store is checked for changes made by other processes.")
    var indexStaleness: Double = 2

    @Option(name: .customLong("public-dir"), help: "Folder with the browse page's assets (default: ./Public when present).")
    var publicDir: String?

    @Option(
        name: .customLong("spool-dir"),
        help:
            "Where upload bodies are spooled while verified (default: _wheelhouse/tmp/spool in a local store, else the system temp folder); each server uses a folder of its own and removes those of servers that are gone."
    )
    var spoolDir: String?

    @Flag(
        name: .customLong("download-redirect"),
        help: "Answer downloads of distribution files with a 302 to a short-lived presigned S3 URL instead of streaming them (S3 stores only).")
    var downloadRedirect = false

    @Option(name: .customLong("download-redirect-expiry"), help: "Seconds a presigned download URL stays valid.")
    var downloadRedirectExpiry: Int = 300

    @Option(name: .customLong("idle-timeout"), help: "Seconds a connection may send nothing (no header, no body bytes, no next request) before it is closed.")
    var idleTimeout: Double = 30

    @Option(
        name: .customLong("request-timeout"),
        help:
            "Seconds a request's body may stop arriving before it is answered 408 and its connection closed; less than --idle-timeout (default: 20, or two thirds of a shorter --idle-timeout)."
    )
    var requestTimeout: Double?

    @Option(name: .customLong("max-concurrent-uploads"), help: "Uploads received at once; one more is answered 503 with Retry-After before its body is read.")
    var maxConcurrentUploads: Int = 16

    @Option(name: .customLong("access-log"), help: "on: one line per request in the server log (written off the request path); off: none.")
    var accessLog: Switch = .on

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    @Option(name: .customLong("manifest-parameter"), help: "An SSM parameter to keep the Glue manifest in: published at start and after each upload.")
    var manifestParameter: String?

    @OptionGroup(title: "Manifest selection (with --manifest-parameter)") var manifest: ManifestSelectionOptions

    @OptionGroup(title: "Events (docs/events.md); --events-wait is the longest delivery of queued events at shutdown") var events: EventOptions

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1-65535 (got \(port))") }
        guard maxUploadMiB > 0 else { throw ValidationError("--max-upload-size must be positive") }
        guard indexStaleness >= 0, indexStaleness <= 3600 else {
            throw ValidationError("--index-staleness must be between 0 and 3600 seconds")
        }
        guard (1...604_800).contains(downloadRedirectExpiry) else {
            throw ValidationError("--download-redirect-expiry must be 1 to 604800 seconds (7 days), as S3 allows")
        }
        guard idleTimeout >= 1, idleTimeout <= 3600 else { throw ValidationError("--idle-timeout must be between 1 and 3600 seconds") }
        if let requestTimeout, requestTimeout < 1 || requestTimeout >= idleTimeout {
            throw ValidationError("--request-timeout must be at least 1 second and less than --idle-timeout (\(idleTimeout))")
        }
        guard (1...10_000).contains(maxConcurrentUploads) else { throw ValidationError("--max-concurrent-uploads must be 1 to 10000") }
        if downloadRedirect, case .fileSystem? = try? StoreLocation(parsing: options.storeURL) {
            throw ValidationError("--download-redirect needs an S3 store (s3://BUCKET/...); a local store is served directly")
        }
        do {
            _ = try upstreamSettings()
        } catch let error as UpstreamOptionError {
            throw ValidationError(error.message)
        }
    }

    /// An unusable `--upstream...` value; a usage error from `validate()`.
    struct UpstreamOptionError: Error {
        let message: String
    }

    /// The mirror's settings, nil without `--upstream`; throws for unusable values.
    func upstreamSettings() throws -> UpstreamSettings? {
        let upstreamOnly =
            !upstreamMerge.isEmpty || !upstreamAllow.isEmpty || !upstreamDeny.isEmpty || upstreamMinAge != nil
            || !upstreamMinAgeExempt.isEmpty
        guard !upstream.isEmpty else {
            if upstreamOnly { throw UpstreamOptionError(message: "--upstream-merge, -allow, -deny, -min-age and -min-age-exempt need --upstream") }
            return nil
        }
        var urls: [URL] = []
        for text in upstream {
            guard let url = URL(string: text) else {
                throw UpstreamOptionError(message: "--upstream: not a URL (expected https://[user:password@]host/simple/)")
            }
            do {
                _ = try UpstreamIndex(url: url, http: UpstreamHTTPClient())
            } catch {
                throw UpstreamOptionError(message: "--upstream: \(error)")
            }
            urls.append(url)
        }
        let ttl = upstreamTTL.duration
        let minAge = upstreamMinAge?.duration
        return UpstreamSettings(
            upstreams: urls, ttl: ttl, merge: Set(upstreamMerge), allow: upstreamAllow.map(ProjectName.normalize),
            deny: upstreamDeny.map(ProjectName.normalize), minAge: minAge, minAgeExempt: Set(upstreamMinAgeExempt))
    }

    func run() async throws {
        try await failing {
            let store = try options.openStore()
            // A store that cannot be read (a missing bucket, no permission) refuses to start,
            // rather than reporting healthy and answering every request 503.
            do {
                _ = try await store.list(prefix: "_wheelhouse/startup-check/")
            } catch {
                throw CommandFailure("the store \(store.displayName) cannot be read: \(error)")
            }
            // Client values (filenames, paths, User-Agent) are logged: their control characters are escaped.
            var logger = Logger(label: "wheelhouse") { EscapingLogHandler(StreamLogHandler.standardError(label: $0)) }
            logger.logLevel = logLevel
            let publicDirectory = publicDir.map { URL(fileURLWithPath: $0) } ?? Self.defaultPublicDirectory()
            // A spool folder of its own; those of servers that are gone are removed now.
            var localRoot: URL?
            if case .fileSystem(let root)? = try? options.storeLocation { localRoot = root }
            let spool = try SpoolDirectory(root: spoolDir.map { URL(fileURLWithPath: $0) } ?? SpoolDirectory.defaultRoot(localStore: localRoot))
            defer { spool.remove() }
            if spool.removedFiles > 0 {
                logger.notice("removed spool files of a server that is gone", metadata: ["count": "\(spool.removedFiles)"])
            }
            let config = ServerConfiguration(
                host: host, port: port, access: tokensRequiredFor,
                maxUploadBytes: maxUploadMiB << 20,
                indexStaleness: .milliseconds(Int64(indexStaleness * 1000)),
                spoolDirectory: spool.url,
                publicDirectory: publicDirectory,
                downloadRedirectExpiry: downloadRedirect ? .seconds(downloadRedirectExpiry) : nil,
                upstream: try upstreamSettings(),
                connectionLimits: ConnectionLimits(
                    idleTimeout: .milliseconds(Int64(idleTimeout * 1000)),
                    requestTimeout: .milliseconds(Int64((requestTimeout ?? min(20, idleTimeout * 2 / 3)) * 1000))),
                maxConcurrentUploads: maxConcurrentUploads, accessLog: accessLog == .on)
            logger.notice(
                "wheelhouse serving",
                metadata: [
                    "store": "\(store.displayName)", "address": "http://\(host):\(port)/simple/",
                    "tokens_required_for": "\(tokensRequiredFor.rawValue)",
                ])
            // Delivered by a service of the server's group, off the request path.
            let dispatcher = try events.settings().dispatcher(drainTimeout: events.eventsWait.duration, logger: logger)
            if let dispatcher {
                logger.notice("announcing changes", metadata: ["destinations": "\(dispatcher.destinationNames.joined(separator: " "))"])
            }
            var republisher: ManifestRepublisher?
            if let manifestParameter {
                var publisher = try manifest.settings().publisher(store: store, location: try options.storeLocation)
                publisher.events = dispatcher ?? NoEvents()
                republisher = ManifestRepublisher(publisher: publisher, parameter: manifestParameter, logger: logger)
                // Published at start, then after each upload that changed the index.
                republisher?.storeChanged()
            }
            var upstreamClient: UpstreamHTTPClient?
            if let settings = config.upstream {
                upstreamClient = UpstreamHTTPClient(proxies: try UpstreamProxySettings(environment: ProcessInfo.processInfo.environment))
                logger.notice(
                    "mirroring upstreams",
                    metadata: ["upstreams": "\(settings.upstreams.map(UpstreamPageParser.displayURL).joined(separator: " "))"])
            }
            try await runServer(
                configuration: config, store: store, logger: logger, republisher: republisher, upstreamClient: upstreamClient,
                events: dispatcher)
        }
    }

    /// `./Public`, else the `Public` folder of the source tree the binary was built in.
    static func defaultPublicDirectory() -> URL? {
        let candidates = [
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Public"),
            URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
                .deletingLastPathComponent().appendingPathComponent("../../../Public").standardizedFileURL,
        ]
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("index.html").path) }
    }
}

/// An option that is on or off (`--access-log on|off`).
enum Switch: String, ExpressibleByArgument, CaseIterable {
    case on, off
}
