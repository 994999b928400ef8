public import Foundation
public import Logging
public import WheelhouseAWS

/// Publishes each event to an SNS topic (`--events-sns-topic`): the message is the same JSON
/// body a webhook receives, with the message attributes `type` and (when there is one)
/// `project`, for subscription filter policies. Retries are `SNSClient`'s (AWS's policy).
public struct SNSDestination: EventDestination {
    public var topicARN: String
    let client: SNSClient

    public init(topicARN: String, client: SNSClient) {
        self.topicARN = topicARN
        self.client = client
    }

    /// A destination with the region from the ARN, the endpoint and credentials from the AWS
    /// configuration (`AWS_ENDPOINT_URL_SNS`, the credential chain).
    public init(topicARN: String, environment: [String: String]) throws {
        let configuration = try SNSConfiguration.resolved(topicARN: topicARN, environment: environment)
        self.init(
            topicARN: topicARN,
            client: SNSClient(
                configuration: configuration,
                credentials: CachingCredentialProvider(wrapping: AWSCredentialChain.standard(environment: environment))))
    }

    public var name: String { topicARN }

    public func deliver(_ event: StoreEvent, body: Data) async throws {
        var attributes = ["type": event.type.rawValue]
        if let project = event.project { attributes["project"] = project }
        try await client.publish(topicARN: topicARN, message: String(decoding: body, as: UTF8.self), attributes: attributes)
    }
}

/// The event settings of a command (`--webhook`, `--webhook-secret-file`, `--events-sns-topic`).
public struct EventSettings: Sendable {
    public var webhooks: [URL]
    public var secret: [UInt8]?
    public var snsTopics: [String]

    public init(webhooks: [URL] = [], secret: [UInt8]? = nil, snsTopics: [String] = []) {
        self.webhooks = webhooks
        self.secret = secret
        self.snsTopics = snsTopics
    }

    public var isEmpty: Bool { webhooks.isEmpty && snsTopics.isEmpty }

    /// Reads a secret file: its bytes, without a trailing newline; an empty one is refused.
    public static func readSecret(path: String) throws -> [UInt8] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw EventSettingsError("cannot read the webhook secret file \(path): \(error.localizedDescription)")
        }
        var bytes = [UInt8](data)
        while let last = bytes.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { bytes.removeLast() }
        guard !bytes.isEmpty else { throw EventSettingsError("the webhook secret file \(path) is empty") }
        return bytes
    }

    /// Checks a webhook URL: http or https with a host.
    public static func webhookURL(_ text: String) throws -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else { throw EventSettingsError("--webhook \(text.debugDescription) is not an http:// or https:// URL") }
        return url
    }

    /// The dispatcher delivering to every destination (nil without any).
    public func dispatcher(
        environment: [String: String] = ProcessInfo.processInfo.environment, drainTimeout: Duration = .seconds(10),
        logger: Logger
    ) throws -> EventDispatcher? {
        guard !isEmpty else { return nil }
        var destinations: [any EventDestination] = webhooks.map { WebhookDestination(url: $0, secret: secret) }
        for topic in snsTopics { destinations.append(try SNSDestination(topicARN: topic, environment: environment)) }
        return EventDispatcher(destinations: destinations, drainTimeout: drainTimeout, logger: logger)
    }
}

public struct EventSettingsError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
