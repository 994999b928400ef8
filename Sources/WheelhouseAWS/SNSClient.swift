public import AsyncHTTPClient
public import Foundation
public import Logging

/// Where and how an `SNSClient` talks to Simple Notification Service.
public struct SNSConfiguration: Sendable {
    public var region: String
    /// A custom endpoint (moto, a VPC endpoint), or nil for `https://sns.{region}.amazonaws.com`.
    public var endpoint: URL?
    public var requestTimeout: Duration
    public var retry: AWSRetryPolicy

    public init(region: String, endpoint: URL? = nil, requestTimeout: Duration = .seconds(30), retry: AWSRetryPolicy = AWSRetryPolicy()) {
        self.region = region
        self.endpoint = endpoint
        self.requestTimeout = requestTimeout
        self.retry = retry
    }

    /// The region of `topicARN` (`arn:aws:sns:REGION:ACCOUNT:NAME`), the endpoint from
    /// `AWS_ENDPOINT_URL_SNS`, `AWS_ENDPOINT_URL` or the profile.
    public static func resolved(topicARN: String, environment: [String: String]) throws -> SNSConfiguration {
        guard let region = SNSClient.region(ofTopic: topicARN) else { throw SNSClient.TopicError(arn: topicARN) }
        return SNSConfiguration(region: region, endpoint: try AWSEndpointResolver(environment: environment).endpoint(for: "sns"))
    }
}

/// The one SNS call wheelhouse makes, Publish, in the AWS query protocol (a form body,
/// `Action=Publish&Version=2010-03-31`, an XML answer) on `AWSClient`, signed with SigV4 for
/// the service `sns` and retried per the configuration's policy.
public struct SNSClient: Sendable {
    public let configuration: SNSConfiguration
    let core: AWSClient

    /// A topic ARN that is not `arn:PARTITION:sns:REGION:ACCOUNT:NAME`.
    public struct TopicError: Error, CustomStringConvertible {
        public var arn: String
        public var description: String { "\(arn.debugDescription) is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)" }
    }

    public init(
        configuration: SNSConfiguration, credentials: any CredentialProvider, httpClient: HTTPClient = AWSHTTPClient.shared,
        logger: Logger = Logger(label: "wheelhouse.sns")
    ) {
        self.init(configuration: configuration, credentials: credentials, transport: .http(httpClient), logger: logger)
    }

    init(
        configuration: SNSConfiguration, credentials: any CredentialProvider, transport: AWSTransport,
        logger: Logger = Logger(label: "wheelhouse.sns"), now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.core = AWSClient(
            service: "SNS", signingName: "sns", credentials: credentials, requestTimeout: configuration.requestTimeout,
            retry: configuration.retry, transport: transport, logger: logger, now: now)
    }

    /// The region of a topic ARN, or nil when `arn` is not one.
    public static func region(ofTopic arn: String) -> String? {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", !parts[1].isEmpty, parts[2] == "sns", !parts[3].isEmpty, !parts[5].isEmpty
        else { return nil }
        return String(parts[3])
    }

    /// The URL requests go to: the endpoint's root.
    var url: URL? {
        let base = configuration.endpoint ?? URL(string: "https://sns.\(configuration.region).amazonaws.com")
        guard let base, var components = URLComponents(url: base, resolvingAgainstBaseURL: false) else { return nil }
        components.percentEncodedPath = "/"
        components.query = nil
        return components.url
    }

    /// Publishes `message` to `topicARN`, with string message attributes (for subscription
    /// filter policies); returns the MessageId.
    @discardableResult
    public func publish(topicARN: String, message: String, subject: String? = nil, attributes: [String: String] = [:]) async throws -> String {
        let operation = AWSOperation(service: "SNS", name: "Publish", resource: topicARN)
        guard let url else { throw AWSClientError.invalidResponse(operation, message: "no usable endpoint URL") }
        let request = AWSQueryCodec.request(
            url: url, region: configuration.region, action: "Publish", version: "2010-03-31",
            parameters: Self.publishParameters(topicARN: topicARN, message: message, subject: subject, attributes: attributes))
        return try await core.execute(
            operation, codec: AWSQueryCodec.self, request: { request },
            read: { response in
                let body = try await AWSClient.collect(response, limit: 1 << 20)
                guard let xml = AWSXMLElement.parse(body), let id = xml.first("PublishResult")?.text("MessageId") else {
                    throw AWSClientError.invalidResponse(operation, message: "no MessageId in the answer")
                }
                return id
            })
    }

    /// The form fields of Publish, attributes in name order.
    static func publishParameters(topicARN: String, message: String, subject: String?, attributes: [String: String]) -> [(String, String)] {
        var parameters = [("TopicArn", topicARN), ("Message", message)]
        if let subject { parameters.append(("Subject", subject)) }
        for (index, (name, value)) in attributes.sorted(by: { $0.key < $1.key }).enumerated() {
            let prefix = "MessageAttributes.entry.\(index + 1)."
            parameters += [
                (prefix + "Name", name), (prefix + "Value.DataType", "String"), (prefix + "Value.StringValue", value),
            ]
        }
        return parameters
    }
}
