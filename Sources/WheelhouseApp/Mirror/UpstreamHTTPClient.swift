import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// The HTTP clients upstream requests go through: one AsyncHTTPClient per proxy (none, the
/// http proxy, the https proxy), chosen per URL by `UpstreamProxySettings`. TLS verifies
/// against the system's CA store. Redirects are followed (at most 5, no cycles).
///
/// Long-lived: create one per process and call `shutdown()` when done with it.
public final class UpstreamHTTPClient: Sendable {
    public let proxies: UpstreamProxySettings
    /// Time to open a connection.
    public let connectTimeout: Duration
    /// Longest silence while reading a response.
    public let readTimeout: Duration
    let clients = Mutex<[UpstreamProxySettings.Proxy?: HTTPClient]>([:])
    let isShutDown = Mutex(false)

    public init(
        proxies: UpstreamProxySettings = UpstreamProxySettings(), connectTimeout: Duration = .seconds(5),
        readTimeout: Duration = .seconds(30)
    ) {
        self.proxies = proxies
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
    }

    /// The client for `url`: through its proxy, or direct.
    func client(for url: URL) -> HTTPClient {
        let proxy = proxies.proxy(for: url)
        return clients.withLock { clients in
            if let existing = clients[proxy] { return existing }
            var configuration = HTTPClient.Configuration(
                tlsConfiguration: nil,
                redirectConfiguration: .follow(max: 5, allowCycles: false),
                timeout: .init(connect: Self.timeAmount(connectTimeout), read: Self.timeAmount(readTimeout)),
                connectionPool: .init(),
                proxy: proxy.map { proxy in
                    .server(
                        host: proxy.host, port: proxy.port,
                        authorization: proxy.credentials.map { .basic(username: $0.user, password: $0.password) })
                },
                ignoreUncleanSSLShutdown: false,
                // Bytes are checked against the upstream's sha256 exactly as sent: never decoded.
                decompression: .disabled)
            configuration.httpVersion = .automatic
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            clients[proxy] = client
            return client
        }
    }

    /// Shuts every client down. Requests after this fail.
    public func shutdown() async throws {
        isShutDown.withLock { $0 = true }
        let all = clients.withLock { clients in
            defer { clients = [:] }
            return Array(clients.values)
        }
        for client in all { try await client.shutdown() }
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
