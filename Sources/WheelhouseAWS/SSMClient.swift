import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Where and how an `SSMClient` talks to Systems Manager.
public struct SSMConfiguration: Sendable {
    public var region: String
    /// A custom endpoint (moto, a VPC endpoint), or nil for `https://ssm.{region}.amazonaws.com`.
    public var endpoint: URL?
    public var requestTimeout: Duration
    /// Backoff and limits; which answers are retried is `SSMClient.isRetryable`.
    public var retry: S3RetryPolicy

    public init(region: String, endpoint: URL? = nil, requestTimeout: Duration = .seconds(60), retry: S3RetryPolicy = S3RetryPolicy()) {
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

/// An SSM Parameter Store client on AsyncHTTPClient: the AWS JSON 1.1 protocol (`POST /` with
/// `X-Amz-Target: AmazonSSM.<Operation>`), signed with SigV4 for the service `ssm`, retried
/// per the configuration's policy (server errors, throttling, lost connections).
///
/// The `HTTPClient` is shared and long-lived; this client does not own it.
public struct SSMClient: Sendable {
    public let configuration: SSMConfiguration
    public let credentials: any CredentialProvider
    let httpClient: HTTPClient
    let logger: Logger
    let now: @Sendable () -> Date

    public init(
        configuration: SSMConfiguration,
        credentials: any CredentialProvider,
        httpClient: HTTPClient = AWSHTTPClient.shared,
        logger: Logger = Logger(label: "wheelhouse.ssm"),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.credentials = credentials
        self.httpClient = httpClient
        self.logger = logger
        self.now = now
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
    public func putParameter(_ request: SSMPutParameterRequest) async throws(SSMError) -> (version: Int, tier: SSMParameterTier?) {
        var body: [String: any Sendable] = [
            "Name": request.name, "Value": request.value, "Type": request.type, "Overwrite": request.overwrite,
            "Tier": request.tier.rawValue, "DataType": request.dataType,
        ]
        if let description = request.description { body["Description"] = description }
        if !request.tags.isEmpty {
            body["Tags"] = request.tags.sorted { $0.key < $1.key }.map { ["Key": $0.key, "Value": $0.value] }
        }
        let answer = try await call("PutParameter", parameter: request.name, body: body)
        guard let version = Self.int(answer["Version"]) else {
            throw .invalidResponse(operation: "PutParameter", parameter: request.name, message: "no Version in the answer")
        }
        return (version, (answer["Tier"] as? String).flatMap(SSMParameterTier.init(rawValue:)))
    }

    /// The current value of a parameter (or of `name:version`). Throws `.parameterNotFound`.
    public func getParameter(name: String) async throws(SSMError) -> SSMParameter {
        let answer = try await call("GetParameter", parameter: name, body: ["Name": name, "WithDecryption": false])
        guard let object = answer["Parameter"] as? [String: Any], let parameter = Self.parameter(object, name: name) else {
            throw .invalidResponse(operation: "GetParameter", parameter: name, message: "no Parameter in the answer")
        }
        return parameter
    }

    /// The current value, or nil when the parameter does not exist.
    public func getParameterIfPresent(name: String) async throws(SSMError) -> SSMParameter? {
        do {
            return try await getParameter(name: name)
        } catch .parameterNotFound {
            return nil
        }
    }

    /// Every version SSM keeps of a parameter (up to 100), oldest first, following `NextToken`.
    public func parameterHistory(name: String, pageSize: Int = 50) async throws(SSMError) -> [SSMParameter] {
        var out: [SSMParameter] = []
        var token: String?
        repeat {
            var body: [String: any Sendable] = ["Name": name, "WithDecryption": false, "MaxResults": pageSize]
            if let token { body["NextToken"] = token }
            let answer = try await call("GetParameterHistory", parameter: name, body: body)
            for case let object as [String: Any] in answer["Parameters"] as? [Any] ?? [] {
                guard let parameter = Self.parameter(object, name: name) else {
                    throw .invalidResponse(operation: "GetParameterHistory", parameter: name, message: "a history entry without Value or Version")
                }
                out.append(parameter)
            }
            token = (answer["NextToken"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        } while token != nil
        return out.sorted { $0.version < $1.version }
    }

    /// The tier of the parameter's newest version, from its history (GetParameter does not
    /// return the tier), or nil when there is no parameter.
    public func currentTier(name: String) async throws(SSMError) -> SSMParameterTier? {
        do {
            return try await parameterHistory(name: name).last?.tier
        } catch .parameterNotFound {
            return nil
        }
    }

    /// Deletes a parameter and its history. Throws `.parameterNotFound` when there is none.
    public func deleteParameter(name: String) async throws(SSMError) {
        _ = try await call("DeleteParameter", parameter: name, body: ["Name": name])
    }

    // MARK: Sending

    /// Whether an error answer may succeed when sent again: what `S3RetryPolicy` retries, plus
    /// SSM's throttling, which is a 400 with a code (`ThrottlingException`, `TooManyUpdates` for
    /// concurrent writes of one parameter).
    public static func isRetryable(status: Int, code: String?) -> Bool {
        if S3RetryPolicy.isRetryable(status: status, code: code) { return true }
        guard status == 400, let code else { return false }
        return ["ThrottlingException", "Throttling", "TooManyUpdates", "RequestLimitExceeded"].contains(code)
    }

    /// Sends one operation, retrying per the policy; returns the decoded JSON answer.
    func call(_ operation: String, parameter: String, body: [String: any Sendable]) async throws(SSMError) -> [String: Any] {
        guard let url else {
            throw .invalidResponse(operation: operation, parameter: parameter, message: "the endpoint is not a valid URL")
        }
        let payload: Data
        do {
            payload = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        } catch {
            throw .invalidResponse(operation: operation, parameter: parameter, message: "cannot encode the request: \(error)")
        }
        let policy = configuration.retry
        let started = ContinuousClock.now
        var attempt = 0
        while true {
            attempt += 1
            let failure: SSMError
            do {
                let response = try await sendOnce(operation, url: url, payload: payload)
                let status = Int(response.status.code)
                let data = Data(try await response.body.collect(upTo: 4 * 1024 * 1024).readableBytesView)
                if (200..<300).contains(status) {
                    if data.isEmpty { return [:] }
                    guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                        throw SSMError.invalidResponse(operation: operation, parameter: parameter, message: "the answer is not a JSON object")
                    }
                    return object
                }
                let error = Self.serviceError(
                    data, status: status, errorTypeHeader: response.headers.first(name: "x-amzn-ErrorType"),
                    requestId: response.headers.first(name: "x-amzn-RequestId"), operation: operation, parameter: parameter,
                    attempts: attempt)
                guard Self.isRetryable(status: status, code: error.code) else { throw SSMError(error) }
                failure = .service(error)
            } catch let error as SSMError {
                throw error
            } catch let error as AWSConfigurationError {
                throw .configuration(error)
            } catch let error where S3Client.isTransportFailure(error) {
                let endpoint = configuration.endpoint?.absoluteString ?? "https://ssm.\(configuration.region).amazonaws.com"
                failure = .transport(
                    operation: operation, parameter: parameter, attempts: attempt,
                    underlying: "\(String(describing: error)); endpoint \(endpoint), region \(configuration.region)")
            } catch {
                throw .invalidResponse(operation: operation, parameter: parameter, message: String(describing: error))
            }
            if attempt >= policy.maxAttempts || ContinuousClock.now - started >= policy.maxTotalTime { throw failure }
            let delay = policy.delay(beforeRetry: attempt)
            logger.debug(
                "retrying SSM request",
                metadata: ["operation": "\(operation)", "parameter": "\(parameter)", "attempt": "\(attempt)", "error": "\(failure)"])
            do {
                try await policy.sleep(delay)
            } catch {
                throw failure
            }
        }
    }

    private func sendOnce(_ operation: String, url: URL, payload: Data) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        request.body = .bytes(ByteBuffer(bytes: payload))
        let headers = [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "AmazonSSM." + operation)]
        let signer = SigV4Signer(credentials: try await credentials.credentials(), region: configuration.region, service: "ssm")
        for (name, value) in signer.signHeaders(method: "POST", url: url, headers: headers, payload: .data(Array(payload)), date: now()) {
            request.headers.add(name: name, value: value)
        }
        return try await httpClient.execute(request, timeout: .nanoseconds(configuration.requestTimeout.nanoseconds))
    }

    /// AWS JSON protocol errors: `{"__type": "com.amazonaws.ssm#ParameterNotFound", "message": …}`
    /// (the namespace before `#` is optional; the code may also come in `x-amzn-ErrorType`).
    static func serviceError(
        _ data: Data, status: Int, errorTypeHeader: String?, requestId: String?, operation: String, parameter: String,
        attempts: Int
    ) -> SSMServiceError {
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        // Authentication failures come as the query protocol's XML from some endpoints (moto):
        // `<ErrorResponse><Errors><Error><Code>…`.
        let xml = object.isEmpty ? S3XMLElement.parse(data).flatMap(Self.xmlError) : nil
        var code =
            (object["__type"] as? String) ?? (object["code"] as? String) ?? xml?.text("Code")
            ?? errorTypeHeader
        if let raw = code {
            code = String(raw.split(separator: ":").first ?? Substring(raw)).split(separator: "#").last.map(String.init)
        }
        let message = (object["message"] as? String) ?? (object["Message"] as? String) ?? xml?.text("Message")
        return SSMServiceError(
            operation: operation, parameter: parameter, status: status, code: code, message: message,
            requestId: requestId, attempts: attempts)
    }

    private static func xmlError(_ element: S3XMLElement) -> S3XMLElement? {
        if element.name == "Error" { return element }
        for child in element.children {
            if let found = xmlError(child) { return found }
        }
        return nil
    }

    static func parameter(_ object: [String: Any], name: String) -> SSMParameter? {
        guard let value = object["Value"] as? String, let version = int(object["Version"]) else { return nil }
        return SSMParameter(
            name: object["Name"] as? String ?? name, value: value, type: object["Type"] as? String ?? "String",
            version: version, tier: (object["Tier"] as? String).flatMap(SSMParameterTier.init(rawValue:)),
            lastModified: double(object["LastModifiedDate"]).map { Date(timeIntervalSince1970: $0) },
            description: object["Description"] as? String, labels: object["Labels"] as? [String] ?? [],
            dataType: object["DataType"] as? String)
    }

    static func int(_ value: Any?) -> Int? {
        if let value = value as? Int { return value }
        return (value as? NSNumber)?.intValue
    }

    static func double(_ value: Any?) -> Double? {
        if let value = value as? Double { return value }
        if let value = value as? Int { return Double(value) }
        return (value as? NSNumber)?.doubleValue
    }
}
