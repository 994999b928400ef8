public import Foundation

/// A request the signer cannot sign.
public enum SigV4Error: Error, Equatable, CustomStringConvertible {
    /// SigV4 query-string authentication allows 1 second to 7 days.
    case expiryOutOfRange(seconds: Int64)
    /// The URL has no host, or the signed URL could not be formed.
    case invalidURL(String)

    public var description: String {
        switch self {
        case .expiryOutOfRange(let seconds):
            "a presigned URL must expire after 1 to 604800 seconds (7 days), not \(seconds)"
        case .invalidURL(let url):
            "cannot presign '\(url)': it needs a scheme and a host"
        }
    }
}

extension SigV4Signer {
    /// The longest validity SigV4 query-string authentication accepts: 7 days.
    public static let maximumPresignExpiry: Duration = .seconds(604_800)

    /// A URL that performs `method` on `url` without further credentials until `expires` after
    /// `date` (SigV4 query-string authentication).
    ///
    /// The URL's own query parameters come first, re-encoded, then the `X-Amz-*` parameters in
    /// the order botocore writes them, then `X-Amz-Signature`. Only `host` is signed; for S3 the
    /// payload is `UNSIGNED-PAYLOAD`, for other services the empty body's hash.
    public func presignURL(method: String = "GET", url: URL, expires: Duration, date: Date) throws(SigV4Error) -> URL {
        let seconds = expires.components.seconds
        guard seconds >= 1, expires <= Self.maximumPresignExpiry else {
            throw .expiryOutOfRange(seconds: seconds)
        }
        guard let host = Self.hostHeader(for: url),
            var components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        else { throw .invalidURL(url.absoluteString) }

        let time = SigV4Timestamp(date)
        var pairs = Self.encodedQueryPairs(components.percentEncodedQuery ?? "")
        var authParameters = [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            ("X-Amz-Credential", "\(credentials.accessKeyId)/\(credentialScope(time))"),
            ("X-Amz-Date", time.dateTime),
            ("X-Amz-Expires", String(seconds)),
            ("X-Amz-SignedHeaders", "host"),
        ]
        if let token = credentials.sessionToken { authParameters.append(("X-Amz-Security-Token", token)) }
        pairs += authParameters.map { (SigV4Encoding.encode(Array($0.0.utf8)), SigV4Encoding.encode(Array($0.1.utf8))) }
        let query = pairs.map { "\($0.name)=\($0.value)" }.joined(separator: "&")

        let payloadHash = service == "s3" ? SigV4Signer.Payload.unsigned.hashedValue : Payload.emptyHash
        let request = canonicalRequest(
            method: method, path: components.percentEncodedPath, query: query,
            headers: [("host", host)], payloadHash: payloadHash)
        let signature = signature(
            stringToSign: stringToSign(canonicalRequest: request.text, time: time), key: signingKey(day: time.day))

        components.percentEncodedQuery = nil
        components.fragment = nil
        guard let base = components.string, let signed = URL(string: "\(base)?\(query)&X-Amz-Signature=\(signature)") else {
            throw .invalidURL(url.absoluteString)
        }
        return signed
    }
}
