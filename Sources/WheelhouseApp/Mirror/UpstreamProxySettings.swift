public import Foundation

/// The proxies an upstream request goes through, from the environment as pip (requests) reads
/// it: `HTTPS_PROXY` for https URLs, `HTTP_PROXY` for http URLs (lower-case names win), and
/// `NO_PROXY`, a comma-separated list of hosts (`*` for all) matched exactly or as a domain
/// suffix, optionally with a port.
public struct UpstreamProxySettings: Sendable, Equatable {
    public struct Proxy: Sendable, Hashable {
        public var host: String
        public var port: Int
        /// `user:password` from the proxy URL, for `Proxy-Authorization: Basic`.
        public var credentials: (user: String, password: String)? {
            guard let user else { return nil }
            return (user, password ?? "")
        }
        var user: String?
        var password: String?

        public init(host: String, port: Int, user: String? = nil, password: String? = nil) {
            self.host = host
            self.port = port
            self.user = user
            self.password = password
        }
    }

    public var http: Proxy?
    public var https: Proxy?
    /// Lower-cased `NO_PROXY` entries.
    public var noProxy: [String]

    public init(http: Proxy? = nil, https: Proxy? = nil, noProxy: [String] = []) {
        self.http = http
        self.https = https
        self.noProxy = noProxy
    }

    /// Reads `http_proxy`/`HTTP_PROXY`, `https_proxy`/`HTTPS_PROXY`, `no_proxy`/`NO_PROXY`.
    /// An unparsable proxy URL is an error, not silently a direct connection.
    public init(environment: [String: String]) throws(UpstreamError) {
        func value(_ name: String) -> String? {
            (environment[name.lowercased()] ?? environment[name.uppercased()]).flatMap { $0.isEmpty ? nil : $0 }
        }
        self.http = try value("http_proxy").map(Self.parseProxy)
        self.https = try value("https_proxy").map(Self.parseProxy)
        self.noProxy = (value("no_proxy") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            .filter { !$0.isEmpty }
    }

    /// `http://[user:password@]host[:port]`; a URL without scheme is read as http, as pip does.
    static func parseProxy(_ text: String) throws(UpstreamError) -> Proxy {
        let withScheme = text.contains("://") ? text : "http://" + text
        guard let components = URLComponents(string: withScheme), let host = components.host, !host.isEmpty,
            components.scheme?.lowercased() == "http" || components.scheme?.lowercased() == "https"
        else { throw .badProxy(text: UpstreamIndex.redacted(text)) }
        let port = components.port ?? (components.scheme?.lowercased() == "https" ? 443 : 80)
        return Proxy(
            host: host, port: port, user: components.user?.removingPercentEncoding,
            password: components.password?.removingPercentEncoding)
    }

    /// The proxy for `url`, or nil to connect directly.
    public func proxy(for url: URL) -> Proxy? {
        guard let host = url.host?.lowercased() else { return nil }
        let scheme = url.scheme?.lowercased()
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        if bypasses(host: host, port: port) { return nil }
        return scheme == "https" ? https : http
    }

    func bypasses(host: String, port: Int) -> Bool {
        let host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        for entry in noProxy {
            if entry == "*" { return true }
            var name = entry
            if let colon = entry.lastIndex(of: ":"), !entry.hasSuffix("]"), entry.filter({ $0 == ":" }).count == 1 {
                guard Int(entry[entry.index(after: colon)...]) == port else { continue }
                name = String(entry[..<colon])
            }
            if name.hasPrefix(".") { name.removeFirst() }
            if name.hasPrefix("*.") { name.removeFirst(2) }
            if host == name || host.hasSuffix("." + name) { return true }
        }
        return false
    }
}
