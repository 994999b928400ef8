public import AsyncHTTPClient
public import Foundation
public import Logging
import NIOCore
import NIOHTTP1

/// Where and how an `SSMClient` talks to Systems Manager.
public struct SSMConfiguration: Sendable {
    public var region: String
    /// A custom endpoint (moto, a VPC endpoint), or nil for `https://ssm.{region}.amazonaws.com`.
    public var endpoint: URL?
    public var requestTimeout: Duration
    public var retry: AWSRetryPolicy

    public init(
        region: String, endpoint: URL? = nil, requestTimeout: Duration = .seconds(60), retry: AWSRetryPolicy = AWSRetryPolicy()
    ) {
        self.region = region
        self.endpoint = endpoint
        self.requestTimeout = requestTimeout
        self.retry = retry
    }

    /// The region from `region` or else the AWS configuration (`us-east-1` when none is set),
    /// the endpoint from `AWS_ENDPOINT_URL_SSM`, `AWS_ENDPOINT_URL` or the profile.
    public static func resolved(region: String?, environment: [String: String]) throws(AWSConfigurationError) -> SSMConfiguration {
        var resolvedRegion = region
        if resolvedRegion == nil { resolvedRegion = try AWSRegionResolver(environment: environment).region() }
        return SSMConfiguration(
            region: resolvedRegion ?? "us-east-1", endpoint: try AWSEndpointResolver(environment: environment).endpoint(for: "ssm"))
    }
}

/// The parameter tiers (SSM: Standard holds up to 4 KB, Advanced up to 8 KB; an Advanced
/// parameter can never be made Standard again).
public enum SSMParameterTier: String, Sendable, Codable, Hashable {
    case standard = "Standard"
    case advanced = "Advanced"
    case intelligentTiering = "Intelligent-Tiering"
}

/// One version of a parameter, as GetParameter and GetParameterHistory return it.
public struct SSMParameter: Sendable, Hashable {
    public var name: String
    public var value: String
    public var type: String
    public var version: Int
    /// Nil from GetParameter, which does not return it; see `SSMClient.currentTier`.
    public var tier: SSMParameterTier?
    public var lastModified: Date?
    public var description: String?
    public var labels: [String]
    public var dataType: String?
}

/// What PutParameter writes.
public struct SSMPutParameterRequest: Sendable, Hashable {
    public var name: String
    public var value: String
    /// `String` (a comma-separated list is still a String for Glue).
    public var type: String
    public var overwrite: Bool
    public var tier: SSMParameterTier
    public var dataType: String
    public var description: String?
    /// Tags can only be given when the parameter is created (SSM refuses them with Overwrite).
    public var tags: [String: String]

    public init(
        name: String, value: String, type: String = "String", overwrite: Bool, tier: SSMParameterTier = .standard,
        dataType: String = "text", description: String? = nil, tags: [String: String] = [:]
    ) {
        self.name = name
        self.value = value
        self.type = type
        self.overwrite = overwrite
        self.tier = tier
        self.dataType = dataType
        self.description = description
        self.tags = tags
    }
}

/// An SSM Parameter Store client on `AWSClient`: the AWS JSON 1.1 protocol (`POST /` with
/// `X-Amz-Target: AmazonSSM.<Operation>`), signed with SigV4 for the service `ssm`, retried
/// per the configuration's policy (server errors, throttling, lost connections).
///
/// Errors are `AWSClientError`; `isParameterNotFound` and `isParameterAlreadyExists` name the
/// answers callers act on.
///
/// The `HTTPClient` is shared and long-lived; this client does not own it.
public struct SSMClient: Sendable {
    public let configuration: SSMConfiguration
    public let credentials: any CredentialProvider
    let core: AWSClient

    public init(
        configuration: SSMConfiguration,
        credentials: any CredentialProvider,
        httpClient: HTTPClient = AWSHTTPClient.shared,
        logger: Logger = Logger(label: "wheelhouse.ssm"),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.init(configuration: configuration, credentials: credentials, transport: .http(httpClient), logger: logger, now: now)
    }

    init(
        configuration: SSMConfiguration, credentials: any CredentialProvider, transport: AWSTransport,
        logger: Logger = Logger(label: "wheelhouse.ssm"), now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.credentials = credentials
        self.core = AWSClient(
            service: "SSM", signingName: "ssm", credentials: credentials, requestTimeout: configuration.requestTimeout,
            retry: configuration.retry, transport: transport, logger: logger, now: now)
    }

