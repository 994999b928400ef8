public import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A credentials endpoint answered, but not with usable credentials. Messages name the source
/// and what it said; they never contain a secret.
public struct CredentialSourceError: Error, Equatable, CustomStringConvertible {
    public var source: String
    public var message: String

    public init(source: String, message: String) {
        self.source = source
        self.message = message
    }

    public var description: String { "\(source): \(message)" }
}

/// The JSON shape the container and instance metadata endpoints share.
struct CredentialDocument: Decodable {
    var AccessKeyId: String
    var SecretAccessKey: String
    var Token: String?
    var Expiration: String?

    func credentials(source: String) throws -> AWSCredentials {
        var expiration: Date?
        if let text = Expiration {
            guard let date = AWSDates.iso8601(text) else {
                throw CredentialSourceError(source: source, message: "unreadable Expiration '\(text)'")
            }
            expiration = date
        }
        return AWSCredentials(
            accessKeyId: AccessKeyId, secretAccessKey: SecretAccessKey, sessionToken: Token, expiration: expiration)
    }
}

/// Sends one small request and collects the answer (credential endpoints answer a few hundred bytes).
func smallRequest(
    _ httpClient: HTTPClient, url: String, method: HTTPMethod, headers: [(String, String)] = [],
    body: String? = nil, timeout: Duration, source: String
) async throws -> (status: UInt, body: Data) {
    var request = HTTPClientRequest(url: url)
    request.method = method
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    if let body { request.body = .bytes(ByteBuffer(string: body)) }
    do {
        let response = try await httpClient.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
        let collected = try await response.body.collect(upTo: 1 << 20)
        return (response.status.code, Data(collected.readableBytesView))
    } catch {
        throw CredentialSourceError(source: source, message: "cannot reach \(url): \(error)")
    }
}

/// Credentials from the ECS/EKS container credentials endpoint:
/// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (on `http://169.254.170.2`) or
/// `AWS_CONTAINER_CREDENTIALS_FULL_URI`, with the `Authorization` header from
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (read on every fetch: EKS rotates it) or
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
///
/// As in the AWS SDKs, a full URI over plain http must point at a loopback address or at the
/// ECS/EKS agent addresses, so credentials are never fetched in clear text across a network.
public struct ContainerCredentialProvider: CredentialProvider {
    public let environment: [String: String]
    let httpClient: HTTPClient
    static let source = "container credentials"
    static let allowedHTTPHosts: Set<String> = ["169.254.170.2", "169.254.170.23", "[fd00:ec2::23]", "fd00:ec2::23", "localhost"]

    public init(environment: [String: String], httpClient: HTTPClient = .shared) {
        self.environment = environment
        self.httpClient = httpClient
    }

    /// The endpoint, or nil when the environment configures none.
    func endpoint() throws -> String? {
        if let relative = value("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            return "http://169.254.170.2" + (relative.hasPrefix("/") ? relative : "/" + relative)
        }
        guard let full = value("AWS_CONTAINER_CREDENTIALS_FULL_URI") else { return nil }
        guard let url = URL(string: full), let scheme = url.scheme?.lowercased(), let host = url.host else {
            throw AWSConfigurationError.invalidEndpoint(source: "AWS_CONTAINER_CREDENTIALS_FULL_URI", value: full)
        }
        switch scheme {
        case "https": return full
        case "http" where Self.allowedHTTPHosts.contains(host.lowercased()) || host.hasPrefix("127.") || host == "::1" || host == "[::1]":
            return full
        case "http":
            throw CredentialSourceError(
                source: Self.source,
                message: "AWS_CONTAINER_CREDENTIALS_FULL_URI over http must name a loopback or ECS/EKS agent address, not '\(host)'")
        default:
            throw AWSConfigurationError.invalidEndpoint(source: "AWS_CONTAINER_CREDENTIALS_FULL_URI", value: full)
        }
    }

    public func credentials() async throws -> AWSCredentials {
        guard let url = try endpoint() else {
            throw AWSConfigurationError.noCredentials(tried: [Self.source])
        }
        var headers: [(String, String)] = []
        if let file = value("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
            guard let token = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw AWSConfigurationError.unreadableFile(path: file, reason: "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE cannot be read")
            }
            headers.append(("Authorization", token.trimmingCharacters(in: .whitespacesAndNewlines)))
        } else if let token = value("AWS_CONTAINER_AUTHORIZATION_TOKEN") {
            headers.append(("Authorization", token))
        }
        let (status, body) = try await smallRequest(
            httpClient, url: url, method: .GET, headers: headers, timeout: .seconds(5), source: Self.source)
        guard status == 200 else {
            throw CredentialSourceError(source: Self.source, message: "\(url) answered HTTP \(status)")
        }
        guard let document = try? JSONDecoder().decode(CredentialDocument.self, from: body) else {
            throw CredentialSourceError(source: Self.source, message: "\(url) did not answer with a credentials document")
        }
        return try document.credentials(source: Self.source)
    }

    private func value(_ name: String) -> String? {
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }
}

/// Credentials of the EC2 instance's role from the instance metadata service, IMDSv2 only
/// (a session token from `PUT /latest/api/token` on every request; IMDSv1 is never used).
///
/// `AWS_EC2_METADATA_DISABLED=true` turns it off; `AWS_EC2_METADATA_SERVICE_ENDPOINT` moves it.
/// Off EC2 nothing answers: a short timeout (1 s per request, as in the SDKs) makes that a quick
/// "no credentials here" instead of a hang.
public struct InstanceMetadataCredentialProvider: CredentialProvider {
    public let environment: [String: String]
    let httpClient: HTTPClient
    let timeout: Duration
    static let source = "EC2 instance metadata (IMDSv2)"

