public import Foundation
import WheelhouseAWS

/// Where a store lives, parsed from the `--store` option (DESIGN.md §1):
/// - a path (relative to the current directory), or `file:///abs/path`: a local directory;
/// - `s3://BUCKET[/PREFIX][?region=R&endpoint=URL&path-style=true]`: an S3 bucket, or any
///   S3-compatible service when `endpoint` is given.
///
/// `description` is the normalized URL (`file:///srv/wheelhouse`, `s3://bucket/prefix?region=…`);
/// parsing it gives back the same location. It holds no secrets.
public enum StoreLocation: Sendable, Hashable, CustomStringConvertible {
    /// A local directory (absolute, standardized).
    case fileSystem(URL)
    /// An S3 bucket. `prefix` has no leading or trailing `/` and is empty for the whole bucket;
    /// keys live under `prefix + "/"`. `region` and `endpoint` are nil when not given (the AWS
    /// configuration chain decides); `pathStyle` asks for `endpoint/bucket/key` addressing.
    case s3(bucket: String, prefix: String, region: String?, endpoint: URL?, pathStyle: Bool)

    /// The query keys an `s3://` location accepts.
    public static let s3QueryKeys = ["region", "endpoint", "path-style"]

    /// Parses a `--store` value. Relative paths are resolved against `currentDirectory`.
    public init(
        parsing text: String,
        currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
    ) throws(StoreLocationError) {
        func fail(_ message: String) -> StoreLocationError { StoreLocationError(input: text, message: message) }
        guard !text.isEmpty else {
            throw fail("it is empty; give a directory path, file:///absolute/path or s3://bucket[/prefix]")
        }
        guard let scheme = Self.scheme(of: text) else {
            if text.lowercased().hasPrefix("s3:") || text.lowercased().hasPrefix("file:") {
                throw fail("a store URL starts with s3:// or file:// (two slashes)")
            }
            self = .fileSystem(Self.directoryURL(text, relativeTo: currentDirectory))
            return
        }
        guard let components = URLComponents(string: text) else {
            throw fail("it is not a valid URL (characters such as spaces must be percent-encoded)")
        }
        switch scheme {
        case "file":
            self = try Self.parseFile(components, fail: fail)
        case "s3":
            self = try Self.parseS3(components, fail: fail)
        default:
            throw fail("unsupported scheme '\(scheme)'; use a directory path, file:///absolute/path or s3://bucket[/prefix]")
        }
    }

    public var description: String {
        switch self {
        case .fileSystem(let url):
            return "file://" + Self.percentEncoded(url.path, allowed: .urlPathAllowed)
        case .s3(let bucket, let prefix, let region, let endpoint, let pathStyle):
            var text = "s3://" + bucket
            if !prefix.isEmpty { text += "/" + Self.percentEncoded(prefix, allowed: .urlPathAllowed) }
            var query: [String] = []
            if let region { query.append("region=" + region) }
            if let endpoint { query.append("endpoint=" + Self.percentEncoded(endpoint.absoluteString, allowed: Self.queryValueAllowed)) }
            if pathStyle { query.append("path-style=true") }
            if !query.isEmpty { text += "?" + query.joined(separator: "&") }
            return text
        }
    }

    // MARK: Parsing