    /// The URL requests go to: the endpoint's root.
    public var url: URL? {
        let base = configuration.endpoint ?? URL(string: "https://ssm.\(configuration.region).amazonaws.com")
        guard let base, var components = URLComponents(url: base, resolvingAgainstBaseURL: false) else { return nil }
        components.percentEncodedPath = "/"
        components.query = nil
        return components.url
    }

    // MARK: Operations

    /// Writes a parameter; returns the new version and the tier SSM stored.
    @discardableResult
    public func putParameter(_ request: SSMPutParameterRequest) async throws -> (version: Int, tier: SSMParameterTier?) {
        let input = PutParameterInput(
            name: request.name, value: request.value, type: request.type, overwrite: request.overwrite,
            tier: request.tier.rawValue, dataType: request.dataType, description: request.description,
            tags: request.tags.isEmpty ? nil : request.tags.sorted { $0.key < $1.key }.map { SSMTag(key: $0.key, value: $0.value) })
        let operation = Self.operation("PutParameter", request.name)
        let answer = try await call(operation, input, as: PutParameterOutput.self)
        guard let version = answer.version else {
            throw AWSClientError.invalidResponse(operation, message: "no Version in the answer")
        }
        return (version, answer.tier.flatMap(SSMParameterTier.init(rawValue:)))
    }

    /// The current value of a parameter (or of `name:version`). A missing one throws an error
    /// whose `isParameterNotFound` is true.
    public func getParameter(name: String) async throws -> SSMParameter {
        let operation = Self.operation("GetParameter", name)
        let answer = try await call(operation, GetParameterInput(name: name), as: GetParameterOutput.self)
        guard let parameter = answer.parameter?.parameter(name: name) else {
            throw AWSClientError.invalidResponse(operation, message: "no Parameter in the answer")
        }
        return parameter
    }

    /// The current value, or nil when the parameter does not exist.
    public func getParameterIfPresent(name: String) async throws -> SSMParameter? {
        do {
            return try await getParameter(name: name)
        } catch let error as AWSClientError where error.isParameterNotFound {
            return nil
        }
    }

    /// Every version SSM keeps of a parameter (up to 100), oldest first, following `NextToken`.
    public func parameterHistory(name: String, pageSize: Int = 50) async throws -> [SSMParameter] {
        let operation = Self.operation("GetParameterHistory", name)
        var out: [SSMParameter] = []
        var token: String?
        repeat {
            let input = GetParameterHistoryInput(name: name, maxResults: pageSize, nextToken: token)
            let answer = try await call(operation, input, as: GetParameterHistoryOutput.self)
            for entry in answer.parameters ?? [] {
                guard let parameter = entry.parameter(name: name) else {
                    throw AWSClientError.invalidResponse(operation, message: "a history entry without Value or Version")
                }
                out.append(parameter)
            }
            token = answer.nextToken.flatMap { $0.isEmpty ? nil : $0 }
        } while token != nil
        return out.sorted { $0.version < $1.version }
    }

    /// The tier of the parameter's newest version, from its history (GetParameter does not
    /// return the tier), or nil when there is no parameter.
    public func currentTier(name: String) async throws -> SSMParameterTier? {
        do {
            return try await parameterHistory(name: name).last?.tier
        } catch let error as AWSClientError where error.isParameterNotFound {
            return nil
        }
    }

    /// Deletes a parameter and its history. A missing one throws an error whose
    /// `isParameterNotFound` is true.
    public func deleteParameter(name: String) async throws {
        _ = try await call(Self.operation("DeleteParameter", name), DeleteParameterInput(name: name), as: SSMEmptyOutput.self)
    }

    // MARK: Sending

    static func operation(_ name: String, _ parameter: String) -> AWSOperation {
        AWSOperation(service: "SSM", name: name, resource: "parameter '\(parameter)'")
    }

