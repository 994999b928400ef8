import Crypto
public import Foundation

/// AWS Signature Version 4 for one service in one region.
///
/// A value with an injected `date:`, so signatures are reproducible. The four stages of the
/// spec are separate functions below, named after the AWS documentation's tasks
/// (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html).
/// S3 differs from every other service in one place, the canonical URI (see `canonicalURI`).
public struct SigV4Signer: Sendable {
    public let credentials: AWSCredentials
    public let region: String
    public let service: String

    public init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// What the signature says about the request body.
    public enum Payload: Sendable, Hashable {
        /// `UNSIGNED-PAYLOAD`: the body is not part of the signature (streamed uploads over TLS).
        case unsigned
        /// The lowercase hex SHA-256 of the body, computed by the caller while streaming it.
        case hash(String)
        /// The body itself, hashed here.
        case data([UInt8])

        /// The hash of an empty body.
        public static let emptyHash = SigV4Signer.hex(SHA256.hash(data: [UInt8]()))

        var hashedValue: String {
            switch self {
            case .unsigned: "UNSIGNED-PAYLOAD"
            case .hash(let hex): hex
            case .data(let bytes): SigV4Signer.hex(SHA256.hash(data: bytes))
            }
        }
    }

    /// Signs a request in the `Authorization` header.
    ///
    /// Returns the headers to send: `headers` (with any stale `Authorization`, `X-Amz-Date`,
    /// `X-Amz-Content-SHA256` and, with a session token, `X-Amz-Security-Token` removed), then
    /// `Host` when `headers` has none (derived from `url`, default ports left out), `X-Amz-Date`,
    /// `X-Amz-Content-SHA256` (for S3, and for any service with an unsigned payload),
    /// `X-Amz-Security-Token` when the credentials carry one, and `Authorization`.
    /// Send exactly these: the `Host` the HTTP client sends must equal the signed one.
    public func signHeaders(
        method: String, url: URL, headers: [(String, String)] = [], payload: Payload, date: Date
    ) -> [(String, String)] {
        var headers = headers
        if !headers.contains(where: { $0.0.lowercased() == "host" }), let host = Self.hostHeader(for: url) {
            headers.append(("Host", host))
        }
        return signHeaders(
            method: method, path: url.path(percentEncoded: true), query: url.query(percentEncoded: true),
            headers: headers, payload: payload, date: date)
    }