    /// The lowercased scheme when `text` looks like `scheme://…`, else nil (a path).
    private static func scheme(of text: String) -> String? {
        guard let range = text.range(of: "://") else { return nil }
        let scheme = text[..<range.lowerBound]
        guard let first = scheme.first, first.isASCII, first.isLetter,
            scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) })
        else { return nil }
        return scheme.lowercased()
    }

    private static func directoryURL(_ path: String, relativeTo base: URL) -> URL {
        let expanded = (path as NSString).expandingTildeInPath
        return normalizedDirectory(URL(fileURLWithPath: expanded, isDirectory: true, relativeTo: base))
    }

    /// One URL per directory, whatever the spelling (`a/./b/`, `a/b`), so locations compare equal.
    static func normalizedDirectory(_ url: URL) -> URL {
        var path = url.absoluteURL.standardizedFileURL.path
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        return URL(fileURLWithPath: path, isDirectory: true)
    }

    private static func parseFile(
        _ components: URLComponents, fail: (String) -> StoreLocationError
    ) throws(StoreLocationError) -> StoreLocation {
        guard components.host.map({ $0.isEmpty || $0 == "localhost" }) ?? true else {
            throw fail("a file URL names a local directory: file:///absolute/path (three slashes), not a host")
        }
        guard components.user == nil, components.password == nil, components.port == nil,
            components.query == nil, components.fragment == nil
        else { throw fail("a file URL takes only a path: file:///absolute/path") }
        let path = components.path
        guard path.hasPrefix("/") else { throw fail("a file URL needs an absolute path: file:///absolute/path") }
        return .fileSystem(normalizedDirectory(URL(fileURLWithPath: path, isDirectory: true)))
    }

    private static func parseS3(
        _ components: URLComponents, fail: (String) -> StoreLocationError
    ) throws(StoreLocationError) -> StoreLocation {
        guard let bucket = components.host, !bucket.isEmpty else {
            throw fail("an S3 location names a bucket: s3://bucket[/prefix]")
        }
        guard components.user == nil, components.password == nil, components.port == nil else {
            throw fail("an S3 location takes no user, password or port; credentials come from the AWS environment, endpoints from ?endpoint=URL")
        }
        guard components.fragment == nil else { throw fail("an S3 location takes no #fragment") }
        let bucketProblems = bucketNameProblems(bucket)
        guard bucketProblems.isEmpty else {
            throw fail("'\(bucket)' is not a valid S3 bucket name: " + bucketProblems.joined(separator: "; "))
        }

        var prefix = Substring(components.path)
        while prefix.hasPrefix("/") { prefix = prefix.dropFirst() }
        while prefix.hasSuffix("/") { prefix = prefix.dropLast() }
        guard prefix.isEmpty || BlobKey.isValid(String(prefix)) else {
            throw fail("the prefix '\(prefix)' has an empty, '.' or '..' component, a backslash or a control character")
        }

        var region: String?
        var endpoint: URL?
        var pathStyle = false
        var seen: Set<String> = []
        for item in components.queryItems ?? [] {
            guard Self.s3QueryKeys.contains(item.name) else {
                throw fail("unknown query parameter '\(item.name)'; the accepted ones are \(Self.s3QueryKeys.joined(separator: ", "))")
            }
            guard seen.insert(item.name).inserted else { throw fail("'\(item.name)' is given twice") }
            guard let value = item.value, !value.isEmpty else { throw fail("'\(item.name)' needs a value") }
            switch item.name {
            case "region":
                guard value.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) else {
                    throw fail("'\(value)' is not an AWS region name (like us-east-1)")
                }
                region = value
            case "endpoint":
                guard let url = URLComponents(string: value), let scheme = url.scheme?.lowercased(),
                    scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty,
                    url.query == nil, url.fragment == nil, url.path.isEmpty || url.path == "/",
                    let parsed = URL(string: value.hasSuffix("/") ? String(value.dropLast()) : value)
                else {
                    throw fail("endpoint '\(value)' is not an http:// or https:// URL of a host (and optional port), like http://localhost:9000")
                }
                endpoint = parsed
            default:  // "path-style"
                switch value {
                case "true": pathStyle = true
                case "false": pathStyle = false
                default: throw fail("path-style is 'true' or 'false', not '\(value)'")
                }
            }
        }
        return .s3(bucket: bucket, prefix: String(prefix), region: region, endpoint: endpoint, pathStyle: pathStyle)
    }

    /// Every rule of S3's general purpose bucket names `name` breaks
    /// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
    static func bucketNameProblems(_ name: String) -> [String] {
        var problems: [String] = []
        if !(3...63).contains(name.count) { problems.append("it must be 3 to 63 characters long") }
        if !name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "." || $0 == "-") }) {
            problems.append("it may contain only lowercase letters, digits, dots and hyphens")
        }
        if let first = name.first, let last = name.last,
            !(first.isASCII && (first.isLowercase || first.isNumber) && last.isASCII && (last.isLowercase || last.isNumber))
        {
            problems.append("it must begin and end with a letter or digit")
        }
        if name.contains("..") { problems.append("it must not contain two adjacent dots") }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        if octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }) {
            problems.append("it must not be formatted as an IP address")
        }
        for reserved in ["xn--", "sthree-", "amzn-s3-demo-"] where name.hasPrefix(reserved) {
            problems.append("it must not start with '\(reserved)'")
        }
        for reserved in ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"] where name.hasSuffix(reserved) {
            problems.append("it must not end with '\(reserved)'")
        }
        return problems
    }

    // MARK: Printing

    private static let queryValueAllowed: CharacterSet = {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+#")
        return allowed
    }()

    private static func percentEncoded(_ text: String, allowed: CharacterSet) -> String {
        text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

/// A `--store` value that names no usable store.
public struct StoreLocationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The value as given.
    public var input: String
    /// What is wrong and what would be right.
    public var message: String

    public var description: String { "invalid store '\(input)': \(message)" }
}

/// The store at `location`, opened (a local directory is created if missing).
///
/// For S3: credentials from the AWS chain (environment, then profile files), the region from
/// the location or else the AWS configuration (`us-east-1` when none is set), the endpoint from
/// the location or else `AWS_ENDPOINT_URL_S3` and friends. Nothing is sent to S3 yet.
public func makeBlobStore(
    _ location: StoreLocation, environment: [String: String] = ProcessInfo.processInfo.environment
) throws -> any BlobStore {
    switch location {
    case .fileSystem(let root):
        return try FileSystemBlobStore(root: root)
    case .s3(let bucket, let prefix, let region, let endpoint, let pathStyle):
        let configuration = S3Configuration(
            region: try region ?? AWSRegionResolver(environment: environment).region() ?? "us-east-1",
            endpoint: try endpoint ?? AWSEndpointResolver(environment: environment).endpoint(for: "s3"),
            pathStyle: pathStyle)
        let credentials = CachingCredentialProvider(wrapping: AWSCredentialChain.standard(environment: environment))
        let client = S3Client(configuration: configuration, credentials: credentials)
        return S3BlobStore(client: client, bucket: bucket, prefix: prefix, displayName: location.description)
    }
}