    /// Sends one operation through the core (retried per the policy) and decodes the answer.
    func call<Input: Encodable & Sendable, Output: Decodable & Sendable>(
        _ operation: AWSOperation, _ input: Input, as output: Output.Type
    ) async throws -> Output {
        guard let url else { throw AWSClientError.invalidResponse(operation, message: "the endpoint is not a valid URL") }
        let request = try AWSJSONCodec.request(
            url: url, region: configuration.region, targetPrefix: "AmazonSSM", operation: operation, input: input)
        return try await core.execute(
            operation, codec: AWSJSONCodec.self, request: { request },
            read: { response in
                let data = try await AWSClient.collect(response, limit: 4 * 1024 * 1024)
                return try AWSJSONCodec.decode(output, from: data, operation: operation)
            })
    }
}

extension AWSClientError {
    /// SSM: no parameter (or no such version) under the name (`ParameterNotFound`,
    /// `ParameterVersionNotFound`).
    public var isParameterNotFound: Bool { code == "ParameterNotFound" || code == "ParameterVersionNotFound" }
    /// SSM: PutParameter without Overwrite on an existing parameter.
    public var isParameterAlreadyExists: Bool { code == "ParameterAlreadyExists" }
}

// MARK: Bodies (AWS JSON 1.1, the field names of the SSM API)

struct SSMTag: Codable, Sendable {
    var key: String
    var value: String
    enum CodingKeys: String, CodingKey {
        case key = "Key"
        case value = "Value"
    }
}

struct PutParameterInput: Encodable, Sendable {
    var name: String
    var value: String
    var type: String
    var overwrite: Bool
    var tier: String
    var dataType: String
    var description: String?
    /// Only when the parameter is created (SSM refuses tags with Overwrite).
    var tags: [SSMTag]?
    enum CodingKeys: String, CodingKey {
        case name = "Name", value = "Value", type = "Type", overwrite = "Overwrite", tier = "Tier", dataType = "DataType"
        case description = "Description", tags = "Tags"
    }
}

struct PutParameterOutput: Decodable, Sendable {
    var version: Int?
    var tier: String?
    enum CodingKeys: String, CodingKey {
        case version = "Version", tier = "Tier"
    }
}

struct GetParameterInput: Encodable, Sendable {
    var name: String
    var withDecryption = false
    enum CodingKeys: String, CodingKey {
        case name = "Name", withDecryption = "WithDecryption"
    }
}

struct GetParameterOutput: Decodable, Sendable {
    var parameter: ParameterEntry?
    enum CodingKeys: String, CodingKey {
        case parameter = "Parameter"
    }
}

struct GetParameterHistoryInput: Encodable, Sendable {
    var name: String
    var withDecryption = false
    var maxResults: Int
    var nextToken: String?
    init(name: String, maxResults: Int, nextToken: String?) {
        self.name = name
        self.maxResults = maxResults
        self.nextToken = nextToken
    }
    enum CodingKeys: String, CodingKey {
        case name = "Name", withDecryption = "WithDecryption", maxResults = "MaxResults", nextToken = "NextToken"
    }
}

struct GetParameterHistoryOutput: Decodable, Sendable {
    var parameters: [ParameterEntry]?
    var nextToken: String?
    enum CodingKeys: String, CodingKey {
        case parameters = "Parameters", nextToken = "NextToken"
    }
}

struct DeleteParameterInput: Encodable, Sendable {
    var name: String
    enum CodingKeys: String, CodingKey {
        case name = "Name"
    }
}

/// An answer whose fields are not needed.
struct SSMEmptyOutput: Decodable, Sendable {}

/// A parameter as GetParameter and GetParameterHistory return it (`LastModifiedDate` in
/// seconds since 1970).
struct ParameterEntry: Decodable, Sendable {
    var name: String?
    var value: String?
    var type: String?
    var version: Int?
    var tier: String?
    var lastModifiedDate: Double?
    var description: String?
    var labels: [String]?
    var dataType: String?
    enum CodingKeys: String, CodingKey {
        case name = "Name", value = "Value", type = "Type", version = "Version", tier = "Tier"
        case lastModifiedDate = "LastModifiedDate", description = "Description", labels = "Labels", dataType = "DataType"
    }

    /// Nil without Value or Version.
    func parameter(name fallback: String) -> SSMParameter? {
        guard let value, let version else { return nil }
        return SSMParameter(
            name: name ?? fallback, value: value, type: type ?? "String", version: version,
            tier: tier.flatMap(SSMParameterTier.init(rawValue:)),
            lastModified: lastModifiedDate.map { Date(timeIntervalSince1970: $0) }, description: description,
            labels: labels ?? [], dataType: dataType)
    }
}