    public init(environment: [String: String], httpClient: HTTPClient = .shared, timeout: Duration = .seconds(1)) {
        self.environment = environment
        self.httpClient = httpClient
        self.timeout = timeout
    }

    public func credentials() async throws -> AWSCredentials {
        if environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true" {
            throw AWSConfigurationError.noCredentials(tried: [Self.source + ", disabled by AWS_EC2_METADATA_DISABLED"])
        }
        var base = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://169.254.169.254"
        while base.hasSuffix("/") { base.removeLast() }

        // No answer to the token request means there is no metadata service here: move on.
        let token: String
        do {
            let (status, body) = try await smallRequest(
                httpClient, url: base + "/latest/api/token", method: .PUT,
                headers: [("X-aws-ec2-metadata-token-ttl-seconds", "21600")], timeout: timeout, source: Self.source)
            // 403/404/405: the service is there but IMDSv2 is off or blocked (as the SDKs read it).
            if [403, 404, 405].contains(status) { throw AWSConfigurationError.noCredentials(tried: [Self.source]) }
            guard status == 200 else {
                throw CredentialSourceError(source: Self.source, message: "the token request answered HTTP \(status)")
            }
            token = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch let error as CredentialSourceError where error.message.hasPrefix("cannot reach") {
            throw AWSConfigurationError.noCredentials(tried: [Self.source])
        }
        let headers = [("X-aws-ec2-metadata-token", token)]
        let listURL = base + "/latest/meta-data/iam/security-credentials/"
        let (listStatus, listBody) = try await smallRequest(
            httpClient, url: listURL, method: .GET, headers: headers, timeout: timeout, source: Self.source)
        guard listStatus == 200,
            let role = String(decoding: listBody, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init),
            !role.isEmpty
        else {
            throw CredentialSourceError(
                source: Self.source, message: "the instance has no IAM role (\(listURL) answered HTTP \(listStatus))")
        }
        let (status, body) = try await smallRequest(
            httpClient, url: listURL + role, method: .GET, headers: headers, timeout: timeout, source: Self.source)
        guard status == 200, let document = try? JSONDecoder().decode(CredentialDocument.self, from: body) else {
            throw CredentialSourceError(
                source: Self.source, message: "no credentials for role '\(role)' (HTTP \(status))")
        }
        return try document.credentials(source: Self.source)
    }
}

/// Credentials for `AWS_ROLE_ARN` from STS `AssumeRoleWithWebIdentity`, with the token in
/// `AWS_WEB_IDENTITY_TOKEN_FILE` (EKS IRSA, GitHub OIDC). The file is read again on every
/// fetch, as the token rotates. The call is unsigned (the token is the proof); the endpoint is
/// `AWS_ENDPOINT_URL_STS`/`AWS_ENDPOINT_URL` or the regional `https://sts.{region}.amazonaws.com`.
public struct WebIdentityCredentialProvider: CredentialProvider {
    public let environment: [String: String]
    let httpClient: HTTPClient
    static let source = "web identity (AWS_WEB_IDENTITY_TOKEN_FILE)"

    public init(environment: [String: String], httpClient: HTTPClient = .shared) {
        self.environment = environment
        self.httpClient = httpClient
    }

    func endpoint() throws -> String {
        if let custom = try AWSEndpointResolver(environment: environment).endpoint(for: "sts") {
            return custom.absoluteString
        }
        let region = try AWSRegionResolver(environment: environment).region() ?? "us-east-1"
        return "https://sts.\(region).amazonaws.com/"
    }

    public func credentials() async throws -> AWSCredentials {
        let tokenFile = value("AWS_WEB_IDENTITY_TOKEN_FILE")
        let roleARN = value("AWS_ROLE_ARN")
        switch (tokenFile, roleARN) {
        case (nil, nil): throw AWSConfigurationError.noCredentials(tried: [Self.source])
        case (_?, nil): throw AWSConfigurationError.partialCredentials(source: "the environment", missing: "AWS_ROLE_ARN")
        case (nil, _?): throw AWSConfigurationError.partialCredentials(source: "the environment", missing: "AWS_WEB_IDENTITY_TOKEN_FILE")
        case (let file?, let role?):
            guard let token = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw AWSConfigurationError.unreadableFile(path: file, reason: "AWS_WEB_IDENTITY_TOKEN_FILE cannot be read")
            }
            let session = value("AWS_ROLE_SESSION_NAME") ?? "wheelhouse-\(Int(Date().timeIntervalSince1970))"
            let url = try endpoint()
            guard let endpointURL = URL(string: url) else {
                throw AWSConfigurationError.invalidEndpoint(source: "the STS endpoint", value: url)
            }
            let sts = STSClient(
                endpoint: endpointURL, region: try AWSRegionResolver(environment: environment).region() ?? "us-east-1",
                transport: .http(httpClient))
            do {
                return try await sts.assumeRoleWithWebIdentity(
                    roleARN: role, sessionName: session, token: token.trimmingCharacters(in: .whitespacesAndNewlines))
            } catch AWSClientError.service(let error) {
                throw CredentialSourceError(
                    source: Self.source,
                    message: "STS refused AssumeRoleWithWebIdentity for \(role): \(error.code ?? "HTTP \(error.status)")"
                        + (error.message.map { ": \($0)" } ?? "") + (error.requestId.map { " (request id \($0))" } ?? ""))
            } catch let error as AWSClientError {
                throw CredentialSourceError(source: Self.source, message: "STS at \(url): \(error)")
            }
        }
    }

    private func value(_ name: String) -> String? {
        guard let value = environment[name], !value.isEmpty else { return nil }
        return value
    }
}