    /// Signs a request given as it appears on the wire: `path` and `query` as on the request
    /// line (percent-encoded), `headers` including `Host`. Returns the headers to send, as
    /// `signHeaders(method:url:headers:payload:date:)` does.
    public func signHeaders(
        method: String, path: String, query: String?, headers: [(String, String)], payload: Payload, date: Date
    ) -> [(String, String)] {
        let time = SigV4Timestamp(date)
        let payloadHash = payload.hashedValue
        let sendsContentHash = service == "s3" || payload == .unsigned
        var replaced: Set<String> = ["authorization", "x-amz-date"]
        if sendsContentHash { replaced.insert("x-amz-content-sha256") }
        if credentials.sessionToken != nil { replaced.insert("x-amz-security-token") }

        var out = headers.filter { !replaced.contains($0.0.lowercased()) }
        out.append(("X-Amz-Date", time.dateTime))
        if sendsContentHash { out.append(("X-Amz-Content-SHA256", payloadHash)) }
        if let token = credentials.sessionToken { out.append(("X-Amz-Security-Token", token)) }

        let request = canonicalRequest(method: method, path: path, query: query, headers: out, payloadHash: payloadHash)
        let toSign = stringToSign(canonicalRequest: request.text, time: time)
        let signature = signature(stringToSign: toSign, key: signingKey(day: time.day))
        out.append(
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyId)/\(credentialScope(time)), "
                    + "SignedHeaders=\(request.signedHeaders), Signature=\(signature)"
            ))
        return out
    }

    // MARK: - SigV4 task 1: canonical request

    /// Headers never signed: hop-by-hop headers a proxy may change, and the ones botocore
    /// also leaves out (`user-agent`, `expect`, `x-amzn-trace-id`); `authorization` is the result.
    static let unsignedHeaderNames: Set<String> = [
        "authorization", "connection", "expect", "keep-alive", "proxy-authenticate",
        "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "user-agent",
        "x-amzn-trace-id",
    ]

    struct CanonicalRequest: Equatable {
        var text: String
        var signedHeaders: String
    }

    /// SigV4 task 1: method, canonical URI, canonical query, canonical headers, signed header
    /// names and the payload hash, one per line.
    func canonicalRequest(
        method: String, path: String, query: String?, headers: [(String, String)], payloadHash: String
    ) -> CanonicalRequest {
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(headers)
        let text = [
            method.uppercased(),
            Self.canonicalURI(path: path, service: service),
            Self.canonicalQuery(query),
            canonicalHeaders + "\n",
            signedHeaders,
            payloadHash,
        ].joined(separator: "\n")
        return CanonicalRequest(text: text, signedHeaders: signedHeaders)
    }

    /// SigV4 task 1, canonical URI, from the path as sent.
    ///
    /// S3: each segment is decoded and encoded once, with no dot-segment or `//` normalisation
    /// (object keys may contain both). Other services: `.`/`..` segments and empty segments
    /// are removed, then the sent (already encoded) path is encoded again.
    static func canonicalURI(path: String, service: String) -> String {
        if path.isEmpty { return "/" }
        if service == "s3" {
            return path.split(separator: "/", omittingEmptySubsequences: false)
                .map { SigV4Encoding.encode(SigV4Encoding.decode($0)) }
                .joined(separator: "/")
        }
        return SigV4Encoding.encode(Array(removeDotSegments(path).utf8), keepingSlash: true)
    }

    /// RFC 3986 §5.2.4, plus the collapse of consecutive slashes AWS services expect; the
    /// trailing slash survives unless the path reduces to the root.
    static func removeDotSegments(_ path: String) -> String {
        var output: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) where segment != "." {
            if segment == ".." {
                _ = output.popLast()
            } else {
                output.append(segment)
            }
        }
        let first = path.hasPrefix("/") ? "/" : ""
        let last = path.hasSuffix("/") && !output.isEmpty ? "/" : ""
        return first + output.joined(separator: "/") + last
    }

    /// SigV4 task 1, canonical query: every `name=value` pair decoded and encoded again with
    /// only unreserved characters left as they are, sorted by encoded name, then value.
    /// A pair without `=` has an empty value. `+` is a literal plus, not a space.
    static func canonicalQuery(_ query: String?) -> String {
        guard let query, !query.isEmpty else { return "" }
        return encodedQueryPairs(query)
            .sorted { a, b in
                a.name == b.name
                    ? a.value.utf8.lexicographicallyPrecedes(b.value.utf8)
                    : a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
            }
            .map { "\($0.name)=\($0.value)" }
            .joined(separator: "&")
    }

    static func encodedQueryPairs(_ query: String) -> [(name: String, value: String)] {
        query.split(separator: "&").map { pair in
            let name: Substring
            let value: Substring
            if let eq = pair.firstIndex(of: "=") {
                name = pair[..<eq]
                value = pair[pair.index(after: eq)...]
            } else {
                name = pair
                value = ""
            }
            return (SigV4Encoding.encode(SigV4Encoding.decode(name)), SigV4Encoding.encode(SigV4Encoding.decode(value)))
        }
    }

    /// SigV4 task 1, canonical headers: lowercase names in sorted order; each value trimmed
    /// with inner runs of whitespace (folded lines included) reduced to one space; values of a
    /// repeated name joined with commas in the order sent. Returns the block and the `;`-joined
    /// signed header names.
    static func canonicalHeaders(_ headers: [(String, String)]) -> (canonical: String, signed: String) {
        var grouped: [String: [String]] = [:]
        for (name, value) in headers {
            let lower = name.lowercased()
            if unsignedHeaderNames.contains(lower) { continue }
            grouped[lower, default: []].append(value.split(whereSeparator: \.isWhitespace).joined(separator: " "))
        }
        let sorted = grouped.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        return (
            sorted.map { "\($0.key):\($0.value.joined(separator: ","))" }.joined(separator: "\n"),
            sorted.map(\.key).joined(separator: ";")
        )
    }

    // MARK: - SigV4 task 2: string to sign

    func credentialScope(_ time: SigV4Timestamp) -> String {
        "\(time.day)/\(region)/\(service)/aws4_request"
    }

    /// SigV4 task 2: algorithm, request time, credential scope and the canonical request's hash.
    func stringToSign(canonicalRequest: String, time: SigV4Timestamp) -> String {
        [
            "AWS4-HMAC-SHA256",
            time.dateTime,
            credentialScope(time),
            Self.hex(SHA256.hash(data: Array(canonicalRequest.utf8))),
        ].joined(separator: "\n")
    }

    // MARK: - SigV4 task 3: signing key

    /// SigV4 task 3: HMAC chain from `AWS4` + secret over the day, region, service and
    /// `aws4_request`.
    func signingKey(day: String) -> SymmetricKey {
        var key = SymmetricKey(data: Array("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key))
        }
        return key
    }

    // MARK: - SigV4 task 4: signature

    /// SigV4 task 4: the hex HMAC of the string to sign under the signing key.
    func signature(stringToSign: String, key: SymmetricKey) -> String {
        Self.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
    }

    // MARK: - Helpers

    /// The `Host` header value for `url`: lowercase host, IPv6 in brackets, port only when
    /// it is not the scheme's default (as botocore and the HTTP clients send it).
    static func hostHeader(for url: URL) -> String? {
        guard var host = url.host(percentEncoded: false)?.lowercased(), !host.isEmpty else { return nil }
        if host.contains(":"), !host.hasPrefix("[") { host = "[\(host)]" }
        let defaultPort = url.scheme?.lowercased() == "http" ? 80 : 443
        if let port = url.port, port != defaultPort { host += ":\(port)" }
        return host
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
